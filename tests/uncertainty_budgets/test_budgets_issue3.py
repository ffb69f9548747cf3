"""Issue 3: saved uncertainty budgets — who may see and save them, revisions never overwrite, every write is
audited, and a saved budget re-evaluates to the same numbers."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import auth
from tests.platform.scope_issue2 import scalar
from tests.uncertainty_budgets.budgets_helpers import SMALL_MODEL, insert_budget, institution

API = "/api/v1/uncertainty-budgets"


def _create(client, tokens, model: dict[str, Any] | None = None, **extra: Any):  # type: ignore[no-untyped-def]
    body = {"name": "电阻功率", "attached_kind": "measurement_standard", "attached_ref": "[2026]浙量标证字第001号",
            "model": model or SMALL_MODEL, **extra}
    return client.post(API, json=body, headers=auth(tokens["institution"]))


@pytest.fixture(scope="module")
def own(app, tokens):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        r = _create(c, tokens)
        assert r.status_code == 201, r.text[:500]
        return r.json()


@pytest.fixture(scope="module")
def others(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    hz_org, hz_region = institution("3301%")
    js_org, js_region = institution("32%")
    return {"hz": insert_budget(hz_org, hz_region, "hz institution budget"),
            "js": insert_budget(js_org, js_region, "js institution budget")}


def test_institution_saves_a_budget_owned_by_its_institution(own, tokens) -> None:  # type: ignore[no-untyped-def]
    inst = scalar("SELECT organisation_id FROM users WHERE username = 'institution'")
    assert own["organisation_id"] == inst
    assert own["region_code"] == scalar("SELECT region_code FROM organisations WHERE id = :i", i=inst)
    assert own["revision"] == 1 and own["supersedes_id"] is None and own["superseded_by_id"] is None
    assert own["attached_kind"] == "measurement_standard" and own["engine_version"].startswith("jiliang")
    out = own["result"]["outputs"]["P"]
    assert out["value"] == pytest.approx(1.0) and out["standard_uncertainty"] > 0
    assert out["result_zh"] and out["result_en"]
    n = scalar("SELECT count(*) FROM audit_log WHERE object_type = 'uncertainty_budget' AND object_id = :i "
               "AND action = 'create'", i=str(own["id"]))
    assert n == 1


@pytest.mark.parametrize("who, sees_own, sees_hz, sees_js", [
    ("admin", True, True, True),
    ("regulator", True, True, False),        # Zhejiang province
    ("regulator_hz", False, True, False),    # Hangzhou: the provincial institute's budgets are not in its region
    ("regulator_js", False, False, True),    # another province
    ("institution", True, False, False),     # its own institution only, not other institutions of the region
    ("enterprise", False, False, False),
    ("enterprise_js", False, False, False),
])
def test_visibility(client, tokens, own, others, who: str, sees_own: bool, sees_hz: bool,  # type: ignore[no-untyped-def]
                    sees_js: bool) -> None:
    h = auth(tokens[who])
    listed = {b["id"] for b in client.get(f"{API}?limit=500&include_superseded=true", headers=h).json()["items"]}
    for bid, expected in ((own["id"], sees_own), (others["hz"], sees_hz), (others["js"], sees_js)):
        r = client.get(f"{API}/{bid}", headers=h)
        assert r.status_code == (200 if expected else 404), (who, bid, r.status_code)
        assert (bid in listed) == expected, (who, bid)
        page = client.get(f"/uncertainty-budgets/{bid}", headers=h)
        assert page.status_code == (200 if expected else 404)
    if who.startswith("enterprise"):
        assert listed == set()


def test_public_sees_nothing(client, own) -> None:  # type: ignore[no-untyped-def]
    assert client.get(API).status_code == 401
    assert client.get(f"{API}/{own['id']}").status_code == 401
    r = client.get(f"/uncertainty-budgets/{own['id']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.post(API, json={"name": "x", "attached_kind": "procedure", "attached_ref": "x",
                                  "model": SMALL_MODEL}).status_code == 401


@pytest.mark.parametrize("who", ["admin", "regulator", "enterprise"])
def test_only_institution_staff_save(client, tokens, who: str) -> None:  # type: ignore[no-untyped-def]
    n = scalar("SELECT count(*) FROM uncertainty_budgets")
    r = client.post(API, json={"name": "x", "attached_kind": "procedure", "attached_ref": "JJG 1",
                               "model": SMALL_MODEL}, headers=auth(tokens[who]))
    assert r.status_code == 403
    assert scalar("SELECT count(*) FROM uncertainty_budgets") == n


def test_bad_model_is_422_and_writes_nothing(client, tokens) -> None:  # type: ignore[no-untyped-def]
    bad = copy.deepcopy(SMALL_MODEL)
    bad["inputs"]["V"]["u"] = -1
    n, a = scalar("SELECT count(*) FROM uncertainty_budgets"), scalar("SELECT count(*) FROM audit_log")
    r = _create(client, tokens, bad)
    assert r.status_code == 422 and r.json()["field"] == "model.inputs.V.u"
    r = _create(client, tokens, attached_kind="instrument")
    assert r.status_code == 422 and "attached_kind" in r.text
    assert (scalar("SELECT count(*) FROM uncertainty_budgets"), scalar("SELECT count(*) FROM audit_log")) == (n, a)


def test_revisions_never_overwrite(client, tokens) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["institution"])
    first = _create(client, tokens).json()
    row_before = _row(first["id"])
    changed = copy.deepcopy(SMALL_MODEL)
    changed["inputs"]["V"]["u"] = 0.02
    r = client.post(f"{API}/{first['id']}/revisions", json={"model": changed, "change_note": "u(V) doubled"},
                    headers=h)
    assert r.status_code == 201, r.text[:300]
    second = r.json()
    assert second["id"] != first["id"] and second["revision"] == 2 and second["supersedes_id"] == first["id"]
    assert second["lineage"] == first["lineage"] and second["name"] == first["name"]
    assert second["result"]["outputs"]["P"]["standard_uncertainty"] > first["result"]["outputs"]["P"]["standard_uncertainty"]
    # the first revision is unchanged and now points to its successor
    assert _row(first["id"]) == row_before
    old = client.get(f"{API}/{first['id']}", headers=h).json()
    assert old["superseded_by_id"] == second["id"] and old["model"] == first["model"]
    # revising a superseded revision would fork the history: refused, nothing written
    n = scalar("SELECT count(*) FROM uncertainty_budgets")
    r = client.post(f"{API}/{first['id']}/revisions", json={"name": "fork"}, headers=h)
    assert r.status_code == 409
    assert scalar("SELECT count(*) FROM uncertainty_budgets") == n
    # the list shows the latest revision; with include_superseded both
    latest = {b["id"] for b in client.get(f"{API}?limit=500", headers=h).json()["items"]}
    assert second["id"] in latest and first["id"] not in latest
    every = {b["id"] for b in client.get(f"{API}?limit=500&include_superseded=true", headers=h).json()["items"]}
    assert {first["id"], second["id"]} <= every
    assert sorted(_audit_actions(first["id"]) + _audit_actions(second["id"])) == ["create", "revise"]


def test_other_roles_cannot_revise(client, tokens, own, others) -> None:  # type: ignore[no-untyped-def]
    n = scalar("SELECT count(*) FROM uncertainty_budgets")
    for who, bid, expected in (("regulator", own["id"], 403), ("regulator_js", own["id"], 404),
                               ("enterprise", own["id"], 404), ("institution", others["hz"], 404),
                               ("admin", own["id"], 403)):
        r = client.post(f"{API}/{bid}/revisions", json={"name": "x"}, headers=auth(tokens[who]))
        assert r.status_code == expected, (who, r.status_code)
    assert scalar("SELECT count(*) FROM uncertainty_budgets") == n


def test_reevaluation_reproduces_the_saved_numbers(client, tokens) -> None:  # type: ignore[no-untyped-def]
    from jiliang.uncertainty_budgets import service

    model = {**copy.deepcopy(SMALL_MODEL), "mcm": {"trials": 20000}}  # no seed: the one used is recorded
    saved = _create(client, tokens, model).json()
    seed = saved["model"]["mcm"]["seed"]
    assert isinstance(seed, int) and saved["result"]["outputs"]["P"]["mcm"]["seed"] == seed
    ev, same = service.reevaluate(principal=_institution_principal(), budget_id=saved["id"])
    assert same
    assert ev.gum["P"].standard_uncertainty == saved["result"]["outputs"]["P"]["standard_uncertainty"]
    assert ev.mcm is not None and ev.mcm["P"].interval == pytest.approx(saved["result"]["outputs"]["P"]["mcm"]["interval"],
                                                                        rel=1e-12)
    page = client.get(f"/uncertainty-budgets/{saved['id']}?reevaluate=1", headers=auth(tokens["institution"]))
    assert page.status_code == 200 and "<svg" in page.text
    assert "重新评定结果与保存的数值一致" in page.text


def _institution_principal():  # type: ignore[no-untyped-def]
    from jiliang.platform.access import Principal

    org = scalar("SELECT organisation_id FROM users WHERE username = 'institution'")
    region = scalar("SELECT region_code FROM users WHERE username = 'institution'")
    return Principal(user_id=None, username="institution", role="institution", region_code=region,
                     organisation_id=org)


def _row(budget_id: int) -> tuple[Any, ...]:
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return tuple(conn.execute(text("SELECT * FROM uncertainty_budgets WHERE id = :i"), {"i": budget_id}).one())


def _audit_actions(budget_id: int) -> list[str]:
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT action FROM audit_log WHERE object_type = 'uncertainty_budget' AND object_id = :i"),
            {"i": str(budget_id)})]
