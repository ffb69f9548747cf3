"""Issue 2: recall notices and overdue detection.

Recall notices are generated once per due event (idempotent), listed on the owner's page only (and
for the regulators of the region), and a recorded verification rolls the due date forward so that the
next due event produces a new notice later. Overdue instruments are found by the list, the public
lookup and the dashboard alike.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, text

from tests.conftest import auth, login
from tests.platform.scope_issue2 import discover_scope, scalar


@pytest.fixture(scope="module")
def reg(app):  # type: ignore[no-untyped-def]
    from jiliang.instruments import service

    scope = discover_scope()
    item = next(c for c in service.list_catalogue() if c.verification_form == "periodic" and c.period_months
                and "trade_settlement" in (c.uses or []))
    return {"scope": scope, "item": item.code, "period": item.period_months,
            "owner": scope.orgs["own_enterprise"]["id"]}


def _principal(username: str) -> Any:
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    with read_session() as s:
        return principal_from_user(s.execute(select(User).where(User.username == username)).scalar_one())


def register(client: TestClient, tokens: dict[str, str], reg: dict[str, Any], serial: str, due: dt.date) -> dict[str, Any]:
    """Register an instrument of 'enterprise' whose next due date is ``due`` (last verification one period earlier)."""
    from jiliang.core.duedates import add_months

    last = add_months(due, -reg["period"])
    assert add_months(last, reg["period"]) == due
    r = client.post("/api/v1/instruments", headers=auth(tokens["enterprise"]), json={
        "catalogue_code": reg["item"], "owner_id": reg["owner"], "serial_number": serial, "use": "trade_settlement",
        "first_verified_on": last.isoformat(), "last_verified_on": last.isoformat(), "last_result": "pass"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["next_due_on"] == due.isoformat(), body
    return body


def notices(instrument_id: int) -> list[tuple[str, str]]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return [(str(r[0]), str(r[1])) for r in conn.execute(
            text("SELECT due_on, status FROM recall_notices WHERE instrument_id = :i ORDER BY due_on"), {"i": instrument_id})]


def test_generation_is_idempotent(client, tokens, reg) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    inst = register(client, tokens, reg, "RECALL-IDEM", today + dt.timedelta(days=20))
    r = client.post("/api/v1/recalls/generate", json={"days_before": 30}, headers=auth(tokens["regulator"]))
    assert r.status_code == 200 and r.json()["created"] >= 1
    assert notices(inst["id"]) == [((today + dt.timedelta(days=20)).isoformat(), "open")]
    for who in ("regulator", "admin", "regulator_hz"):
        r = client.post("/api/v1/recalls/generate", json={"days_before": 30}, headers=auth(tokens[who]))
        assert r.status_code == 200 and r.json()["created"] == 0, (who, r.json())
    # one notice per (instrument, due date), for the whole register
    assert scalar("SELECT count(*) FROM (SELECT instrument_id, due_on FROM recall_notices "
                  "GROUP BY instrument_id, due_on HAVING count(*) > 1) d") == 0
    # every in-use instrument due within 30 days has its notice
    missing = scalar("SELECT count(*) FROM instruments i WHERE i.status = 'in_use' AND i.next_due_on <= :h AND NOT "
                     "EXISTS (SELECT 1 FROM recall_notices r WHERE r.instrument_id = i.id AND r.due_on = i.next_due_on)",
                     h=today + dt.timedelta(days=30))
    assert missing == 0


def test_an_instrument_outside_the_window_gets_no_notice_until_it_enters(client, tokens, reg) -> None:  # type: ignore[no-untyped-def]
    from jiliang.instruments import service

    today = dt.date.today()
    due = today + dt.timedelta(days=45)
    inst = register(client, tokens, reg, "RECALL-WINDOW", due)
    client.post("/api/v1/recalls/generate", json={"days_before": 30}, headers=auth(tokens["regulator_hz"]))
    assert notices(inst["id"]) == []
    # a regulator of another region generates nothing for it
    hz = _principal("regulator_js")
    service.generate_recalls(principal=hz, today=today + dt.timedelta(days=20), days_before=30)
    assert notices(inst["id"]) == []
    # fifteen days later it falls within the window
    created = service.generate_recalls(principal=_principal("regulator_hz"), today=today + dt.timedelta(days=15),
                                       days_before=30)
    assert created >= 1 and notices(inst["id"]) == [(due.isoformat(), "open")]
    assert service.generate_recalls(principal=_principal("regulator_hz"), today=today + dt.timedelta(days=16),
                                    days_before=30) == 0


def test_regional_generation_stays_in_region(tokens, client) -> None:  # type: ignore[no-untyped-def]
    from jiliang.instruments import service

    top = int(scalar("SELECT coalesce(max(id), 0) FROM recall_notices"))
    created = service.generate_recalls(principal=_principal("regulator_hz"), today=dt.date.today(), days_before=200)
    assert created > 0
    regions = {r for (r,) in _rows("SELECT region_code FROM recall_notices WHERE id > :t", t=top)}
    assert regions and all(r.startswith("3301") for r in regions), regions


def _rows(sql: str, **params: Any) -> list[Any]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return list(conn.execute(text(sql), params))


def test_notices_listed_on_the_owners_page_only(app, client, tokens, reg) -> None:  # type: ignore[no-untyped-def]
    def c_get(user: str, url: str) -> str:
        r = client.get(url, headers=auth(tokens[user]))  # the same page, reached with the user's token
        assert r.status_code == 200
        return str(r.text)

    today = dt.date.today()
    inst = register(client, tokens, reg, "RECALL-PAGE", today + dt.timedelta(days=10))
    client.post("/api/v1/recalls/generate", json={"days_before": 30}, headers=auth(tokens["admin"]))
    code = inst["code"]
    seen: dict[str, bool] = {}
    for user in ("enterprise", "enterprise_js", "regulator", "regulator_hz", "regulator_js", "institution", "admin"):
        with TestClient(app, raise_server_exceptions=False) as c:
            login(c, user)
            page = c.get("/recalls")
            assert page.status_code == 200
            export = c.get("/recalls/export")
            wb = load_workbook(io.BytesIO(export.content), read_only=True)
            exported = {row[0] for row in list(wb.worksheets[0].iter_rows(values_only=True))[1:]}
        api = client.get("/api/v1/recalls?limit=500", headers=auth(tokens[user])).json()
        ids = {n["instrument_id"] for n in api["items"]}
        total = api["total"]
        offset = 500
        while offset < total:
            ids |= {n["instrument_id"] for n in client.get(f"/api/v1/recalls?limit=500&offset={offset}",
                                                           headers=auth(tokens[user])).json()["items"]}
            offset += 500
        seen[user] = code in exported
        assert (inst["id"] in ids) == seen[user], user
        if user == "enterprise":
            pages = page.text + "".join(c_get(user, f"/recalls?offset={k}") for k in range(50, total, 50))
            assert code in pages  # the owner's pages list it
            assert {n["owner_id"] for n in api["items"]} == {reg["owner"]}
            page_codes = set(re.findall(r"<code>(\d{19})</code>", pages))
            own_codes = {c for (c,) in _rows("SELECT code FROM instruments WHERE owner_id = :o", o=reg["owner"])}
            assert page_codes <= own_codes
        if user == "enterprise_js":
            assert code not in page.text
    assert seen == {"enterprise": True, "enterprise_js": False, "regulator": True, "regulator_hz": True,
                    "regulator_js": False, "institution": True, "admin": True}


def test_verification_rolls_the_due_date_and_a_new_event_gets_a_new_notice(client, tokens, reg) -> None:  # type: ignore[no-untyped-def]
    from jiliang.core.duedates import add_months
    from jiliang.instruments import service

    today = dt.date.today()
    old_due = today + dt.timedelta(days=5)
    inst = register(client, tokens, reg, "RECALL-ROLL", old_due)
    client.post("/api/v1/recalls/generate", json={"days_before": 30}, headers=auth(tokens["regulator"]))
    assert notices(inst["id"]) == [(old_due.isoformat(), "open")]
    # only an institution (or an administrator) records a verification
    body = {"verified_on": today.isoformat(), "result": "pass", "certificate_no": "JD-TEST-1"}
    for who in ("enterprise", "regulator"):
        r = client.post(f"/api/v1/instruments/{inst['id']}/verifications", json=body, headers=auth(tokens[who]))
        assert r.status_code == 403
    r = client.post(f"/api/v1/instruments/{inst['id']}/verifications", json=body, headers=auth(tokens["institution"]))
    assert r.status_code == 201, r.text
    new_due = add_months(today, reg["period"])
    assert r.json()["next_due_on"] == new_due.isoformat()
    after = client.get(f"/api/v1/instruments/{inst['id']}", headers=auth(tokens["enterprise"])).json()
    assert (after["last_verified_on"], after["next_due_on"], after["last_result"]) == (
        today.isoformat(), new_due.isoformat(), "pass")
    history = client.get(f"/api/v1/instruments/{inst['id']}/verifications", headers=auth(tokens["enterprise"])).json()
    assert [(h["verified_on"], h["certificate_no"]) for h in history][0] == (today.isoformat(), "JD-TEST-1")
    # today nothing new is due for it
    client.post("/api/v1/recalls/generate", json={"days_before": 30}, headers=auth(tokens["regulator"]))
    assert notices(inst["id"]) == [(old_due.isoformat(), "open")]
    # when the new due date approaches, exactly one new notice is issued for the new due event
    hz = _principal("regulator_hz")
    service.generate_recalls(principal=hz, today=new_due - dt.timedelta(days=10), days_before=30)
    assert notices(inst["id"]) == [(old_due.isoformat(), "open"), (new_due.isoformat(), "open")]
    assert service.generate_recalls(principal=hz, today=new_due - dt.timedelta(days=9), days_before=30) >= 0
    assert len(notices(inst["id"])) == 2
    # an earlier verification than the one on record is refused, and a failed one suspends the instrument
    r = client.post(f"/api/v1/instruments/{inst['id']}/verifications", headers=auth(tokens["institution"]),
                    json={"verified_on": (today - dt.timedelta(days=400)).isoformat(), "result": "pass"})
    assert r.status_code == 400
    r = client.post(f"/api/v1/instruments/{inst['id']}/verifications", headers=auth(tokens["institution"]),
                    json={"verified_on": (today + dt.timedelta(days=1)).isoformat(), "result": "pass"})
    assert r.status_code == 400  # the future
    r = client.post(f"/api/v1/instruments/{inst['id']}/verifications", headers=auth(tokens["institution"]),
                    json={"verified_on": today.isoformat(), "result": "fail"})
    assert r.status_code == 201
    assert client.get(f"/api/v1/instruments/{inst['id']}", headers=auth(tokens["enterprise"])).json()["status"] == \
        "suspended"
    # a suspended instrument gets no notice for its next due event
    before = notices(inst["id"])
    service.generate_recalls(principal=hz, today=add_months(today, reg["period"]) - dt.timedelta(days=1),
                             days_before=30)
    assert notices(inst["id"]) == before


def _dashboard_overdue(client: TestClient, token: str) -> int:
    r = client.get("/api/v1/dashboard", headers=auth(token))
    assert r.status_code == 200
    return int(r.json()["totals"]["overdue"])


def test_overdue_detection(client, tokens, reg) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    dash_before = {u: _dashboard_overdue(client, tokens[u]) for u in ("regulator", "regulator_hz", "regulator_js")}
    inst = register(client, tokens, reg, "RECALL-OVERDUE", today - dt.timedelta(days=3))
    on_time = register(client, tokens, reg, "RECALL-DUE-TODAY", today)
    # the list, filtered for overdue
    overdue = client.get("/api/v1/instruments?overdue=true&limit=500", headers=auth(tokens["enterprise"])).json()
    codes = {i["code"] for i in overdue["items"]}
    assert inst["code"] in codes and on_time["code"] not in codes  # due today is not yet overdue
    for item in overdue["items"]:
        assert item["status"] == "in_use" and item["next_due_on"] < today.isoformat()
    expected = scalar("SELECT count(*) FROM instruments WHERE owner_id = :o AND status = 'in_use' "
                      "AND next_due_on < :t", o=reg["owner"], t=today)
    assert overdue["total"] == expected
    # the public lookup and the dashboards agree
    pub = client.get(f"/api/v1/public/instruments/{inst['code']}").json()
    assert pub["overdue"] is True and pub["next_due_on"] == (today - dt.timedelta(days=3)).isoformat()
    assert client.get(f"/api/v1/public/instruments/{on_time['code']}").json()["overdue"] is False
    dash = {u: _dashboard_overdue(client, tokens[u]) for u in dash_before}
    assert dash == {"regulator": dash_before["regulator"] + 1, "regulator_hz": dash_before["regulator_hz"] + 1,
                    "regulator_js": dash_before["regulator_js"]}
    in_scope = scalar("SELECT count(*) FROM instruments WHERE region_code LIKE '3301%' AND status = 'in_use' "
                      "AND next_due_on < :t", t=today)
    assert dash["regulator_hz"] == in_scope
    # suspending it takes it off the overdue figures; a verification would too
    r = client.patch(f"/api/v1/instruments/{inst['id']}", json={"status": "suspended"}, headers=auth(tokens["enterprise"]))
    assert r.status_code == 200
    assert _dashboard_overdue(client, tokens["regulator_hz"]) == dash_before["regulator_hz"]
    assert client.get(f"/api/v1/public/instruments/{inst['code']}").json()["overdue"] is False
    r = client.patch(f"/api/v1/instruments/{inst['id']}", json={"status": "in_use"}, headers=auth(tokens["enterprise"]))
    assert _dashboard_overdue(client, tokens["regulator_hz"]) == dash_before["regulator_hz"] + 1
    r = client.post(f"/api/v1/instruments/{inst['id']}/verifications", headers=auth(tokens["institution"]),
                    json={"verified_on": today.isoformat(), "result": "pass"})
    assert r.status_code == 201
    assert _dashboard_overdue(client, tokens["regulator_hz"]) == dash_before["regulator_hz"]
    assert client.get(f"/api/v1/public/instruments/{inst['code']}").json()["overdue"] is False


def test_html_forms_refuse_bad_values_without_changing_anything(app, client, tokens, reg) -> None:  # type: ignore[no-untyped-def]
    """The status and verification forms answer 422 to a value outside their choices (not a 500)."""
    from tests.conftest import csrf_of

    inst = register(client, tokens, reg, "RECALL-FORMS", dt.date.today() + dt.timedelta(days=100))
    state = client.get(f"/api/v1/instruments/{inst['id']}", headers=auth(tokens["admin"])).json()
    for user, url, data in (
        ("enterprise", f"/instruments/{inst['id']}/status", {"status": "deleted"}),
        ("institution", f"/instruments/{inst['id']}/verify", {"verified_on": dt.date.today().isoformat(),
                                                              "result": "maybe"}),
        ("institution", f"/instruments/{inst['id']}/verify", {"verified_on": "2026-02-30", "result": "pass"}),
    ):
        with TestClient(app, raise_server_exceptions=False) as c:
            login(c, user)
            r = c.post(url, data={**data, "csrf_token": csrf_of(c.get("/account").text)}, follow_redirects=False)
            assert r.status_code == 422, (url, data, r.status_code)
    assert client.get(f"/api/v1/instruments/{inst['id']}", headers=auth(tokens["admin"])).json() == state
    with TestClient(app, raise_server_exceptions=False) as c:  # the control: a good value is accepted
        login(c, "institution")
        r = c.post(f"/instruments/{inst['id']}/verify", follow_redirects=False, data={
            "verified_on": dt.date.today().isoformat(), "result": "pass", "csrf_token": csrf_of(c.get("/account").text)})
        assert r.status_code == 303
    assert client.get(f"/api/v1/instruments/{inst['id']}", headers=auth(tokens["admin"])).json()["last_verified_on"] \
        == dt.date.today().isoformat()
