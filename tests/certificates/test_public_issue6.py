"""Issue 6, part 5: public verification (the QR target) and the DCC upload check; bad and hostile input.

The PTB example DCCs in ``../shared/dcc/examples`` are checked at a pinned time (their signer
certificates expire): the manipulated one is reported as tampered, the valid signed one as intact but
not in this register.
"""

from __future__ import annotations

import datetime as dt

from tests.certificates.conftest import World, count, example
from tests.conftest import auth

PINNED = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
HOSTILE = [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>',
    b"<x><unclosed></x>",
    b"\x00\x01 not xml at all",
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM "http://evil.example/x.dtd"><x/>'.encode(
        "utf-16"
    ),
]


def _dcc(client, number: str, token: str, revision: int | None = None) -> bytes:  # type: ignore[no-untyped-def]
    url = f"/api/v1/certificates/{number}/dcc" + (f"?revision={revision}" if revision is not None else "")
    r = client.get(url, headers=auth(token))
    assert r.status_code == 200, r.text[:300]
    return bytes(r.content)


def test_public_page_and_api_show_valid_without_personal_data(world: World, client) -> None:  # type: ignore[no-untyped-def]
    from jiliang.organisations.models import Organisation
    from jiliang.platform.db import read_session

    cert = world.certs["passed"]
    with read_session() as s:
        customer = s.get(Organisation, cert.customer_id)
    r = client.get(f"/api/v1/public/certificates/{cert.number}")
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert (
        body["status"] == "issued" and body["signature"]["status"] == "valid" and body["signature"]["valid"]
    )
    assert body["conformity"] == "pass" and body["kind"] == "verification_certificate"
    assert [x["revision"] for x in body["revisions"]] == [0]
    page = client.get(f"/public/certificates/{cert.number}")
    assert page.status_code == 200 and 'id="verdict"' in page.text and "verdict-ok" in page.text
    for text in (r.text, page.text):
        for secret in (
            customer.name,
            customer.address,
            customer.credit_code,
            "张伟",
            "李娜",
            "王强",
            "certt_verifier",
            "customer_id",
        ):
            assert secret not in text, secret
    # lower case and surrounding blanks find the same certificate
    assert client.get(f"/api/v1/public/certificates/{cert.number.lower()}").status_code == 200


def test_public_page_of_a_corrected_certificate(world: World, client) -> None:  # type: ignore[no-untyped-def]
    original = world.certs["original"]
    body = client.get(f"/api/v1/public/certificates/{original.number}").json()
    assert body["revision"] == 1 and body["status"] == "issued" and body["signature"]["valid"]
    assert [(x["revision"], x["status"]) for x in body["revisions"]] == [(0, "superseded"), (1, "issued")]
    assert body["revisions"][1]["correction_reason"] == "更正型号规格"


def test_unknown_and_malformed_numbers(client) -> None:  # type: ignore[no-untyped-def]
    for number in ("NOPE-2026-000001", "x" * 41, "%27%20OR%201%3D1", "..%2F..%2Fetc"):
        for url in (f"/api/v1/public/certificates/{number}", f"/public/certificates/{number}"):
            r = client.get(url)
            assert r.status_code == 404, (url, r.status_code)


def test_stored_dcc_tampering_is_shown_publicly(world: World, client) -> None:  # type: ignore[no-untyped-def]
    """A DCC altered in the database (by someone with database access) no longer matches its hash."""
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    cert = world.certs["calibration"]
    with get_engine().begin() as conn:
        xml = conn.execute(
            text("SELECT dcc_xml FROM certificates WHERE id = :i"), {"i": cert.id}
        ).scalar_one()
        conn.execute(
            text("UPDATE certificates SET dcc_xml = :x WHERE id = :i"),
            {
                "x": bytes(xml).replace(
                    b"</dcc:digitalCalibrationCertificate>", b"<!-- --></dcc:digitalCalibrationCertificate>"
                ),
                "i": cert.id,
            },
        )
    try:
        body = client.get(f"/api/v1/public/certificates/{cert.number}").json()
        assert body["signature"]["status"] == "tampered" and not body["signature"]["valid"]
    finally:
        with get_engine().begin() as conn:
            conn.execute(
                text("UPDATE certificates SET dcc_xml = :x WHERE id = :i"), {"x": bytes(xml), "i": cert.id}
            )
    assert client.get(f"/api/v1/public/certificates/{cert.number}").json()["signature"]["valid"]


