"""XML signatures on DCCs with key pairs kept by the platform (issue 6, part 4).

* A platform root CA (self-signed, ECDSA P-256, 20 years) issues one certificate per institution
  (5 years; key usage digitalSignature + contentCommitment, i.e. non-repudiation). Verifiers who trust the
  root can check any institution's signature; :func:`platform_root_certificate` exports it.
* Private keys are encrypted at rest with AES-256-GCM; the key-encryption key is HKDF-SHA256 of the
  platform secret (never in the database). A wrong secret gives :class:`SigningKeyError`, never garbage.
* :func:`sign` writes an enveloped XML-DSig signature (W3C XML Signature 1.1; ``URI=""`` reference with
  the enveloped-signature transform and C14N 1.1, SHA-256 digest, ECDSA-SHA256 or RSA-SHA256) with the
  institution certificate and the root in ``KeyInfo/X509Data``, as DCC v3.3.0 allows (``ds:Signature``
  as last child of the root).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import XMLSigner
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jiliang.dcc.errors import DccError, SigningKeyError
from jiliang.dcc.models import SigningKey
from jiliang.dcc.safe import parse_xml
from jiliang.platform import audit
from jiliang.platform.models import utcnow
from jiliang.platform.settings import get_settings

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
ALGORITHMS = ("ecdsa-p256", "rsa-3072")
ROOT_SUBJECT = "Jiliang Platform Root CA 计量平台根证书"
ROOT_YEARS = 20
INSTITUTION_YEARS = 5
_HKDF_INFO = b"jiliang/dcc/signing-key-encryption/v1"
_FORMAT = "v1"

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


# ------------------------------------------------------------------ key encryption at rest
def _kek(secret: str | None = None) -> bytes:
    material = (secret if secret is not None else get_settings().resolved_secret_key()).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(material)


def encrypt_private_key(key: PrivateKey, key_id: str, *, secret: str | None = None) -> str:
    """``v1:<base64 nonce>:<base64 AES-GCM ciphertext of the PKCS#8 DER key>``, bound to ``key_id``."""
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    nonce = os.urandom(12)
    ct = AESGCM(_kek(secret)).encrypt(nonce, der, key_id.encode())
    return f"{_FORMAT}:{base64.b64encode(nonce).decode()}:{base64.b64encode(ct).decode()}"


def decrypt_private_key(blob: str, key_id: str, *, secret: str | None = None) -> PrivateKey:
    try:
        fmt, nonce_b64, ct_b64 = blob.split(":")
        if fmt != _FORMAT:
            raise ValueError(fmt)
        nonce, ct = base64.b64decode(nonce_b64), base64.b64decode(ct_b64)
    except ValueError:
        raise SigningKeyError(f"signing key {key_id[:12]}: stored key has an unknown format") from None
    try:
        der = AESGCM(_kek(secret)).decrypt(nonce, ct, key_id.encode())
    except InvalidTag:
        raise SigningKeyError(
            f"signing key {key_id[:12]} cannot be decrypted: the platform secret (JILIANG_SECRET_KEY / "
            "var/secret.key) is not the one it was encrypted with, or the stored key was altered"
        ) from None
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningKeyError(f"signing key {key_id[:12]}: unsupported key type")
    return key


# ------------------------------------------------------------------ certificates
def _new_key(algorithm: str) -> PrivateKey:
    if algorithm == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "rsa-3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise DccError(f"unknown signing algorithm {algorithm!r} (use one of {ALGORITHMS})")


def key_id_of(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> str:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def _name(common_name: str, organisation: str, serial: str = "") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial[:64]))
    return x509.Name(attrs)


def _certificate(
    *,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    issuer: x509.Name,
    issuer_key: PrivateKey,
    ca: bool,
    not_before: dt.datetime,
    years: int,
    issuer_public: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False)
    )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class InstitutionSigner:
    """What :func:`sign` needs: the institution's key and its certificate chain (leaf first)."""

    key_id: str
    organisation_id: int | None
    algorithm: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # leaf, then issuers up to the root
    private_key: PrivateKey = field(repr=False)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


