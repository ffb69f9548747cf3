"""Issue 6: access checks of the certificates area, for the issue-2 access matrix.

``ROUTES_CERTIFICATES`` classifies every route of ``jiliang.certificates``; ``CHECKS_CERTIFICATES`` holds
one check per class. Expected visibility is written from the rules, independently of the service:

* a certificate: administrators; regulators whose region prefix covers the customer's region; staff of the
  issuing institution, and institution staff whose region covers the customer's region; the customer
  enterprise itself. The public reaches only the summary page by number (no customer, no signer names).
* an imported external calibration: administrators, regulators of the region, institutions of the region,
  the instrument's owner.
* writes: issuing and correcting only by the issuing institution's approver; importing only by the
  instrument's owner, an institution serving its region, or an administrator. Every refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.platform.scope_issue2 import Scope, Who, scalar

ROUTES_CERTIFICATES: dict[str, str] = {
    "GET /certificates": "certificate",
    "POST /certificates/issue": "certificate",
    "GET /certificates/import": "certificate",
    "POST /certificates/import": "certificate",
    "GET /certificates/{number}": "certificate",
    "POST /certificates/{number}/correct": "certificate",
    "GET /public/certificates/verify": "certificate_public",
    "POST /public/certificates/verify": "certificate_public",
    "GET /public/certificates/{number}": "certificate_public",
    "GET /api/v1/certificates": "certificate",
    "POST /api/v1/certificates": "certificate",
    "GET /api/v1/certificates/{number}": "certificate",
    "POST /api/v1/certificates/{number}/revisions": "certificate",
    "GET /api/v1/certificates/{number}/pdf": "certificate",
    "GET /api/v1/certificates/{number}/dcc": "certificate",
    "POST /api/v1/certificates/import": "certificate",
    "GET /api/v1/external-calibrations": "external_calibration",
    "GET /api/v1/external-calibrations/{external_id}": "external_calibration",
    "GET /api/v1/public/certificates/{number}": "certificate_public",
    "POST /api/v1/public/dcc/verify": "certificate_public",
}

_FIXTURE: dict[str, Any] = {}


def fixture(scope: Scope) -> dict[str, Any]:
    """Made through the services: a passed verification of the demo enterprise's scale issued by the
    provincial institute (Hangzhou), a calibration of a Jiangsu enterprise's walk-in scale by a Jiangsu
    institution, an approved record still waiting for its certificate, and an imported external
    calibration of the demo enterprise's instrument."""
    if _FIXTURE:
        return _FIXTURE
    from jiliang.certificates import service
    from jiliang.demo import certificates as demo
    from jiliang.platform.access import SYSTEM
    from tests.certificates.conftest import example, fast_signatures

    performed = dt.date.today() - dt.timedelta(days=1)
    zj = scope.orgs["zj_institution"]["id"]
    js = scope.orgs["js_institution"]["id"]
    staff = demo.ensure_staff(zj, prefix="certacc")
    js_staff = demo.ensure_staff(js, prefix="certaccjs")
    weights = demo.ensure_standard(
        staff, identifier="CERTACC-W", name="F1 砝码", quantity="mass", today=performed
    )
    js_weights = demo.ensure_standard(
        js_staff, identifier="CERTACC-JSW", name="F1 砝码", quantity="mass", today=performed
    )
    own = scope.orgs["own_enterprise"]["id"]
    with fast_signatures():
        iid = demo.pick_instrument("0201", owner_id=own, before=performed)
        hz_record = demo.approved_record(
            staff, standard_id=weights, performed_on=performed, instrument_id=iid
        )
        js_record = demo.approved_record(
            js_staff,
            standard_id=js_weights,
            performed_on=performed,
            kind="calibration",
            customer_id=scope.orgs["js_enterprise"]["id"],
            instrument_name="电子计价秤（来样）",
            serial_number="JS-ACC-0001",
        )
        pending_iid = demo.pick_instrument("0201", before=performed, skip={iid})
        pending = demo.approved_record(
            staff, standard_id=weights, performed_on=performed, instrument_id=pending_iid
        )
    hz = service.issue_certificate(principal=staff.approver, record_id=hz_record)
    jsc = service.issue_certificate(principal=js_staff.approver, record_id=js_record)
    ext = service.import_external(
        principal=SYSTEM,
        instrument_id=scope.instruments["own_enterprise"]["id"],
        xml=example("v3.3.0", "valid.xml"),
    )
    _FIXTURE.update(
        certs={
            "hz": {
                "number": hz.number,
                "region": hz.region_code,
                "customer": hz.customer_id,
                "institution": hz.institution_id,
                "customer_name": scope.orgs["own_enterprise"]["name"],
            },
            "js": {
                "number": jsc.number,
                "region": jsc.region_code,
                "customer": jsc.customer_id,
                "institution": jsc.institution_id,
                "customer_name": scope.orgs["js_enterprise"]["name"],
            },
        },
        pending_record=pending,
        external={"id": ext.id, "region": ext.region_code, "owner": ext.owner_id},
    )
    return _FIXTURE


