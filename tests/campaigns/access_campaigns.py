"""Issue 7 part 2: access checks of inspection campaigns for the issue-2 access matrix.

``ROUTES_CAMPAIGNS`` maps every route of :mod:`jiliang.campaigns` to a class; ``CHECKS_CAMPAIGNS`` holds one
check per class (signature ``(route, caller, scope, universe)`` as in tests/platform/test_access_matrix_issue2.py).
Expected visibility is written from the rules, independently of ``jiliang.platform.access``:

* a campaign: administrators; regulators whose region prefix covers the campaign's region; an enterprise or
  institution with an *inspected* task in it; everyone once published (results page and draw only);
* a task, its checklist, findings and evidence: administrators, regulators of the task's region (the inspected
  entity's), the inspected organisation itself once inspected; never the public;
* the inspector pool: regulators (their region) and administrators only;
* every write by someone who does not manage the campaign: 401 (public), 404 (cannot see it), 403 (can see it);
  nothing is written (audit log unchanged).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from tests.platform.scope_issue2 import Scope, Who, scalar

_FIXTURE: dict[str, Any] = {}
PUBLIC_CLASS = "campaign_public"
CLASS = "campaign"

ROUTES_CAMPAIGNS: dict[str, str] = {
    "GET /api/v1/campaign-checklists": PUBLIC_CLASS,
    "GET /api/v1/public/campaigns": PUBLIC_CLASS,
    "GET /api/v1/public/campaigns/{campaign_id}": PUBLIC_CLASS,
    "GET /api/v1/public/campaigns/{campaign_id}/draw": PUBLIC_CLASS,
    "POST /api/v1/public/campaign-draws/verify": PUBLIC_CLASS,
    "GET /public/campaigns": PUBLIC_CLASS,
    "GET /public/campaigns/{campaign_id}": PUBLIC_CLASS,
    "GET /public/campaigns/{campaign_id}/draw": PUBLIC_CLASS,
    "GET /api/v1/campaigns": CLASS,
    "GET /campaigns": CLASS,
    "GET /api/v1/campaigns/{campaign_id}": CLASS,
    "GET /campaigns/{campaign_id}": CLASS,
    "GET /api/v1/campaigns/{campaign_id}/selection": CLASS,
    "GET /campaigns/{campaign_id}/draw": CLASS,
    "GET /api/v1/campaigns/{campaign_id}/tasks": CLASS,
    "GET /api/v1/campaign-tasks/{task_id}": CLASS,
    "GET /campaign-tasks/{task_id}": CLASS,
    "GET /api/v1/campaign-tasks/{task_id}/evidence/{sha256}": CLASS,
    "GET /api/v1/campaign-findings/{finding_id}": CLASS,
    "GET /campaigns/new": CLASS,
    "GET /campaign-inspectors": CLASS,
    "GET /api/v1/campaign-inspectors": CLASS,
    "POST /api/v1/campaigns": CLASS,
    "POST /campaigns/new": CLASS,
    "POST /api/v1/campaign-inspectors": CLASS,
    "POST /campaign-inspectors": CLASS,
    "PATCH /api/v1/campaigns/{campaign_id}": CLASS,
    "POST /campaigns/{campaign_id}/publish": CLASS,
    "POST /api/v1/campaigns/{campaign_id}/selection": CLASS,
    "POST /campaigns/{campaign_id}/select": CLASS,
    "PUT /api/v1/campaign-tasks/{task_id}/inspection": CLASS,
    "POST /campaign-tasks/{task_id}/inspection": CLASS,
    "POST /api/v1/campaign-tasks/{task_id}/findings": CLASS,
    "POST /campaign-tasks/{task_id}/findings": CLASS,
    "POST /api/v1/campaign-tasks/{task_id}/evidence": CLASS,
    "PATCH /api/v1/campaign-findings/{finding_id}": CLASS,
    "POST /campaign-findings/{finding_id}/follow-up": CLASS,
}


def fixture(scope: Scope) -> dict[str, Any]:
    """Campaigns made through the services: Hangzhou-area (own enterprise inspected, a finding with evidence),
    Jiangsu (the Jiangsu enterprise inspected), Ningbo (all inspected, published), and a planned one."""
    if _FIXTURE:
        return _FIXTURE
    from jiliang.campaigns import service
    from jiliang.campaigns.schemas import (
        CampaignCreate,
        CampaignUpdate,
        FindingCreate,
        InspectionRecord,
        InspectorCreate,
    )
    from jiliang.platform.access import SYSTEM

    for region in ("330000", "320000"):
        for i in range(3):
            service.add_inspector(
                principal=SYSTEM,
                data=InspectorCreate(
                    region_code=region, name=f"矩阵检查员{region}{i}", badge_no=f"MX-{region}-{i}"
                ),
            )

    def make(key: str, labels: list[str], inspect_all: bool = False, publish: bool = False) -> None:
        counties = sorted({scope.orgs[lb]["region_code"] for lb in labels})
        region = counties[0][:4] + "00"
        c = service.create_campaign(
            principal=SYSTEM,
            data=CampaignCreate(
                title=f"矩阵双随机检查 {key}",
                campaign_type="unit_usage",
                region_code=region,
                starts_on=dt.date(2026, 11, 1),
                ends_on=dt.date(2026, 12, 31),
                sample_fraction=1.0,
                scope_counties=counties,
                note="access matrix",
            ),
        )
        service.select_entities(principal=SYSTEM, campaign_id=c.id, seed=4242)
        tasks = service.list_tasks(principal=SYSTEM, campaign_id=c.id)
        wanted = {scope.orgs[lb]["id"] for lb in labels}
        rows = []
        for t in tasks:
            row = {
                "id": t.id,
                "org": t.enterprise_id,
                "region": t.region_code,
                "inspected": False,
                "finding": None,
                "sha": None,
            }
            if inspect_all or t.enterprise_id in wanted:
                service.record_inspection(
                    principal=SYSTEM,
                    task_id=t.id,
                    data=InspectionRecord.model_validate(
                        {"inspected_on": "2026-11-10", "items": [{"code": "price_tags", "result": "fail"}]}
                    ),
                )
                payload = f"evidence {key} {t.id}".encode()
                ev = service.upload_evidence(
                    principal=SYSTEM, task_id=t.id, content=payload, file_name="e.txt"
                )
                f = service.add_finding(
                    principal=SYSTEM,
                    task_id=t.id,
                    data=FindingCreate(
                        severity="minor",
                        category="unit_usage",
                        description=f"矩阵问题 {key}",
                        evidence_sha256=[ev.sha256],
                        rectification_deadline=dt.date(2026, 12, 31),
                    ),
                )
                row.update(inspected=True, finding=f.id, sha=hashlib.sha256(payload).hexdigest())
            rows.append(row)
        if publish:
            service.update_campaign(principal=SYSTEM, campaign_id=c.id, data=CampaignUpdate(published=True))
        # keep the labelled tasks and at most one pending task (enough to check every rule)
        keep = [r for r in rows if r["inspected"] and r["org"] in wanted] + [
            r for r in rows if not r["inspected"]
        ][:1]
        _FIXTURE[key] = {
            "id": c.id,
            "region": region,
            "published": publish,
            "tasks": keep,
            "inspected_orgs": {r["org"] for r in rows if r["inspected"]},
            "drawn": True,
        }

    make("hz", ["own_enterprise", "hz_other_enterprise"])
    make("js", ["js_enterprise"])
    make("pub", ["nb_enterprise"], inspect_all=True, publish=True)
    planned = service.create_campaign(
        principal=SYSTEM,
        data=CampaignCreate(
            title="矩阵计划（未抽取）",
            campaign_type="market",
            region_code="330100",
            starts_on=dt.date(2026, 11, 1),
            ends_on=dt.date(2026, 12, 31),
            sample_size=1,
        ),
    )
    _FIXTURE["planned"] = {
        "id": planned.id,
        "region": "330100",
        "published": False,
        "tasks": [],
        "inspected_orgs": set(),
        "drawn": False,
    }
    return _FIXTURE


def _prefix(who: Who) -> str:
    return who.region_prefix() or "-"


def sees_campaign(who: Who, c: dict[str, Any]) -> bool:
    if who.role == "admin" or c["published"]:
        return True
    if who.role == "regulator":
        return c["region"].startswith(_prefix(who))
    if who.role in ("enterprise", "institution"):
        return who.organisation_id in c["inspected_orgs"]
    return False


def manages(who: Who, c: dict[str, Any]) -> bool:
    return who.role == "admin" or (who.role == "regulator" and c["region"].startswith(_prefix(who)))


def sees_task(who: Who, t: dict[str, Any]) -> bool:
    if who.role == "admin":
        return True
    if who.role == "regulator":
        return t["region"].startswith(_prefix(who))
    if who.role in ("enterprise", "institution"):
        return t["inspected"] and t["org"] == who.organisation_id
    return False


def _audit() -> int:
    return int(scalar("SELECT count(*) FROM audit_log"))


def _denied_to_public(r: Any, url: str, method: str = "GET") -> None:
    if url.startswith("/api/") or method != "GET":
        assert r.status_code == 401, (url, r.status_code, r.text[:200])
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)


def _fill(path: str, **ids: Any) -> str:
    for k, v in ids.items():
        path = path.replace("{" + k + "}", str(v))
    return path


# ----------------------------------------------------------------------------------------------------
# public routes: anyone; only published campaigns, no person, no penalty, no finding text
# ----------------------------------------------------------------------------------------------------
def check_campaign_public(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    if path == "/api/v1/campaign-checklists":
        r = c.get(path)
        assert r.status_code == 200 and {t["code"] for t in r.json()["templates"]} >= {
            "fuel_dispenser",
            "market_scale",
        }
        return
    if path in ("/api/v1/public/campaigns", "/public/campaigns"):
        r = c.get(path + ("?limit=500" if path.startswith("/api/") else ""))
        assert r.status_code == 200
        ids = {v["id"] for v in fx.values()}
        seen = (
            {i["id"] for i in r.json()["items"]}
            if path.startswith("/api/")
            else {int(x) for x in re.findall(r'href="/public/campaigns/(\d+)"', r.text)}
        )
        assert seen & ids == {fx["pub"]["id"]}, (route, c.role, seen & ids)
        return
    if method == "POST":  # the verify endpoint: anyone, stores nothing
        draw = c.get(f"/api/v1/public/campaigns/{fx['pub']['id']}/draw").json()
        before = _audit()
        r = c.send("POST", path, json={k: draw[k] for k in ("selection", "entities", "inspectors")})
        assert r.status_code == 200 and r.json()["reproduced"] is True, (
            c.role,
            c.mode,
            r.status_code,
            r.text[:200],
        )
        assert _audit() == before
        return
    for key, camp in fx.items():
        r = c.get(_fill(path, campaign_id=camp["id"]))
        if not camp["published"]:
            assert r.status_code == 404, (route, c.role, key, r.status_code)
            continue
        assert r.status_code == 200, (route, c.role, key, r.status_code)
        if not path.endswith("/draw"):
            org = scope.orgs["nb_enterprise"]
            assert org["name"] in r.text
            for secret in (
                org["credit_code"],
                "矩阵检查员",
                "MX-33",
                "矩阵问题",
                "access matrix",
                "evidence",
            ):
                assert secret not in r.text, (route, secret)
        else:
            assert "矩阵检查员" not in r.text and "MX-" not in r.text


# ----------------------------------------------------------------------------------------------------
# logged-in routes
# ----------------------------------------------------------------------------------------------------
def check_campaign(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    who = c.who
    is_api = path.startswith("/api/")
    if method != "GET":
        if c.mode == "token" and not is_api and who.role != "public":
            return  # pages are used with a cookie; their API twins are checked with tokens
        _check_write(route, c, scope, fx)
        return
    if path in ("/api/v1/campaigns", "/campaigns"):
        r = c.get(path + ("?limit=500" if is_api else ""))
        if who.role == "public":
            _denied_to_public(r, path)
            return
        assert r.status_code == 200, (route, c.role, r.status_code)
        seen = (
            {i["id"] for i in r.json()["items"]}
            if is_api
            else {int(x) for x in re.findall(r'href="/campaigns/(\d+)"', r.text)}
        )
        expected = {v["id"] for v in fx.values() if sees_campaign(who, v)}
        assert seen & {v["id"] for v in fx.values()} == expected, (route, c.role, c.mode, seen, expected)
        return
    if path in ("/campaigns/new", "/campaign-inspectors", "/api/v1/campaign-inspectors"):
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
            return
        assert r.status_code == (200 if who.role in ("regulator", "admin") else 403), (
            route,
            c.role,
            r.status_code,
        )
        if path == "/api/v1/campaign-inspectors" and who.role == "regulator":
            assert all(i["region_code"].startswith(_prefix(who)) for i in r.json())
        return
    if "{campaign_id}" in path:
        for key, camp in fx.items():
            url = _fill(path, campaign_id=camp["id"])
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
                continue
            if not sees_campaign(who, camp):
                assert r.status_code == 404, (route, c.role, c.mode, key, r.status_code)
                continue
            if path.endswith(("/selection", "/draw")):
                if not camp["drawn"]:
                    assert r.status_code in (403, 404), (route, c.role, key, r.status_code)
                elif camp["published"] or manages(who, camp):
                    assert r.status_code == 200, (route, c.role, key, r.status_code)
                else:
                    assert r.status_code == 403, (route, c.role, key, r.status_code)
                continue
            assert r.status_code == 200, (route, c.role, c.mode, key, r.status_code, r.text[:200])
            for t in camp["tasks"]:
                if path.endswith("/tasks"):
                    assert (t["id"] in {x["id"] for x in r.json()}) == sees_task(who, t), (
                        route,
                        c.role,
                        key,
                        t,
                    )
                elif not is_api:
                    assert (f'href="/campaign-tasks/{t["id"]}"' in r.text) == sees_task(who, t), (
                        route,
                        c.role,
                        key,
                    )
        if who.role != "public":
            assert c.get(_fill(path, campaign_id=999_999_999)).status_code == 404
        return
    # task-level reads
    for key, camp in fx.items():
        for t in camp["tasks"]:
            if "{finding_id}" in path:
                if t["finding"] is None:
                    continue
                url = _fill(path, finding_id=t["finding"])
            elif "{sha256}" in path:
                if t["sha"] is None:
                    continue
                url = _fill(path, task_id=t["id"], sha256=t["sha"])
            else:
                url = _fill(path, task_id=t["id"])
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
                continue
            if sees_task(who, t):
                assert r.status_code == 200, (route, c.role, key, t, r.status_code)
            else:
                assert r.status_code == 404, (route, c.role, c.mode, key, t, r.status_code)
                assert "矩阵问题" not in r.text
    if who.role != "public":
        assert (
            c.get(_fill(path, task_id=999_999_999, finding_id=999_999_999, sha256="0" * 64)).status_code
            == 404
        )


def _check_write(route: str, c: Any, scope: Scope, fx: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")

    def send(url: str, payload: dict[str, Any]) -> Any:
        if is_api:
            return c.send(method, url, json=payload)
        return c.send(method, url, data={k: str(v) for k, v in payload.items()})

    def expect(r: Any, visible: bool, key: str) -> None:
        expected = 401 if who.role == "public" else (403 if visible else 404)
        assert r.status_code == expected, (route, c.role, c.mode, key, r.status_code, r.text[:200])

    if path in ("/api/v1/campaigns", "/campaigns/new", "/api/v1/campaign-inspectors", "/campaign-inspectors"):
        for region in ("330100", "320000"):
            if who.role == "admin" or (who.role == "regulator" and region.startswith(_prefix(who))):
                continue  # allowed; exercised in the workflow tests
            before = _audit()
            if "inspectors" in path:
                payload: dict[str, Any] = {"region_code": region, "name": "access test"}
            else:
                payload = {
                    "title": "access test",
                    "campaign_type": "market",
                    "region_code": region,
                    "starts_on": "2026-11-01",
                    "ends_on": "2026-11-30",
                    "sample_size": 1,
                }
            r = send(path, payload)
            assert r.status_code == (401 if who.role == "public" else 403), (
                route,
                c.role,
                c.mode,
                region,
                r.status_code,
            )
            assert _audit() == before
        return
    for key, camp in fx.items():
        if manages(who, camp):
            continue
        before = _audit()
        if "{campaign_id}" in path:
            url = _fill(path, campaign_id=camp["id"])
            if path.endswith(("/selection", "/select")):
                r = send(url, {"seed": "1"})
            elif is_api:
                r = send(url, {"published": not camp["published"]})
            else:
                r = send(url, {"published": "0" if camp["published"] else "1"})
            expect(r, sees_campaign(who, camp), key)
        else:
            for t in camp["tasks"]:
                if "{finding_id}" in path:
                    if t["finding"] is None:
                        continue
                    r = send(
                        _fill(path, finding_id=t["finding"]), {"status": "closed", "note": "access test"}
                    )
                elif path.endswith("/inspection"):
                    r = send(
                        _fill(path, task_id=t["id"]),
                        {"inspected_on": "2026-11-11"}
                        if is_api
                        else {"inspected_on": "2026-11-11", "item_price_tags": "pass"},
                    )
                elif path.endswith("/evidence"):
                    r = c.send(
                        method,
                        _fill(path, task_id=t["id"]),
                        files={"file": ("x.txt", b"access", "text/plain")},
                    )
                else:
                    r = send(
                        _fill(path, task_id=t["id"]),
                        {"severity": "minor", "category": "other", "description": "access test"},
                    )
                if is_api and path.endswith("/inspection") and sees_task(who, t) and who.role != "public":
                    assert r.status_code in (403, 422), (
                        route,
                        c.role,
                        key,
                        r.status_code,
                    )  # body checked first
                else:
                    expect(r, sees_task(who, t), key)
        assert _audit() == before, (route, c.role, key)


CHECKS_CAMPAIGNS = {PUBLIC_CLASS: check_campaign_public, CLASS: check_campaign}