def _row_signer(row: SigningKey, chain_tail: tuple[x509.Certificate, ...] = ()) -> InstitutionSigner:
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    key = decrypt_private_key(row.private_key_encrypted, row.key_id)
    return InstitutionSigner(
        key_id=row.key_id,
        organisation_id=row.organisation_id,
        algorithm=row.algorithm,
        certificate=cert,
        chain=(cert, *chain_tail),
        private_key=key,
    )


def _store(
    session: Session,
    *,
    scope: str,
    purpose: str,
    organisation_id: int | None,
    algorithm: str,
    key: PrivateKey,
    cert: x509.Certificate,
    actor: str,
) -> SigningKey | None:
    kid = key_id_of(key.public_key())
    row = SigningKey(
        organisation_id=organisation_id,
        scope=scope,
        purpose=purpose,
        algorithm=algorithm,
        key_id=kid,
        subject=cert.subject.rfc4514_string(),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        not_before=cert.not_valid_before_utc.replace(tzinfo=None),
        not_after=cert.not_valid_after_utc.replace(tzinfo=None),
        private_key_encrypted=encrypt_private_key(key, kid),
        status="active",
        created_by=actor,
    )
    try:
        with session.begin_nested():  # a concurrent creator may win the unique (scope, active) index
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    audit.record(
        session,
        actor=actor,
        action="create",
        object_type="signing_key",
        object_id=row.id,
        after={
            "scope": scope,
            "purpose": purpose,
            "organisation_id": organisation_id,
            "algorithm": algorithm,
            "key_id": kid,
            "subject": row.subject,
            "not_after": row.not_after,
        },
    )
    return row


def _active(session: Session, scope: str) -> SigningKey | None:
    return session.scalars(
        select(SigningKey).where(SigningKey.scope == scope, SigningKey.status == "active")
    ).first()


def root_signer(session: Session, *, actor: str = "system") -> InstitutionSigner:
    """The platform root CA, created on first use (audited)."""
    row = _active(session, "root")
    if row is None:
        key = _new_key("ecdsa-p256")
        name = _name(ROOT_SUBJECT, "Jiliang 计量平台")
        now = utcnow().replace(tzinfo=dt.UTC) - dt.timedelta(minutes=5)
        cert = _certificate(
            subject=name,
            public_key=key.public_key(),
            issuer=name,
            issuer_key=key,
            ca=True,
            not_before=now,
            years=ROOT_YEARS,
            issuer_public=key.public_key(),
        )
        row = _store(
            session,
            scope="root",
            purpose="root_ca",
            organisation_id=None,
            algorithm="ecdsa-p256",
            key=key,
            cert=cert,
            actor=actor,
        ) or _active(session, "root")
    if row is None:  # pragma: no cover - only if the winner rolled back
        raise SigningKeyError("platform root CA could not be created")
    return _row_signer(row)


def platform_root_certificate(session: Session) -> x509.Certificate | None:
    """The root CA certificate verifiers should trust (None before the first signature)."""
    row = _active(session, "root")
    return x509.load_pem_x509_certificate(row.certificate_pem.encode()) if row else None


