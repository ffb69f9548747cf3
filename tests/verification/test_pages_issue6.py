"""Issue 6: the verification work through the HTML pages (session cookie + CSRF token).

The institute adds a standard and its certificate, receives a scale of the register, assigns it, gives the
instrument parameters (the form is then generated from the procedure), enters readings and environment,
signs; a checker and an approver sign in their own sessions. Bad input re-renders the page with the row,
field and reason and writes nothing; the record page shows MPE, U, decision, clause and the source status.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import DEMO_PASSWORD, csrf_of, login
from tests.platform.scope_issue2 import scalar
from tests.verification.test_workflow_issue6 import counts

TODAY = dt.date.today()


def session(app: Any, username: str) -> tuple[TestClient, str]:
    c = TestClient(app, raise_server_exceptions=False)
    login(c, username, DEMO_PASSWORD)
    return c, csrf_of(c.get("/verification/work-orders").text)


def post(c: TestClient, csrf: str, url: str, data: dict[str, str]) -> Any:
    return c.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)


def test_pages_full_flow(app, vworld) -> None:  # type: ignore[no-untyped-def]
    from jiliang.organisations import service as org_service
    from jiliang.organisations.schemas import AuthorisationCreate
    from jiliang.platform.access import SYSTEM

    org_service.add_authorisation(
        principal=SYSTEM,
        institution_id=vworld["institution_id"],
        data=AuthorisationCreate(
            catalogue_code="0201",
            region_code="330000",
            valid_until=TODAY + dt.timedelta(days=300),
            annual_capacity=1,
        ),
    )
    scale = scalar(
        "SELECT code FROM instruments WHERE catalogue_code = '0201' AND status = 'in_use' AND region_code LIKE '3302%' "
        "AND id NOT IN (SELECT instrument_id FROM work_orders WHERE instrument_id IS NOT NULL) ORDER BY id DESC"
    )
    c, csrf = session(app, "institution")
    # a standard and its certificate
    assert c.get("/verification/standards/new").status_code == 200
    r = post(
        c,
        csrf,
        "/verification/standards/new",
        {
            "name": "F1等级砝码(页面)",
            "identifier": "PAGE-F1",
            "quantity": "mass",
            "uncertainty_or_class": "F1",
        },
    )
    assert r.status_code == 303, r.text[:500]
    std_url = r.headers["location"]
    sid = int(std_url.rsplit("/", 1)[1])
    # a certificate whose validity ends before it starts: the page says so, nothing written
    before = counts()
    r = post(
        c,
        csrf,
        f"{std_url}/certificates",
        {
            "certificate_no": "P-1",
            "issuing_lab": "NIM",
            "calibrated_on": "2026-05-01",
            "valid_until": "2026-04-01",
        },
    )
    assert r.status_code == 422 and "valid until precedes" in r.text and 'id="form-error"' in r.text
    assert counts() == before
    cal = (TODAY - dt.timedelta(days=20)).isoformat()
    until = (TODAY + dt.timedelta(days=300)).isoformat()
    r = post(
        c,
        csrf,
        f"{std_url}/certificates",
        {"certificate_no": "P-1", "issuing_lab": "NIM", "calibrated_on": cal, "valid_until": until},
    )
    assert r.status_code == 303
    page = c.get(std_url).text
    assert "P-1" in page and 'id="usable"' in page
    assert "PAGE-F1" in c.get("/verification/standards?q=PAGE").text
    # receive, assign
    assert c.get("/verification/work-orders/new").status_code == 200
    r = post(
        c,
        csrf,
        "/verification/work-orders/new",
        {
            "instrument_code": scale,
            "kind": "verification",
            "stage": "subsequent",
            "received_on": TODAY.isoformat(),
        },
    )
    assert r.status_code == 303, r.text[:800]
    wo_url = r.headers["location"]
    wo_id = int(wo_url.rsplit("/", 1)[1])
    page = c.get(wo_url).text
    assert "JJG539-2016" in page and 'name="assignee"' in page
    r = post(c, csrf, f"{wo_url}/assign", {"assignee": "institution"})
    assert r.status_code == 303
    assert 'id="enter-readings"' in c.get(wo_url).text
    # the form asks for the instrument parameters first
    page = c.get(f"{wo_url}/record").text
    assert (
        'id="param-errors"' in page
        and 'name="instrument.max_capacity"' in page
        and 'name="point.0.0"' not in page
    )
    params = {"instrument.accuracy_class": "III", "instrument.max_capacity": "15", "instrument.e": "5"}
    r = post(c, csrf, f"{wo_url}/record", {**params, "action": "parameters"})
    assert (
        r.status_code == 200 and 'name="point.0.0"' in r.text and 'name="environment.temperature"' in r.text
    )
    assert "unverified" in r.text or "未核实" in r.text  # the MPE rule's source status is shown
    form_html = r.text
    fields = dict(re.findall(r'name="(point\.\d+\.\d+)" value="([^"]*)"', form_html))
    from jiliang.verification import service

    points = service.make_form(
        "JJG539-2016", "subsequent", {"accuracy_class": "III", "max_capacity": 15, "e": 5}
    )["points"]
    assert len(fields) == sum(p["repeats"] for p in points)
    readings = {k: str(points[int(k.split(".")[1])]["nominal"]) for k in fields}
    imax = [p["id"] for p in points].index("max")
    good = {
        **params,
        **readings,
        "performed_on": TODAY.isoformat(),
        "environment.temperature": "20.5",
        "environment.temperature.unit": "°C",
        **{f"point.{i}.unit": "kg" for i in range(len(points))},
        f"standard.{sid}": "on",
        f"standard.{sid}.u": "0.0001",
        f"standard.{sid}.unit": "kg",
        "decision_rule": "jjf1094",
        "action": "save",
    }
    # bad input on the page: a reading outside the range, a missing temperature, a wrong unit
    before = counts()
    r = post(
        c,
        csrf,
        f"{wo_url}/record",
        {**good, f"point.{imax}.0": "40", "environment.temperature": "", "point.0.unit": "m"},
    )
    assert r.status_code == 422
    assert (
        f"points[{imax}].readings[0]" in r.text
        and "environment.temperature" in r.text
        and "points[0].unit" in r.text
    )
    assert 'value="40"' in r.text  # what was typed is kept
    assert counts() == before
    # an expired standard chosen
    expired = scalar("SELECT s.id FROM measurement_standards s WHERE s.identifier = 'ZJ-M-M1-2015-03'")
    r = post(c, csrf, f"{wo_url}/record", {**good, f"standard.{expired}": "on"})
    assert r.status_code == 422 and "ZJ-M-M1-2015-03" in r.text and "expired" in r.text
    assert counts() == before
    r = post(c, csrf, f"{wo_url}/record", good)
    assert r.status_code == 303, r.text[:2000]
    rec_url = r.headers["location"]
    rid = int(rec_url.rsplit("/", 1)[1])
    page = c.get(rec_url).text
    assert 'id="evaluation"' in page and "±0.0025 kg" in page and "k=2.0" in page
    assert 'id="source-status"' in page  # the rules are not all verified: said visibly
    assert 'id="sign-form"' in page
    # wrong password: the page says so, no signature
    r = post(c, csrf, f"{rec_url}/sign", {"meaning": "verifier", "password": "wrong-password"})
    assert r.status_code == 403 and "password does not match" in r.text
    assert scalar("SELECT count(*) FROM record_signatures WHERE record_id = :i", i=rid) == 0
    r = post(c, csrf, f"{rec_url}/sign", {"meaning": "verifier", "password": DEMO_PASSWORD})
    assert r.status_code == 303
    page = c.get(rec_url).text
    assert "signed" in page or "已签名" in page
    # the verifier cannot check his own record (a 403 page)
    r = post(c, csrf, f"{rec_url}/sign", {"meaning": "checker", "password": DEMO_PASSWORD})
    assert r.status_code == 403
    # CSRF is required
    r = c.post(
        f"{rec_url}/sign", data={"meaning": "checker", "password": DEMO_PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403
    c.close()
    for user, meaning in (("verif_checker", "checker"), ("verif_approver", "approver")):
        c2, csrf2 = session(app, user)
        page = c2.get(rec_url).text
        assert f'value="{meaning}"' in page
        r = post(c2, csrf2, f"{rec_url}/sign", {"meaning": meaning, "password": DEMO_PASSWORD})
        assert r.status_code == 303, r.text[:500]
        c2.close()
    assert scalar("SELECT status FROM work_orders WHERE id = :i", i=wo_id) == "approved"
    assert scalar("SELECT status FROM verification_records WHERE id = :i", i=rid) == "approved"
    # lists and filters
    c3, _ = session(app, "institution")
    assert f'/verification/records/{rid}"' in c3.get("/verification/records?status=approved").text
    assert f'/verification/work-orders/{wo_id}"' in c3.get("/verification/work-orders?status=approved").text
    assert (
        f'/verification/work-orders/{wo_id}"' not in c3.get("/verification/work-orders?status=received").text
    )
    c3.close()


def test_pages_correction(app, vworld) -> None:  # type: ignore[no-untyped-def]
    """A recorded (signed) demo record: the verifier corrects it on the page; a new revision supersedes it."""
    rid = scalar(
        "SELECT r.id FROM verification_records r JOIN work_orders w ON w.current_record_id = r.id "
        "WHERE r.status = 'signed' AND w.assigned_to = 'institution' ORDER BY r.id"
    )
    c, csrf = session(app, "institution")
    page = c.get(f"/verification/records/{rid}").text
    assert f'href="/verification/records/{rid}/correct"' in page
    form = c.get(f"/verification/records/{rid}/correct")
    assert form.status_code == 200 and 'name="reason"' in form.text
    values = dict(re.findall(r'<input name="([^"]+)" value="([^"]*)"', form.text))
    values.update({k: "on" for k in re.findall(r'name="(standard\.\d+)" value="on" checked', form.text)})
    for name, val in re.findall(r'<select name="([^"]+)">(?:.*?)<option value="([^"]*)" selected', form.text):
        values[name] = val
    values.pop("csrf_token", None)
    values["performed_on"] = re.findall(r'name="performed_on" value="([^"]+)"', form.text)[0]
    before = counts()
    r = post(c, csrf, f"/verification/records/{rid}/correct", {**values, "action": "save", "reason": ""})
    assert r.status_code == 422 and "reason" in r.text
    assert counts() == before
    r = post(
        c,
        csrf,
        f"/verification/records/{rid}/correct",
        {**values, "action": "save", "reason": "更正抄写错误"},
    )
    assert r.status_code == 303, r.text[:3000]
    new_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert scalar("SELECT supersedes_id FROM verification_records WHERE id = :i", i=new_id) == rid
    assert scalar("SELECT status FROM verification_records WHERE id = :i", i=rid) == "superseded"
    page = c.get(f"/verification/records/{rid}").text
    assert "superseded" in page or "已被替代" in page
    c.close()
