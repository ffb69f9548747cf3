"""Issue 7 part 3: the credit pages and API through the web app (status codes, content, bad input)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from jiliang.credit.models import CreditDeclaration
from jiliang.platform.db import read_session
from tests.conftest import auth, csrf_of, login
from tests.credit.helpers_credit import TODAY, audit_count, credit_world


@pytest.fixture(scope="module")
def world(demo_db):  # type: ignore[no-untyped-def]
    return credit_world()


def _n_declarations() -> int:
    with read_session() as s:
        return int(s.scalar(select(func.count()).select_from(CreditDeclaration)) or 0)


def test_rules_and_templates_are_public(client, world) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/credit/rules")
    assert r.status_code == 200
    body = r.json()
    assert body["source_status"] == "local policy (unverified)"
    assert {x["rule_id"] for x in body["rules"]} >= {"CR-VF", "CR-OD", "CR-NC", "CR-CM", "CR-MU"}
    page = client.get("/credit/rules")
    from jiliang.platform.i18n import translations

    badge = translations("zh_CN").gettext("local policy (unverified)")  # the Chinese page translates it
    assert page.status_code == 200 and "CR-VF" in page.text and badge in page.text
    t = client.get("/api/v1/credit/templates").json()
    assert t[0]["template_id"] == "honest-metrology-2026" and len(t[0]["items"]) == 6


def test_regulator_list_page_and_filters(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "regulator_hz")
    r = client.get("/credit?grade=D")
    assert r.status_code == 200, r.text[:300]
    ids = {int(x) for x in re.findall(r'href="/credit/enterprises/(\d+)"', r.text)}
    assert world["d"] in ids and world["b"] not in ids
    assert "<svg" in r.text and 'id="credit-policy"' in r.text
    assert client.get("/credit?region=320100").status_code == 403
    assert client.get("/credit?region=abc").status_code == 422
    assert client.get("/credit?grade=E").status_code == 422
    page = client.get(f"/credit/enterprises/{world['b']}")
    assert page.status_code == 200
    assert 'id="credit-score">88<' in page.text and 'id="credit-grade">B<' in page.text
    assert "CR-VF" in page.text and "CR-OD" in page.text and "CR-CM" in page.text
    assert client.get(f"/credit/enterprises/{world['js']}").status_code == 404


def test_enterprise_sees_own_page_only(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "enterprise")
    r = client.get("/credit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/credit/enterprises/")
    own = client.get(r.headers["location"])
    assert own.status_code == 200
    assert client.get(f"/credit/enterprises/{world['b']}").status_code == 404


def test_api_declaration_bad_input(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["enterprise"])
    n, n_audit = _n_declarations(), audit_count()
    good = {
        "template_id": "honest-metrology-2026",
        "items": ["no_cheating"],
        "declared_on": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=100)).isoformat(),
    }
    bad_bodies = [
        b"{not json",
        b"[]",
        {**good, "items": "no_cheating"},
        {**good, "items": []},
        {**good, "declared_on": "2026-02-30"},
        {**good, "valid_until": TODAY.isoformat()},
        {**good, "template_id": "x" * 41},
        {**good, "items": ["fly"]},
        {**good, "extra": 1},
        {**good, "enterprise_id": 2**40},
    ]
    for body in bad_bodies:
        if isinstance(body, bytes):
            r = client.post(
                "/api/v1/credit/declarations", content=body, headers={**h, "content-type": "application/json"}
            )
        else:
            r = client.post("/api/v1/credit/declarations", json=body, headers=h)
        assert r.status_code == 422, (body, r.status_code, r.text[:200])
    assert _n_declarations() == n and audit_count() == n_audit
    r = client.post("/api/v1/credit/declarations", json=good, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["published"] and r.json()["valid_today"]
    # public API sees it; withdraw through the API
    did = r.json()["id"]
    client.cookies.clear()
    assert client.get(f"/api/v1/credit/declarations/{did}").status_code == 200
    assert (
        client.post(
            f"/api/v1/credit/declarations/{did}/withdraw", headers=auth(tokens["enterprise_js"])
        ).status_code
        == 403  # published: visible to all, changed by its enterprise only
    )
    assert (
        client.post(f"/api/v1/credit/declarations/{did}/withdraw", headers=h).json()["status"] == "withdrawn"
    )
    assert client.get(f"/api/v1/credit/declarations/{did}").status_code == 404


def test_api_unknown_ids_and_types(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["admin"])
    for url in (
        "/api/v1/credit/enterprises/999999999",
        "/api/v1/credit/enterprises/99999999999999",
        "/api/v1/credit/declarations/99999999999999",
        "/credit/declarations/0",
    ):
        assert client.get(url, headers=h).status_code == 404, url
    assert client.get("/api/v1/credit/enterprises/abc", headers=h).status_code == 422
    assert client.post("/api/v1/credit/refresh", json={"region_code": "33"}, headers=h).status_code == 422
    assert client.post("/api/v1/credit/refresh", json={"region_code": "339999"}, headers=h).status_code == 422
    assert (
        client.post("/api/v1/credit/model-units", json={"enterprise_id": "x"}, headers=h).status_code == 422
    )
    assert (
        client.post(
            "/api/v1/credit/model-units/999999/revoke", json={"revoked_on": TODAY.isoformat()}, headers=h
        ).status_code
        == 404
    )
    assert client.get("/api/v1/credit/enterprises?limit=100000", headers=h).status_code == 422
    # the enterprise's credit of an institution id is not found
    inst = client.get("/api/v1/me", headers=auth(tokens["institution"])).json()["organisation_id"]
    assert client.get(f"/api/v1/credit/enterprises/{inst}", headers=h).status_code == 404


def test_api_credit_view_and_refresh(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/credit/enterprises/{world['d']}", headers=auth(tokens["regulator_hz"]))
    assert r.status_code == 200
    body = r.json()
    assert (body["score"], body["grade"], body["risk_weight"]) == (40.0, "D", 7.0)
    assert body["source_status"] == "local policy (unverified)"
    assert all({"source", "event_on", "points", "rule_id", "basis"} <= set(f) for f in body["factors"])
    r = client.post(f"/api/v1/credit/enterprises/{world['d']}/refresh", headers=auth(tokens["regulator_hz"]))
    assert r.status_code == 200 and r.json()["records_added"] == 0
    assert (
        client.post(
            f"/api/v1/credit/enterprises/{world['d']}/refresh", headers=auth(tokens["regulator_js"])
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/credit/enterprises/{world['d']}/refresh").status_code == 401


def test_declaration_form(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "enterprise")
    page = client.get("/credit/declarations/new")
    assert page.status_code == 200
    token = csrf_of(page.text)
    n = _n_declarations()
    r = client.post(
        "/credit/declarations/new",
        data={
            "csrf_token": token,
            "template_id": "honest-metrology-2026",
            "declared_on": TODAY.isoformat(),
            "valid_until": TODAY.isoformat(),
            "items": "no_cheating",
        },
    )
    assert r.status_code == 422 and 'id="form-error"' in r.text and _n_declarations() == n
    r = client.post(
        "/credit/declarations/new",
        data={
            "csrf_token": token,
            "template_id": "honest-metrology-2026",
            "declared_on": "not a date",
            "valid_until": "",
            "items": ["no_cheating"],
        },
    )
    assert r.status_code == 422 and _n_declarations() == n
    r = client.post(
        "/credit/declarations/new",
        data={
            "csrf_token": token,
            "template_id": "honest-metrology-2026",
            "declared_on": TODAY.isoformat(),
            "valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
            "items": ["no_cheating", "legal_units"],
            "publish": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    detail = client.get(r.headers["location"])
    assert detail.status_code == 200 and "法定计量单位" in detail.text
    # the regulator cannot open the form
    login(client, "regulator")
    assert client.get("/credit/declarations/new").status_code == 403


def test_public_pages(client, world) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/public/credit/commitments")
    assert r.status_code == 200
    assert "诚信测试乙超市" in r.text  # published and valid
    r = client.get("/public/credit/model-units")
    assert r.status_code == 200
    assert client.get("/public/credit/model-units?region=xx").status_code == 422
    assert client.get(f"/credit/declarations/{world['draft_a']}").status_code == 404
    assert client.get(f"/credit/declarations/{world['decl_a']}").status_code == 200
    assert client.get("/credit", follow_redirects=False).status_code == 303
