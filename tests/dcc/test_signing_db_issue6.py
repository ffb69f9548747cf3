"""Platform-kept signing keys: created once per institution, audited, private key encrypted at rest."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, text

from jiliang.dcc.build import build_dcc
from jiliang.dcc.errors import DccError, SigningKeyError
from jiliang.dcc.samples import sample_content
from jiliang.dcc.verify import check_dcc


def _institutions(n: int) -> list[int]:
    from jiliang.organisations.models import Organisation
    from jiliang.platform.db import read_session

    with read_session() as s:
        return list(
            s.scalars(
                select(Organisation.id)
                .where(Organisation.kind == "institution")
                .order_by(Organisation.id.desc())
                .limit(n)
            )
        )


def test_institution_key_created_once_audited_and_verifiable(demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.dcc.models import SigningKey
    from jiliang.dcc.signing import institution_signer, platform_root_certificate, sign
    from jiliang.platform.db import read_session, write_session
    from jiliang.platform.models import AuditLog

    org_id = _institutions(1)[0]
    with write_session() as s:
        first = institution_signer(s, org_id, actor="dcc-test")
    with write_session() as s:
        again = institution_signer(s, org_id, actor="dcc-test")
        root = platform_root_certificate(s)
    assert first.key_id == again.key_id and root is not None
    assert first.chain[1] == root and first.organisation_id == org_id
    with read_session() as s:
        rows = list(s.scalars(select(SigningKey).where(SigningKey.scope.in_(["root", f"org:{org_id}"]))))
        audits = list(s.scalars(select(AuditLog).where(AuditLog.object_type == "signing_key")))
    assert sorted(r.purpose for r in rows) == ["institution", "root_ca"]
    assert {a.object_id for a in audits} >= {str(r.id) for r in rows}
    # one "create" entry per key (the keys may have been made earlier by another test in this worker,
    # e.g. an issued certificate, so the actor is not necessarily this test's)
    creates = [a.object_id for a in audits if a.object_id in {str(r.id) for r in rows} and a.action == "create"]
    assert sorted(creates) == sorted(str(r.id) for r in rows)
    xml = sign(build_dcc(sample_content()), again)
    result = check_dcc(xml, trusted_roots=[root])
    assert result.ok, result.signature_detail
    assert "2.5.4.5=" in result.signer_subject  # the institution's credit code as serialNumber


def test_private_key_is_not_in_the_database_in_clear(demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.dcc.signing import institution_signer
    from jiliang.platform.db import read_session, write_session

    org_id = _institutions(2)[1]
    with write_session() as s:
        signer = institution_signer(s, org_id)
    key = signer.private_key
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    secret_scalar = key.private_numbers().private_value.to_bytes(32, "big")  # type: ignore[union-attr]
    with read_session() as s:
        rows = s.execute(text("SELECT * FROM signing_keys")).all()
    dump = "\n".join(repr(tuple(r)) for r in rows).encode()
    assert b"PRIVATE KEY" not in dump
    for needle in (
        der,
        pem,
        secret_scalar,
        base64.b64encode(der),
        base64.b64encode(secret_scalar),
        der.hex().encode(),
        secret_scalar.hex().encode(),
    ):
        assert needle not in dump
    assert b"CERTIFICATE" in dump  # the public certificate is stored in clear


def test_wrong_secret_gives_a_clear_error(demo_db, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from jiliang.dcc.models import SigningKey
    from jiliang.dcc.signing import decrypt_private_key, institution_signer
    from jiliang.platform.db import read_session, write_session
    from jiliang.platform.settings import get_settings

    org_id = _institutions(1)[0]
    with write_session() as s:
        institution_signer(s, org_id)
    with read_session() as s:
        row = s.scalars(select(SigningKey).where(SigningKey.scope == f"org:{org_id}")).one()
        blob, kid = row.private_key_encrypted, row.key_id
    with pytest.raises(SigningKeyError, match="platform secret"):
        decrypt_private_key(blob, kid, secret="not-the-secret")
    with pytest.raises(SigningKeyError, match="platform secret"):
        decrypt_private_key(blob, "0" * 64)  # ciphertext bound to its key id
    with pytest.raises(SigningKeyError, match="format"):
        decrypt_private_key("garbage", kid)
    monkeypatch.setenv("JILIANG_SECRET_KEY", "another-secret")
    get_settings.cache_clear()
    try:
        with pytest.raises(SigningKeyError, match="cannot be decrypted"), write_session() as s:
            institution_signer(s, org_id)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    with write_session() as s:
        assert institution_signer(s, org_id).key_id == kid


def test_retire_creates_a_new_key_and_unknown_organisation(demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.dcc.models import SigningKey
    from jiliang.dcc.signing import institution_signer, retire_key
    from jiliang.platform.db import read_session, write_session

    org_id = _institutions(3)[2]
    with write_session() as s:
        old = institution_signer(s, org_id)
    with write_session() as s:
        retire_key(s, org_id, actor="dcc-test")
    with write_session() as s:
        new = institution_signer(s, org_id)
    assert new.key_id != old.key_id
    with read_session() as s:
        statuses = sorted(s.scalars(select(SigningKey.status).where(SigningKey.organisation_id == org_id)))
    assert statuses == ["active", "retired"]
    with pytest.raises(DccError, match="does not exist"), write_session() as s:
        institution_signer(s, 99_999_999)
    with pytest.raises(DccError, match="algorithm"), write_session() as s:
        institution_signer(s, org_id, algorithm="dsa")


def test_signing_key_access_scope(demo_db) -> None:  # type: ignore[no-untyped-def]
    """Key rows are visible to their own institution and to administrators only."""
    from jiliang.dcc.models import SigningKey
    from jiliang.dcc.signing import institution_signer
    from jiliang.platform.access import PUBLIC, SYSTEM, Principal, visible
    from jiliang.platform.db import read_session, write_session

    org_id = _institutions(1)[0]
    with write_session() as s:
        institution_signer(s, org_id)
    own = Principal(user_id=1, username="x", role="institution", region_code="330000", organisation_id=org_id)
    other = Principal(user_id=2, username="y", role="enterprise", region_code="330000", organisation_id=-1)
    regulator = Principal(user_id=3, username="z", role="regulator", region_code="330000")
    with read_session() as s:

        def seen(p: Principal) -> set[int | None]:
            return set(s.scalars(select(SigningKey.organisation_id).where(visible(p, SigningKey))))

        assert seen(own) == {org_id}
        assert seen(other) == set() and seen(PUBLIC) == set() and seen(regulator) == set()
        assert None in seen(SYSTEM)


def test_concurrent_first_use_creates_one_key(demo_db) -> None:  # type: ignore[no-untyped-def]
    """Four sessions asking for a new institution's key at once get the same key (one active row)."""
    import threading

    from jiliang.dcc.models import SigningKey
    from jiliang.dcc.signing import institution_signer
    from jiliang.organisations.models import Organisation
    from jiliang.platform.db import read_session, write_session

    with write_session() as s:
        region = s.scalars(select(Organisation.region_code).where(Organisation.kind == "institution")).first()
        org = Organisation(
            kind="institution",
            name="dcc测试并发检定机构",
            credit_code="DCCTEST00000000C01",
            region_code=region,
        )
        s.add(org)
        s.flush()
        org_id = org.id
    barrier = threading.Barrier(4)
    got: list[str] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            with write_session() as s:
                got.append(institution_signer(s, org_id, actor="dcc-test").key_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    with read_session() as s:
        active = list(
            s.scalars(
                select(SigningKey.key_id).where(
                    SigningKey.scope == f"org:{org_id}", SigningKey.status == "active"
                )
            )
        )
    assert len(active) == 1 and got == active * 4