def sees_certificate(who: Who, cert: dict[str, Any]) -> bool:
    if who.role == "admin":
        return True
    prefix = who.region_prefix() or "-"
    if who.role == "regulator":
        return bool(cert["region"].startswith(prefix))
    if who.role == "institution":
        return who.organisation_id == cert["institution"] or bool(cert["region"].startswith(prefix))
    if who.role == "enterprise":
        return who.organisation_id == cert["customer"]
    return False


def sees_external(who: Who, ext: dict[str, Any]) -> bool:
    if who.role == "admin":
        return True
    prefix = who.region_prefix() or "-"
    if who.role in ("regulator", "institution") and ext["region"].startswith(prefix):
        return True
    return who.role in ("enterprise", "institution") and who.organisation_id == ext["owner"]


def _denied_to_public(r: Any, url: str, method: str = "GET") -> None:
    if url.startswith("/api/") or method != "GET":
        assert r.status_code == 401, (url, r.status_code, r.text[:200])
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)


def _count(sql: str) -> int:
    return int(scalar(sql) or 0)


def _written() -> tuple[int, int, int, int]:
    return (
        _count("SELECT count(*) FROM certificates"),
        _count("SELECT count(*) FROM external_calibrations"),
        _count("SELECT coalesce(sum(last_serial), 0) FROM certificate_counters"),
        _count("SELECT count(*) FROM audit_log"),
    )


