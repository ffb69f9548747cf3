"""Check a DCC XML file: well-formed and safe, valid against the XSD, signature intact and trusted.

Signature integrity and trust are reported separately (research note R23): a certificate signed by a PKI
we do not know is *intact but untrusted*, an expired signer certificate is *expired*, not tampered.

``signature`` (the overall verdict), in order of precedence:

* ``unsigned``  — no ``ds:Signature``;
* ``tampered``  — the signature does not verify: a digest mismatch (content changed after signing), a
  wrong signature value, a malformed signature, or a signature that does not cover the whole document
  (protection against signature-wrapping: one reference must be ``URI=""`` and resolve to the root);
* ``expired``   — intact, but the signer certificate (or a certificate of its chain) is not valid at ``at``;
* ``untrusted`` — intact, but the chain does not lead to one of ``trusted_roots``;
* ``valid``     — intact, in its validity period and chained to a trusted root.

The signature value is checked with the certificate embedded in ``KeyInfo`` (signxml, W3C XML-DSig 1.1,
SHA-1 refused); the chain is then walked by issuer name and verified certificate by certificate
(``verify_directly_issued_by``), each valid at ``at``. A trusted root may also be the signer certificate
itself (pinning).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from jiliang.dcc.errors import UnsafeXmlError
from jiliang.dcc.safe import parse_xml
from jiliang.dcc.schema import DCC_NS, DS_NS, schema_version_of, validate_tree

SIGNATURE_STATES = ("valid", "tampered", "unsigned", "untrusted", "expired")
MAX_CHAIN = 8

TrustAnchor = x509.Certificate | bytes | str


@dataclass(frozen=True)
class ChainLink:
    subject: str
    issuer: str
    not_before: str
    not_after: str
    valid_at: bool


@dataclass(frozen=True)
class DccCheck:
    """Result of :func:`check_dcc` (JSON via ``to_dict``)."""

    well_formed: bool
    schema_valid: bool
    schema_errors: tuple[str, ...]
    schema_version: str | None
    signature: str  # valid | tampered | unsigned | untrusted | expired
    integrity: str  # intact | broken | absent
    trust: str  # trusted | untrusted | expired | not_checked
    signature_detail: str
    signer_subject: str | None
    signer_valid_from: str | None
    signer_valid_until: str | None
    chain: tuple[ChainLink, ...]
    checked_at: str
    unique_identifier: str | None
    signature_algorithm: str | None = None
    references: int = 0
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Schema-valid and signed with a valid, untampered, trusted signature."""
        return self.well_formed and self.schema_valid and self.signature == "valid"

    @property
    def intact(self) -> bool:
        return self.integrity == "intact"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        out["chain"] = [asdict(c) for c in self.chain]
        out["schema_errors"] = list(self.schema_errors)
        out["problems"] = list(self.problems)
        return out


def _pem_certificate(b64: str) -> x509.Certificate:
    """An X509Certificate element's base64 text as a certificate."""
    body = "".join(b64.split())
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return x509.load_pem_x509_certificate(
        f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n".encode()
    )


def _load_anchor(anchor: TrustAnchor) -> list[x509.Certificate]:
    if isinstance(anchor, x509.Certificate):
        return [anchor]
    data = anchor.encode() if isinstance(anchor, str) else anchor
    if b"-----BEGIN" in data:
        return list(x509.load_pem_x509_certificates(data))
    return [x509.load_der_x509_certificate(data)]


