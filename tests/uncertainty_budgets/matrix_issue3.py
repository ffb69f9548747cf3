"""Access-matrix checks for the issue-3 routes (the calculator and saved uncertainty budgets).

Plugged into ``tests/platform/test_access_matrix_issue2.py`` (its ``ROUTES`` table names the classes below,
and its ``CHECKS`` is updated with :data:`CHECKS_ISSUE3`). The expected scopes are written here
independently of ``jiliang.platform.access``: a budget is seen by administrators, by regulators whose
region contains the budget's (the owning institution's) region, and by staff of the owning institution
only; enterprises and the public never see one.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from sqlalchemy import text

from tests.uncertainty_budgets.budgets_helpers import SMALL_MODEL, insert_budget, institution

TOOL_ROUTES = {"POST /tools/uncertainty", "POST /api/v1/uncertainty/evaluate", "POST /api/v1/uncertainty/curve",
               "POST /api/v1/uncertainty/conformity"}
# the curve and conformity calculators: request body and a check of the answer
TOOL_BODIES: dict[str, tuple[dict[str, Any], Any]] = {
    "/api/v1/uncertainty/curve": ({"x": [1, 2, 3, 4], "y": [1.1, 1.9, 3.2, 3.9], "predict": [2.5]},
                                  lambda b: b["predictions"][0]["standard_uncertainty"] > 0),
    "/api/v1/uncertainty/conformity": ({"rule": "jjf1094", "error": 0.8, "mpev": 1.0, "expanded_uncertainty": 0.4},
                                       lambda b: b["decision"]["verdict"] == "undetermined"),
}


@cache
def targets() -> dict[str, tuple[int, str, int]]:
    """label → (budget id, region, owning organisation): own institution, another in Zhejiang, one in Jiangsu."""
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        own_org, own_region = conn.execute(text(
            "SELECT o.id, o.region_code FROM users u JOIN organisations o ON o.id = u.organisation_id "
            "WHERE u.username = 'institution'")).one()
    out: dict[str, tuple[int, str, int]] = {}
    for label, org, region in (("own", own_org, own_region), ("zj_other", *institution("33%")),
                               ("js", *institution("32%"))):
        out[label] = (insert_budget(int(org), str(region), f"matrix budget {label}"), str(region), int(org))
    return out


def sees_budget(who: Any, region: str, organisation_id: int) -> bool:
    if who.role == "admin":
        return True
    if who.role == "regulator":
        prefix = who.region_prefix()
        return bool(prefix) and region.startswith(prefix)
    if who.role == "institution":
        return organisation_id == who.organisation_id
    return False


def _all_budgets() -> dict[int, tuple[str, int]]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute(
            text("SELECT id, region_code, organisation_id FROM uncertainty_budgets"))}


def _count() -> tuple[int, int]:
    from tests.platform.scope_issue2 import scalar

    return int(scalar("SELECT count(*) FROM uncertainty_budgets")), int(scalar("SELECT count(*) FROM audit_log"))


def _denied_to_public(r: Any, url: str, method: str = "GET") -> None:
    if url.startswith("/api/") or method != "GET":
        assert r.status_code == 401, (url, r.status_code, r.text[:200])
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)


def check_uncertainty_tool(route: str, c: Any, scope: Any, universe: Any) -> None:
    """The calculator answers everyone (it stores nothing): 200 with the result, nothing written."""
    method, path = route.split(" ", 1)
    before = _count()
    if path in TOOL_BODIES:
        body, ok = TOOL_BODIES[path]
        r = c.send(method, path, json=body)
        assert r.status_code == 200, (route, c.role, c.mode, r.status_code, r.text[:200])
        assert ok(r.json()), (route, r.text[:200])
    elif path.startswith("/api/"):
        r = c.send(method, path, json=SMALL_MODEL)
        assert r.status_code == 200, (route, c.role, c.mode, r.status_code, r.text[:200])
        assert r.json()["outputs"]["P"]["standard_uncertainty"] > 0
    else:
        r = c.send(method, path, data={"model_json": json.dumps(SMALL_MODEL)})
        assert r.status_code == 200, (route, c.role, c.mode, r.status_code, r.text[:200])
        assert "<td><code>V</code></td>" in r.text
    assert _count() == before


def check_budget_list(route: str, c: Any, scope: Any, universe: Any) -> None:
    path = route.split(" ", 1)[1]
    who = c.who
    targets()
    r = c.get(path)
    if who.role == "public":
        _denied_to_public(r, path)
        return
    assert r.status_code == 200, (route, c.role, c.mode, r.status_code)
    expected = {bid for bid, (region, org) in _all_budgets().items() if sees_budget(who, region, org)}
    if path.startswith("/api/"):
        body = c.get(f"{path}?include_superseded=true&limit=500").json()
        seen = {b["id"] for b in body["items"]}
        assert seen == expected or (body["total"] > 500 and seen <= expected), (c.role, sorted(seen ^ expected)[:5])
    else:
        seen = {int(x) for x in re.findall(r'href="/uncertainty-budgets/(\d+)"', r.text)}
        assert seen <= expected, (c.role, sorted(seen - expected)[:5])


def check_budget_detail(route: str, c: Any, scope: Any, universe: Any) -> None:
    path = route.split(" ", 1)[1]
    who = c.who
    for label, (bid, region, org) in targets().items():
        url = path.replace("{budget_id}", str(bid))
        r = c.get(url)
        if who.role == "public":
            _denied_to_public(r, url)
            continue
        if sees_budget(who, region, org):
            assert r.status_code == 200, (route, c.role, c.mode, label, r.status_code, r.text[:200])
        else:
            assert r.status_code == 404, (route, c.role, c.mode, label, r.status_code)
            assert f"matrix budget {label}" not in r.text
    if who.role != "public":
        assert c.get(path.replace("{budget_id}", "999999999")).status_code == 404


def check_budget_write(route: str, c: Any, scope: Any, universe: Any) -> None:
    """Saving and revising: institution staff only, on their own institution's budgets; nothing else writes."""
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")
    if c.mode == "token" and not is_api and who.role != "public":
        return  # pages are used with a cookie; their API twins are checked with tokens
    body = {"name": "matrix", "attached_kind": "procedure", "attached_ref": "JJG 0", "model": SMALL_MODEL}
    form = {"name": "matrix", "attached_kind": "procedure", "attached_ref": "JJG 0",
            "model_json": json.dumps(SMALL_MODEL)}
    if "{budget_id}" not in path:
        if who.role == "institution":
            return  # allowed; exercised in tests/uncertainty_budgets/test_budgets_issue3.py
        before = _count()
        r = c.send(method, path, json=body) if is_api else c.send(method, path, data=form)
        assert r.status_code == (401 if who.role == "public" else 403), (route, c.role, c.mode, r.status_code)
        assert _count() == before
        return
    for label, (bid, region, org) in targets().items():
        url = path.replace("{budget_id}", str(bid))
        if who.role == "institution" and org == who.organisation_id:
            continue  # allowed; revisions are exercised in test_budgets_issue3
        before = _count()
        r = c.send(method, url, json={"name": "tampered"}) if is_api else c.send(method, url, data=form)
        if who.role == "public":
            expected = 401
        elif not sees_budget(who, region, org):
            expected = 404
        else:
            expected = 403
        assert r.status_code == expected, (route, c.role, c.mode, label, r.status_code, r.text[:200])
        assert _count() == before


CHECKS_ISSUE3 = {
    "uncertainty_tool": check_uncertainty_tool,
    "budget_list": check_budget_list,
    "budget_detail": check_budget_detail,
    "budget_write": check_budget_write,
}