# ----------------------------------------------------------------------------------------------------
# public: anyone, any face
# ----------------------------------------------------------------------------------------------------
def check_certificate_public(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    if path.endswith("{number}"):
        for cert in fx["certs"].values():
            r = c.get(path.replace("{number}", cert["number"]))
            assert r.status_code == 200, (route, c.role, c.mode, r.status_code, r.text[:200])
            secrets = ['"customer', "certacc_verifier", "张伟"]
            if c.who.organisation_id != cert["customer"]:  # a logged-in owner sees its own name in the header
                secrets.append(cert["customer_name"])
            for secret in secrets:
                assert secret not in r.text, (route, secret)
            if path.startswith("/api/"):
                assert r.json()["signature"]["valid"] is True
        assert c.get(path.replace("{number}", "NOPE-2026-000001")).status_code == 404
        return
    if method == "GET":  # the upload form
        r = c.get(path)
        assert r.status_code == 200, (route, c.role, r.status_code)
        assert 'type="file"' in r.text
        return
    # the upload check: the issued DCC is genuine for everyone; nothing is written
    from jiliang.certificates import service
    from jiliang.platform.access import SYSTEM

    xml = service.artefact(principal=SYSTEM, number=fx["certs"]["hz"]["number"], what="dcc").data
    before = _written()
    r = c.send("POST", path, files={"file": ("c.xml", xml, "application/xml")})
    assert r.status_code == 200, (route, c.role, c.mode, r.status_code, r.text[:200])
    if path.startswith("/api/"):
        assert r.json()["verdict"] == "genuine"
    else:
        assert 'id="check-verdict"' in r.text
    assert _written() == before


# ----------------------------------------------------------------------------------------------------
# certificates (logged in)
# ----------------------------------------------------------------------------------------------------
def check_certificate(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    who = c.who
    is_api = path.startswith("/api/")
    if method != "GET":
        if c.mode == "token" and not is_api and who.role != "public":
            return  # pages are used with a cookie; their API twins are checked with tokens
        _check_write(route, c, scope, fx)
        return
    if path in ("/api/v1/certificates", "/certificates"):
        r = c.get(path + "?limit=500" if is_api else path)
        if who.role == "public":
            _denied_to_public(r, path)
            return
        assert r.status_code == 200, (route, c.role, r.status_code, r.text[:200])
        ours = {v["number"] for v in fx["certs"].values()}
        if is_api:
            seen = {i["number"] for i in r.json()["items"]}
        else:
            seen = set(re.findall(r'href="/certificates/([0-9A-Z-]+)', r.text))
        expected = {v["number"] for v in fx["certs"].values() if sees_certificate(who, v)}
        if is_api or len(seen) < 50:  # the page shows the newest 50
            assert seen & ours == expected, (route, c.role, c.mode, seen & ours, expected)
        else:
            assert seen & ours <= expected
        return
    if path == "/certificates/import":
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        else:
            assert r.status_code == (200 if who.role in ("enterprise", "institution", "admin") else 403), (
                c.role,
                r.status_code,
            )
        return
    # detail, pdf, dcc
    for key, cert in fx["certs"].items():
        url = path.replace("{number}", cert["number"])
        r = c.get(url)
        if who.role == "public":
            _denied_to_public(r, url)
            continue
        if not sees_certificate(who, cert):
            assert r.status_code == 404, (route, c.role, c.mode, key, r.status_code)
            assert cert["customer_name"] not in r.text
            continue
        assert r.status_code == 200, (route, c.role, c.mode, key, r.status_code, r.text[:200])
        if path.endswith("/pdf"):
            assert r.content.startswith(b"%PDF")
        elif path.endswith("/dcc"):
            assert b"digitalCalibrationCertificate" in r.content
        else:
            assert cert["customer_name"] in r.text
    if who.role != "public":
        assert c.get(path.replace("{number}", "NOPE-2026-000001")).status_code == 404


def _check_write(route: str, c: Any, scope: Scope, fx: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")

    def send(url: str, payload: dict[str, Any], files: Any = None) -> Any:
        if is_api and files is None:
            return c.send(method, url, json=payload)
        return c.send(method, url, data={k: str(v) for k, v in payload.items()}, files=files)

    before = _written()
    if path in ("/api/v1/certificates", "/certificates/issue"):
        if who.role == "institution":
            return  # the demo institution user is its institution's approver: issuing is tested elsewhere
        r = send(path, {"record_id": fx["pending_record"]})
        expected = 401 if who.role == "public" else 403
    elif path in ("/api/v1/certificates/{number}/revisions", "/certificates/{number}/correct"):
        for key, cert in fx["certs"].items():
            if (
                who.role == "institution"
                and sees_certificate(who, cert)
                and cert["institution"] == who.organisation_id
            ):
                continue  # allowed (the issuing institution's approver)
            r = send(path.replace("{number}", cert["number"]), {"reason": "access test"})
            if who.role == "public":
                expected = 401
            elif who.role != "institution":
                expected = 403
            else:
                expected = 404 if not sees_certificate(who, cert) else 403
            assert r.status_code == expected, (route, c.role, c.mode, key, r.status_code, r.text[:200])
            assert _written() == before
        return
    elif path in ("/api/v1/certificates/import", "/certificates/import"):
        from tests.certificates.conftest import example

        inst = scope.instruments["own_enterprise"]
        allowed = (
            who.role == "admin"
            or who.organisation_id == inst["owner_id"]
            or (who.role == "institution" and inst["region_code"].startswith(who.region_prefix() or "-"))
        )
        if allowed:
            return  # importing is exercised in test_import_cli_issue6
        r = send(
            path,
            {"instrument_id": inst["id"]},
            files={"file": ("x.xml", example("v3.3.0", "valid_signature.xml"), "application/xml")},
        )
        if who.role == "public":
            expected = 401
        elif who.role == "regulator":
            expected = 403
        else:
            expected = 404
    else:  # pragma: no cover
        raise AssertionError(f"no write check for {route}")
    assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    assert _written() == before


# ----------------------------------------------------------------------------------------------------
# imported external calibrations
# ----------------------------------------------------------------------------------------------------
def check_external_calibration(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    path = route.split(" ", 1)[1]
    fx = fixture(scope)
    who, ext = c.who, fx["external"]
    url = path.replace("{external_id}", str(ext["id"]))
    r = c.get(url)
    if who.role == "public":
        _denied_to_public(r, url)
        return
    assert r.status_code in (200, 404), (route, c.role, r.status_code)
    if path.endswith("{external_id}"):
        assert r.status_code == (200 if sees_external(who, ext) else 404), (
            route,
            c.role,
            c.mode,
            r.status_code,
        )
        assert c.get(path.replace("{external_id}", "999999999")).status_code == 404
    else:
        seen = {x["id"] for x in r.json()}
        assert (ext["id"] in seen) == sees_external(who, ext), (route, c.role, c.mode)
        owners = {x["owner_id"] for x in r.json()}
        if who.role == "enterprise":
            assert owners <= {who.organisation_id}


CHECKS_CERTIFICATES = {
    "certificate": check_certificate,
    "certificate_public": check_certificate_public,
    "external_calibration": check_external_calibration,
}