def _valid_at(cert: x509.Certificate, at: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _link(cert: x509.Certificate, at: dt.datetime) -> ChainLink:
    return ChainLink(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        valid_at=_valid_at(cert, at),
    )


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001 - InvalidSignature, unsupported algorithms, malformed keys
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return cert.version == x509.Version.v1  # legacy self-signed roots without extensions


def _build_chain(
    leaf: x509.Certificate,
    pool: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    at: dt.datetime,
) -> tuple[str, list[x509.Certificate], str]:
    """(trust, chain, detail): trust is trusted | untrusted | expired."""
    chain = [leaf]
    current = leaf
    root_ders = {r.public_bytes(Encoding.DER) for r in roots}
    anchored = leaf.public_bytes(Encoding.DER) in root_ders
    while not anchored and len(chain) <= MAX_CHAIN:
        issuer = next((r for r in roots if _issued_by(current, r)), None)
        if issuer is not None:
            if not _is_ca(issuer):
                return (
                    "untrusted",
                    chain,
                    f"trusted certificate {issuer.subject.rfc4514_string()} is not a CA",
                )
            chain.append(issuer)
            anchored = True
            break
        issuer = next(
            (
                c
                for c in pool
                if c.public_bytes(Encoding.DER) != current.public_bytes(Encoding.DER)
                and _issued_by(current, c)
                and _is_ca(c)
            ),
            None,
        )
        if issuer is None:
            return "untrusted", chain, (f"no trusted root for issuer {current.issuer.rfc4514_string()}")
        chain.append(issuer)
        current = issuer
    if not anchored:
        return "untrusted", chain, "certificate chain too long"
    expired = [c for c in chain if not _valid_at(c, at)]
    if expired:
        c = expired[0]
        return (
            "expired",
            chain,
            (
                f"certificate {c.subject.rfc4514_string()} is valid {c.not_valid_before_utc.isoformat()} to "
                f"{c.not_valid_after_utc.isoformat()}, not at {at.isoformat()}"
            ),
        )
    return "trusted", chain, "chain to a trusted root, valid at the verification time"


def _unique_identifier(root: etree._Element) -> str | None:
    node = root.find(f"{{{DCC_NS}}}administrativeData/{{{DCC_NS}}}coreData/{{{DCC_NS}}}uniqueIdentifier")
    return node.text.strip() if node is not None and node.text else None


def check_dcc(
    xml: bytes, *, at: dt.datetime | None = None, trusted_roots: Sequence[TrustAnchor] = ()
) -> DccCheck:
    """Check ``xml`` at time ``at`` (default: now, UTC) against ``trusted_roots`` (certificates or PEM)."""
    when = at or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    roots: list[x509.Certificate] = []
    for anchor in trusted_roots:
        roots.extend(_load_anchor(anchor))

    def result(**kw: Any) -> DccCheck:
        base: dict[str, Any] = dict(
            well_formed=True,
            schema_valid=False,
            schema_errors=(),
            schema_version=None,
            signature="unsigned",
            integrity="absent",
            trust="not_checked",
            signature_detail="",
            signer_subject=None,
            signer_valid_from=None,
            signer_valid_until=None,
            chain=(),
            checked_at=when.isoformat(),
            unique_identifier=None,
        )
        base.update(kw)
        return DccCheck(**base)

    try:
        tree = parse_xml(xml)
    except UnsafeXmlError as exc:
        signed = isinstance(xml, bytes | bytearray) and DS_NS.encode() in bytes(xml)
        return result(
            well_formed=False,
            schema_errors=(exc.message,),
            signature="tampered" if signed else "unsigned",
            integrity="broken" if signed else "absent",
            signature_detail="the file cannot be read safely: " + exc.message,
            problems=(exc.message,),
        )
    root = tree.getroot()
    errors = validate_tree(tree)
    common: dict[str, Any] = dict(
        schema_valid=not errors,
        schema_errors=tuple(errors),
        schema_version=schema_version_of(root),
        unique_identifier=_unique_identifier(root),
    )
    signatures = root.findall(f"{{{DS_NS}}}Signature")
    if not signatures:
        nested = root.find(f".//{{{DS_NS}}}Signature")
        detail = (
            "no ds:Signature" if nested is None else "a ds:Signature is present but not enveloped at the root"
        )
        if nested is not None:
            return result(**common, signature="tampered", integrity="broken", signature_detail=detail)
        return result(**common, signature_detail=detail)
    signature = signatures[0]
    cert_nodes = signature.findall(f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate")
    try:
        pool = [_pem_certificate(n.text or "") for n in cert_nodes]
    except ValueError as exc:
        return result(
            **common,
            signature="tampered",
            integrity="broken",
            signature_detail=f"embedded certificate unreadable: {exc}",
        )
    if not pool:
        return result(
            **common,
            signature="tampered",
            integrity="broken",
            signature_detail="signature without an embedded X.509 certificate cannot be checked",
        )
    # Which embedded certificate signed? Try each (leaf first in practice); integrity is time-independent,
    # so verify inside each certificate's own validity window.
    verified: Any = None
    leaf: x509.Certificate | None = None
    last_error = ""
    for cert in pool:
        config = SignatureConfiguration(
            expect_references=True,
            verification_time=cert.not_valid_before_utc + dt.timedelta(seconds=1),
        )
        try:
            verified = XMLVerifier().verify(root, x509_cert=cert, expect_config=config)
            leaf = cert
            break
        except InvalidDigest as exc:
            last_error = f"digest mismatch: the signed content was changed ({exc})"
            break  # the signature value matched this key; the content does not
        except (InvalidSignature, InvalidCertificate, InvalidInput) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - malformed signatures raise all sorts of errors
            last_error = f"signature could not be processed: {type(exc).__name__}: {exc}"
    if leaf is None:
        return result(
            **common, signature="tampered", integrity="broken", signature_detail=last_error, references=0
        )
    results = verified if isinstance(verified, list) else [verified]
    whole = [
        r
        for r in results
        if r.signed_xml is not None and r.signed_xml.tag == root.tag and (r.signed_xml.getparent() is None)
    ]
    uris = [ref.get("URI") for ref in signature.findall(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")]
    if "" not in uris or not whole:
        return result(
            **common,
            signature="tampered",
            integrity="broken",
            references=len(results),
            signature_detail='the signature does not cover the whole document (no URI="" reference)',
        )
    signed_root = whole[0].signed_xml
    algorithm = signature.find(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod")
    trust, chain, detail = _build_chain(leaf, pool, roots, when)
    verdict = {"trusted": "valid", "expired": "expired", "untrusted": "untrusted"}[trust]
    if trust == "untrusted" and not _valid_at(leaf, when):
        verdict, trust = "expired", "expired"
        detail = (
            f"signer certificate valid {leaf.not_valid_before_utc.isoformat()} to "
            f"{leaf.not_valid_after_utc.isoformat()}, not at {when.isoformat()}; and " + detail
        )
    common["unique_identifier"] = _unique_identifier(signed_root)  # read from the verified content
    return result(
        **common,
        signature=verdict,
        integrity="intact",
        trust=trust,
        signature_detail=f"signature intact ({len(results)} reference(s)); {detail}",
        signer_subject=leaf.subject.rfc4514_string(),
        signer_valid_from=leaf.not_valid_before_utc.isoformat(),
        signer_valid_until=leaf.not_valid_after_utc.isoformat(),
        chain=tuple(_link(c, when) for c in chain),
        signature_algorithm=algorithm.get("Algorithm") if algorithm is not None else None,
        references=len(results),
    )