def test_upload_check_genuine_superseded_and_tampered(world: World, client, tokens) -> None:  # type: ignore[no-untyped-def]
    audit_before = count("SELECT count(*) FROM audit_log")
    genuine = _dcc(client, world.certs["failed"].number, tokens["institution"])
    r = client.post("/api/v1/public/dcc/verify", files={"file": ("c.xml", genuine, "application/xml")})
    assert r.status_code == 200, r.text[:300]
    assert (
        r.json()["verdict"] == "genuine" and r.json()["genuine"] and r.json()["registry"]["status"] == "match"
    )
    # a raw XML body works as well
    r = client.post("/api/v1/public/dcc/verify", content=genuine, headers={"content-type": "application/xml"})
    assert r.json()["verdict"] == "genuine"
    old = _dcc(client, world.certs["original"].number, tokens["institution"], revision=0)
    r = client.post("/api/v1/public/dcc/verify", files={"file": ("c.xml", old, "application/xml")})
    assert r.json()["verdict"] == "superseded" and r.json()["registry"]["latest_revision"] == 1
    forged = genuine.replace(b"<si:value>", b"<si:value>1", 1)
    r = client.post("/api/v1/public/dcc/verify", files={"file": ("c.xml", forged, "application/xml")})
    assert r.json()["verdict"] == "tampered" and r.json()["signature"]["status"] == "tampered"
    # the page
    page = client.post("/public/certificates/verify", files={"file": ("c.xml", genuine, "application/xml")})
    assert page.status_code == 200 and 'id="check-verdict"' in page.text
    assert count("SELECT count(*) FROM audit_log") == audit_before  # the check stores nothing


def test_ptb_examples_at_a_pinned_time() -> None:
    from jiliang.certificates import service

    signed = example("v3.2.0", "dcc_gp_temperature_typical_v12_v3.2.0_signed.xml")
    manipulated = example("v3.2.0", "dcc_gp_temperature_typical_v12_v3.2.0_signed_manipulated.xml")
    ok = service.verify_upload(xml=signed, at=PINNED)
    assert ok.signature.status != "tampered" and ok.registry.status in ("unknown_number", "no_identifier")
    assert ok.verdict == "not_registered"
    bad = service.verify_upload(xml=manipulated, at=PINNED)
    assert bad.signature.status == "tampered" and bad.verdict == "tampered"
    invalid = service.verify_upload(xml=example("v3.3.0", "invalid_schema.xml"), at=PINNED)
    assert invalid.signature.schema_valid is False and not invalid.genuine


def test_hostile_and_bad_uploads_are_clear_4xx(client) -> None:  # type: ignore[no-untyped-def]
    for data in HOSTILE:
        for url in ("/api/v1/public/dcc/verify", "/public/certificates/verify"):
            r = client.post(url, files={"file": ("x.xml", data, "application/xml")})
            assert 400 <= r.status_code < 500, (url, data[:30], r.status_code)
            if url.startswith("/api/"):
                assert r.json()["message"]
    for kwargs in (
        {"json": {"xml": "<x/>"}},
        {"content": b"", "headers": {"content-type": "application/xml"}},
        {"files": {"other": ("x.xml", b"<x/>", "application/xml")}},
        {"content": b"--broken\r\n", "headers": {"content-type": "multipart/form-data; boundary=zz"}},
    ):
        r = client.post("/api/v1/public/dcc/verify", **kwargs)
        assert 400 <= r.status_code < 500, (kwargs, r.status_code, r.text[:200])
