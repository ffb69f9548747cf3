"""Issue 6, parts 6 and 8: importing a DCC of another laboratory; ``jiliang certificates export``; the
demo seed."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from typer.testing import CliRunner

from tests.certificates.conftest import World, count, example
from tests.certificates.test_public_issue6 import HOSTILE
from tests.conftest import auth


def _instrument_of(username: str) -> int:
    return count(
        "SELECT min(i.id) FROM instruments i JOIN users u ON u.organisation_id = i.owner_id "
        "WHERE u.username = :u",
        u=username,
    )


def test_owner_imports_a_dcc_once(world: World, client, tokens) -> None:  # type: ignore[no-untyped-def]
    iid = _instrument_of("enterprise")
    xml = example("v3.3.0", "valid_signature.xml")
    before = count("SELECT count(*) FROM external_calibrations")
    r = client.post(
        "/api/v1/certificates/import",
        data={"instrument_id": str(iid)},
        files={"file": ("lab.xml", xml, "application/xml")},
        headers=auth(tokens["enterprise"]),
    )
    assert r.status_code == 201, r.text[:400]
    body = r.json()
    assert body["instrument_id"] == iid and body["dcc_sha256"] == hashlib.sha256(xml).hexdigest()
    assert body["certificate_id"] and body["laboratory"]
    assert count("SELECT count(*) FROM external_calibrations") == before + 1
    # listed for the owner and the region's regulator, not for another enterprise
    listed = client.get(
        f"/api/v1/external-calibrations?instrument_id={iid}", headers=auth(tokens["enterprise"])
    )
    assert body["id"] in [x["id"] for x in listed.json()]
    assert {x["instrument_id"] for x in listed.json()} == {iid}
    assert (
        client.get(
            f"/api/v1/external-calibrations/{body['id']}", headers=auth(tokens["regulator_hz"])
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/external-calibrations/{body['id']}", headers=auth(tokens["enterprise_js"])
        ).status_code
        == 404
    )
    # the same file again is a conflict; nothing written
    r = client.post(
        "/api/v1/certificates/import",
        data={"instrument_id": str(iid)},
        files={"file": ("lab.xml", xml, "application/xml")},
        headers=auth(tokens["enterprise"]),
    )
    assert r.status_code == 409
    assert count("SELECT count(*) FROM external_calibrations") == before + 1


def test_import_refusals_write_nothing(world: World, client, tokens) -> None:  # type: ignore[no-untyped-def]
    own = _instrument_of("enterprise")
    other = _instrument_of("enterprise_js")
    xml = example("v3.1.x", "dcc_gp_temperature_typical_v12.xml")
    before = (count("SELECT count(*) FROM external_calibrations"), count("SELECT count(*) FROM audit_log"))

    def post(token: str | None, iid: object, data: bytes = xml) -> int:
        headers = auth(token) if token else {}
        r = client.post(
            "/api/v1/certificates/import",
            data={"instrument_id": str(iid)},
            files={"file": ("x.xml", data, "application/xml")},
            headers=headers,
        )
        assert r.status_code < 500, r.text[:300]
        return r.status_code

    assert post(tokens["enterprise"], other) == 404  # another organisation's instrument
    assert post(tokens["regulator"], own) == 403
    assert post(None, own) == 401
    assert post(tokens["institution"], other) == 404  # outside the institution's region
    assert post(tokens["enterprise"], "abc") == 422
    assert post(tokens["enterprise"], 999_999_999) == 404
    for bad in HOSTILE + [b"<root>not a dcc</root>"]:
        assert 400 <= post(tokens["enterprise"], own, bad) < 500
    assert (
        count("SELECT count(*) FROM external_calibrations"),
        count("SELECT count(*) FROM audit_log"),
    ) == before


def test_import_page(world: World, client) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_of, login

    login(client, "institution")
    page = client.get("/certificates/import")
    assert page.status_code == 200
    iid = count("SELECT min(id) FROM instruments WHERE region_code LIKE '33%' AND catalogue_code = '1401'")
    r = client.post(
        "/certificates/import",
        data={"instrument_id": str(iid), "csrf_token": csrf_of(page.text)},
        files={"file": ("t.xml", example("v3.1.x", "dcc_gp_humidity_v1.0.xml"), "application/xml")},
    )
    assert r.status_code == 200, r.text[:300]
    assert 'id="import-ok"' in r.text
    r = client.post(
        "/certificates/import",
        data={"instrument_id": str(iid), "csrf_token": csrf_of(page.text)},
        files={"file": ("t.xml", HOSTILE[0], "application/xml")},
    )
    assert r.status_code == 400 and 'id="import-error"' in r.text


def test_cli_export(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jiliang.cli.certificates import app

    runner = CliRunner()
    cert = world.certs["corrected"]
    pdf, xml = tmp_path / "c.pdf", tmp_path / "c.xml"
    r = runner.invoke(app, ["export", cert.number.lower(), "--pdf", str(pdf), "--dcc", str(xml)])
    assert r.exit_code == 0, r.output
    assert (
        pdf.read_bytes().startswith(b"%PDF")
        and hashlib.sha256(pdf.read_bytes()).hexdigest() == cert.pdf_sha256
    )
    assert hashlib.sha256(xml.read_bytes()).hexdigest() == cert.dcc_sha256
    old = world.certs["original"]
    r = runner.invoke(app, ["export", old.number, "--dcc", str(xml), "--pdf", str(pdf), "--revision", "0"])
    assert r.exit_code == 0 and "superseded" in r.output
    assert hashlib.sha256(xml.read_bytes()).hexdigest() == old.dcc_sha256
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() != old.pdf_sha256  # marked superseded
    r = runner.invoke(app, ["export", old.number, "--pdf", str(pdf), "--revision", "0", "--original"])
    assert r.exit_code == 0 and hashlib.sha256(pdf.read_bytes()).hexdigest() == old.pdf_sha256
    r = runner.invoke(app, ["export", "NOPE-2026-000001", "--pdf", str(pdf)])
    assert r.exit_code == 1 and "not found" in r.output
    r = runner.invoke(app, ["export", cert.number, "--revision", "7", "--dcc", str(xml)])
    assert r.exit_code == 1
    r = runner.invoke(app, ["export", cert.number])
    assert r.exit_code == 2


def test_demo_seed(world: World) -> None:
    from jiliang.certificates import service
    from jiliang.demo.certificates import seed
    from jiliang.platform.access import PUBLIC
    from tests.certificates.conftest import fast_signatures

    with fast_signatures():
        out = seed(rng=random.Random(7), today=dt.date.today())
    kinds = {}
    for key in ("passed", "failed", "calibration", "superseded"):
        info = service.public_certificate(number=out[key])
        kinds[key] = (info.kind, info.signature.valid)
    assert kinds == {
        "passed": ("verification_certificate", True),
        "failed": ("verification_result_notice", True),
        "calibration": ("calibration_certificate", True),
        "superseded": ("verification_certificate", True),
    }
    superseded = service.public_certificate(number=out["superseded"])
    assert [r.status for r in superseded.revisions] == ["superseded", "issued"]
    assert PUBLIC.is_public