def institution_signer(
    session: Session, organisation_id: int, *, actor: str = "system", algorithm: str = "ecdsa-p256"
) -> InstitutionSigner:
    """The institution's active signing key, created (and certified by the platform root) on first use.

    Runs in the caller's transaction; creation writes audit entries for the new key(s).
    """
    from jiliang.organisations.models import Organisation  # the organisations area owns the table

    if algorithm not in ALGORITHMS:
        raise DccError(f"unknown signing algorithm {algorithm!r} (use one of {ALGORITHMS})")
    scope = f"org:{organisation_id}"
    root = root_signer(session, actor=actor)
    row = _active(session, scope)
    if row is None:
        org = session.get(Organisation, organisation_id)
        if org is None:
            raise DccError(f"organisation {organisation_id} does not exist", field="organisation_id")
        key = _new_key(algorithm)
        now = utcnow().replace(tzinfo=dt.UTC) - dt.timedelta(minutes=5)
        not_after_root = root.certificate.not_valid_after_utc
        years = INSTITUTION_YEARS if now + dt.timedelta(days=365 * INSTITUTION_YEARS) < not_after_root else 1
        cert = _certificate(
            subject=_name(org.name, org.name, org.credit_code),
            public_key=key.public_key(),
            issuer=root.certificate.subject,
            issuer_key=root.private_key,
            ca=False,
            not_before=now,
            years=years,
            issuer_public=root.certificate.public_key(),  # type: ignore[arg-type]
        )
        row = _store(
            session,
            scope=scope,
            purpose="institution",
            organisation_id=organisation_id,
            algorithm=algorithm,
            key=key,
            cert=cert,
            actor=actor,
        ) or _active(session, scope)
    if row is None:  # pragma: no cover
        raise SigningKeyError(f"signing key for organisation {organisation_id} could not be created")
    return _row_signer(row, (root.certificate,))


def retire_key(session: Session, organisation_id: int, *, actor: str) -> None:
    """Retire the institution's active key (the next signature creates a new one); audited."""
    row = _active(session, f"org:{organisation_id}")
    if row is None:
        return
    row.status, row.retired_at = "retired", utcnow()
    audit.record(
        session,
        actor=actor,
        action="retire",
        object_type="signing_key",
        object_id=row.id,
        before={"status": "active"},
        after={"status": "retired", "key_id": row.key_id},
    )


# ------------------------------------------------------------------ signing
def sign(xml: bytes, signer: InstitutionSigner) -> bytes:
    """Enveloped XML-DSig over the whole DCC (reference ``URI=""``), certificate chain in KeyInfo."""
    root = parse_xml(xml).getroot()
    if root.find(f"{{{DS_NS}}}Signature") is not None:
        raise DccError("the document is already signed; sign the unsigned DCC")
    method = (
        SignatureMethod.ECDSA_SHA256
        if isinstance(signer.private_key, ec.EllipticCurvePrivateKey)
        else SignatureMethod.RSA_SHA256
    )
    xml_signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
    )
    certs = [c.public_bytes(serialization.Encoding.PEM).decode() for c in signer.chain]
    signed = xml_signer.sign(root, key=signer.private_key, cert=certs, always_add_key_value=False)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def ephemeral_signer(
    institution: str = "示例计量检定机构",
    *,
    algorithm: str = "ecdsa-p256",
    years: int = 1,
    not_before: dt.datetime | None = None,
) -> tuple[InstitutionSigner, x509.Certificate]:
    """A throw-away root CA and institution key in memory (tests, benchmarks); never stored.

    Returns the signer and the root certificate to trust.
    """
    start = (not_before or utcnow().replace(tzinfo=dt.UTC)) - dt.timedelta(minutes=5)
    root_key = _new_key("ecdsa-p256")
    root_name = _name("Ephemeral Test Root CA", "Jiliang test")
    root_cert = _certificate(
        subject=root_name,
        public_key=root_key.public_key(),
        issuer=root_name,
        issuer_key=root_key,
        ca=True,
        not_before=start,
        years=years + 1,
        issuer_public=root_key.public_key(),
    )
    key = _new_key(algorithm)
    cert = _certificate(
        subject=_name(institution, institution),
        public_key=key.public_key(),
        issuer=root_name,
        issuer_key=root_key,
        ca=False,
        not_before=start,
        years=years,
        issuer_public=root_key.public_key(),
    )
    signer = InstitutionSigner(
        key_id=key_id_of(key.public_key()),
        organisation_id=None,
        algorithm=algorithm,
        certificate=cert,
        chain=(cert, root_cert),
        private_key=key,
    )
    return signer, root_cert
