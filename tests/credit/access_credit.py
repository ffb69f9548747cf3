"""Issue 7 part 3: access checks of honest metrology (诚信计量), for the issue-2 access matrix.

``ROUTES_CREDIT`` maps every route of ``jiliang.credit`` to a class; ``CHECKS_CREDIT`` holds the checks.
Expected visibility is written from the rules (plain GB/T 2260 prefixes and owner ids, through
``Who.sees``), independently of ``jiliang.platform.access``:

* credit scores and factors: administrators; regulators of the enterprise's region or above; the
  enterprise itself; technical institutions are refused (403); the public is sent to log in;
* declarations: everyone once published; else the enterprise itself and regulators of its region;
  institutions see only published ones (they take no part in honest metrology);
* model units: the public list holds active published designations;
* writes: only the enterprise changes its declarations; only regulators of the region (and
  administrators) refresh credit and designate or revoke model units; a refused write changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.platform.scope_issue2 import Scope, Who, scalar

ROUTES_CREDIT: dict[str, str] = {
    "GET /api/v1/credit/rules": "credit_public",
    "GET /api/v1/credit/templates": "credit_public",
    "GET /credit/rules": "credit_public",
    "GET /public/credit/commitments": "credit_public",
    "GET /public/credit/model-units": "credit_public",
    "GET /api/v1/credit/model-units": "credit_public",
    "GET /credit": "credit",
    "GET /api/v1/credit/enterprises": "credit",
    "GET /credit/enterprises/{enterprise_id}": "credit",
    "GET /api/v1/credit/enterprises/{enterprise_id}": "credit",
    "GET /credit/declarations": "credit",
    "GET /api/v1/credit/declarations": "credit",
    "GET /credit/declarations/{declaration_id}": "credit",
    "GET /api/v1/credit/declarations/{declaration_id}": "credit",
    "GET /credit/declarations/new": "credit",
    "GET /credit/model-units/new": "credit",
    "POST /credit/declarations/new": "credit",
    "POST /api/v1/credit/declarations": "credit",
    "POST /credit/declarations/{declaration_id}/status": "credit",
    "POST /api/v1/credit/declarations/{declaration_id}/publish": "credit",
    "POST /api/v1/credit/declarations/{declaration_id}/withdraw": "credit",
    "POST /credit/enterprises/{enterprise_id}/refresh": "credit",
    "POST /api/v1/credit/enterprises/{enterprise_id}/refresh": "credit",
    "POST /credit/refresh": "credit",
    "POST /api/v1/credit/refresh": "credit",
    "POST /credit/model-units/new": "credit",
    "POST /api/v1/credit/model-units": "credit",
    "POST /credit/model-units/{unit_id}/revoke": "credit",
    "POST /api/v1/credit/model-units/{unit_id}/revoke": "credit",
}

_FIXTURE: dict[str, Any] = {}
LABELS = ("own_enterprise", "hz_other_enterprise", "nb_enterprise", "js_enterprise")


def fixture(scope: Scope) -> dict[str, Any]:
    """Through the services (as SYSTEM): scores for the four scope enterprises; a draft declaration of the
    own enterprise and of the Jiangsu one, published declarations of the other Hangzhou and the Ningbo
    ones; an active model unit in Ningbo (a fresh, clean enterprise)."""
    if _FIXTURE:
        return _FIXTURE
    from jiliang.core.codes import make_credit_code
    from jiliang.credit import service
    from jiliang.credit.schemas import DeclarationCreate, ModelUnitCreate
    from jiliang.organisations import service as org_service
    from jiliang.organisations.schemas import OrganisationCreate
    from jiliang.platform.access import SYSTEM

    today = dt.date.today()
    for label in LABELS:
        service.refresh_enterprise(principal=SYSTEM, enterprise_id=scope.orgs[label]["id"])

    def declare(label: str, publish: bool) -> int:
        d = service.create_declaration(
            principal=SYSTEM,
            data=DeclarationCreate(
                template_id="honest-metrology-2026",
                items=["register_verify"],
                declared_on=today,
                valid_until=today + dt.timedelta(days=300),
                publish=publish,
                enterprise_id=scope.orgs[label]["id"],
            ),
        )
        return int(d.id)

    decls = {
        "own_draft": ("own_enterprise", declare("own_enterprise", False), False),
        "js_draft": ("js_enterprise", declare("js_enterprise", False), False),
        "hz_pub": ("hz_other_enterprise", declare("hz_other_enterprise", True), True),
        "nb_pub": ("nb_enterprise", declare("nb_enterprise", True), True),
    }
    n = 0
    while True:
        code = make_credit_code("330203", 66_000_000 + n)
        if scalar("SELECT count(*) FROM organisations WHERE credit_code = :c", c=code) == 0:
            break
        n += 1
    model = org_service.create_organisation(
        principal=SYSTEM,
        data=OrganisationCreate(
            kind="enterprise", name="诚信矩阵示范店", credit_code=code, region_code="330203"
        ),
    )
    unit = service.designate_model_unit(
        principal=SYSTEM, data=ModelUnitCreate(enterprise_id=model.id, designated_on=today)
    )
    _FIXTURE.update(decls=decls, model_org=model.id, unit=unit.id, unit_region="330203")
    return _FIXTURE


def _denied_to_public(r: Any, url: str, method: str = "GET") -> None:
    if url.startswith("/api/") or method != "GET":
        assert r.status_code == 401, (url, r.status_code, r.text[:200])
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)


def _sees_credit(who: Who, org: dict[str, Any]) -> bool:
    return who.role in ("admin", "regulator", "enterprise") and who.sees(org["region_code"], org["id"])


def _sees_declaration(who: Who, org: dict[str, Any], published: bool) -> bool:
    if published or who.role == "admin":
        return True
    return who.role in ("regulator", "enterprise") and who.sees(org["region_code"], org["id"])


def _regulates(who: Who, region: str) -> bool:
    return who.role == "admin" or (who.role == "regulator" and region.startswith(who.region_prefix() or "-"))


def _count(sql: str, **params: Any) -> int:
    return int(scalar(sql, **params))


def _state() -> tuple[int, ...]:
    return (
        _count("SELECT count(*) FROM audit_log"),
        _count("SELECT count(*) FROM credit_declarations"),
        _count("SELECT count(*) FROM credit_declarations WHERE status = 'published'"),
        _count("SELECT count(*) FROM credit_model_units"),
        _count("SELECT count(*) FROM credit_model_units WHERE revoked_on IS NOT NULL"),
        _count("SELECT count(*) FROM credit_scores"),
    )


# ----------------------------------------------------------------------------------------------------
# public
# ----------------------------------------------------------------------------------------------------
def check_credit_public(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    fx = fixture(scope)
    path = route.split(" ", 1)[1]
    r = c.get(path)
    assert r.status_code == 200, (route, c.role, c.mode, r.status_code, r.text[:200])
    if path == "/api/v1/credit/rules":
        assert r.json()["source_status"] == "local policy (unverified)"
    if path in ("/public/credit/model-units", "/api/v1/credit/model-units"):
        assert "诚信矩阵示范店" in r.text
        if path.startswith("/api/"):
            assert fx["unit"] in {i["id"] for i in r.json()["items"]}
    if path == "/public/credit/commitments":
        for key, (_label, did, published) in fx["decls"].items():
            if not published:
                # a draft is never listed (the enterprise may still appear through another, published one)
                assert f'/credit/declarations/{did}"' not in r.text, key
        assert f'/credit/declarations/{fx["decls"]["nb_pub"][1]}"' in r.text
    # no credit score or factor leaks to public pages
    assert "CR-VF" not in r.text or path in ("/api/v1/credit/rules", "/credit/rules")


# ----------------------------------------------------------------------------------------------------
# everything else
# ----------------------------------------------------------------------------------------------------
def check_credit(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    who = c.who
    is_api = path.startswith("/api/")
    if method != "GET":
        if c.mode == "token" and not is_api and who.role != "public":
            return  # pages are used with a cookie; their API twins are checked with tokens
        _check_write(route, c, scope, fx)
        return
    if path == "/credit":
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        elif who.role == "enterprise":
            assert (
                r.status_code == 303 and r.headers["location"] == f"/credit/enterprises/{who.organisation_id}"
            )
        elif who.role == "institution":
            assert r.status_code == 403
        else:
            assert r.status_code == 200, (c.role, r.status_code, r.text[:200])
            listed = {
                int(x)
                for x in re.findall(
                    r'href="/credit/enterprises/(\d+)"', r.text + c.get(path + "?offset=0").text
                )
            }
            for label in LABELS:
                org = scope.orgs[label]
                if not _sees_credit(who, org):
                    assert org["id"] not in listed and org["name"] not in r.text, (c.role, label)
    elif path == "/api/v1/credit/enterprises":
        r = c.get(path + "?limit=500")
        if who.role == "public":
            _denied_to_public(r, path)
            return
        if who.role == "institution":
            assert r.status_code == 403
            return
        assert r.status_code == 200, (c.role, r.text[:200])
        seen: set[int] = set()
        offset = 0
        while True:
            body = c.get(f"{path}?limit=500&offset={offset}").json()
            seen |= {i["enterprise_id"] for i in body["items"]}
            offset += 500
            if offset >= body["total"]:
                break
        for label in LABELS:
            org = scope.orgs[label]
            assert (org["id"] in seen) == _sees_credit(who, org), (c.role, c.mode, label)
        regions = dict(universe["orgs"])
        assert all(who.sees(regions[e][0], e) for e in seen), c.role
    elif path in ("/credit/enterprises/{enterprise_id}", "/api/v1/credit/enterprises/{enterprise_id}"):
        for label in LABELS:
            org = scope.orgs[label]
            url = path.replace("{enterprise_id}", str(org["id"]))
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
            elif who.role == "institution":
                assert r.status_code == 403, (c.role, label, r.status_code)
            elif _sees_credit(who, org):
                assert r.status_code == 200, (c.role, label, r.status_code, r.text[:200])
                if is_api:
                    assert r.json()["enterprise_id"] == org["id"]
            else:
                assert r.status_code == 404, (route, c.role, c.mode, label, r.status_code)
                assert org["name"] not in r.text
        if who.role in ("admin", "regulator", "enterprise"):
            assert c.get(path.replace("{enterprise_id}", "999999999")).status_code == 404
    elif path in ("/credit/declarations", "/api/v1/credit/declarations"):
        r = c.get(path + ("?limit=500" if is_api else ""))
        if who.role == "public" and not is_api:
            _denied_to_public(r, path)
            return
        assert r.status_code == 200, (c.role, r.status_code)
        if is_api:
            seen = {i["id"] for i in r.json()["items"]}
        else:
            seen = {int(x) for x in re.findall(r'href="/credit/declarations/(\d+)"', r.text)}
        for key, (label, did, published) in fx["decls"].items():
            expected = _sees_declaration(who, scope.orgs[label], published)
            if is_api or not expected:  # the page shows the 50 newest: check what must not be there
                assert (did in seen) == expected, (route, c.role, c.mode, key)
    elif path in ("/credit/declarations/{declaration_id}", "/api/v1/credit/declarations/{declaration_id}"):
        for key, (label, did, published) in fx["decls"].items():
            r = c.get(path.replace("{declaration_id}", str(did)))
            if _sees_declaration(who, scope.orgs[label], published):
                assert r.status_code == 200, (c.role, key, r.status_code)
                assert scope.orgs[label]["name"] in r.text
            else:
                assert r.status_code == 404, (route, c.role, c.mode, key, r.status_code)
                assert scope.orgs[label]["name"] not in r.text
    elif path == "/credit/declarations/new":
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        else:
            assert r.status_code == (200 if who.role == "enterprise" else 403), (c.role, r.status_code)
    elif path == "/credit/model-units/new":
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        else:
            assert r.status_code == (200 if who.role in ("regulator", "admin") else 403), (
                c.role,
                r.status_code,
            )
    else:  # pragma: no cover
        raise AssertionError(f"no credit check for {route}")


def _check_write(route: str, c: Any, scope: Scope, fx: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")
    today = dt.date.today().isoformat()

    def send(url: str, payload: dict[str, Any]) -> Any:
        if is_api:
            return c.send(method, url, json=payload)
        return c.send(method, url, data={k: str(v) for k, v in payload.items()})

    before = _state()
    if path in ("/credit/declarations/new", "/api/v1/credit/declarations"):
        if who.role == "enterprise" and not is_api:
            return  # allowed (its own); the form is exercised in test_pages_api_credit
        payload: dict[str, Any] = {
            "template_id": "honest-metrology-2026",
            "items": ["no_cheating"],
            "declared_on": today,
            "valid_until": "2027-06-30",
        }
        if is_api:
            other = (
                "own_enterprise"
                if who.organisation_id == scope.orgs["js_enterprise"]["id"]
                else "js_enterprise"
            )
            payload["enterprise_id"] = scope.orgs[other]["id"]  # someone else's
        r = send(path, payload)
        expected = 401 if who.role == "public" else 403
        if who.role == "admin" and is_api:
            expected = 201  # administrators may declare for an enterprise: allowed, then undone below
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
        if expected == 201:
            from jiliang.credit import service
            from jiliang.platform.access import SYSTEM

            service.set_declaration_status(
                principal=SYSTEM, declaration_id=r.json()["id"], status="withdrawn"
            )
            return
    elif "/declarations/{declaration_id}" in path:
        label, did, published = fx["decls"]["own_draft"]
        url = path.replace("{declaration_id}", str(did))
        org = scope.orgs[label]
        if who.role == "admin" or who.organisation_id == org["id"]:
            return  # allowed: the enterprise itself (exercised in test_credit_service)
        payload = {} if is_api else {"status": "published"}
        r = send(url, payload) if not is_api else c.send(method, url)
        if who.role == "public":
            expected = 401
        elif _sees_declaration(who, org, published):
            expected = 403
        else:
            expected = 404
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    elif "/enterprises/{enterprise_id}/refresh" in path:
        for label in LABELS:
            org = scope.orgs[label]
            if _regulates(who, org["region_code"]):
                continue  # allowed
            r = c.send(
                method, path.replace("{enterprise_id}", str(org["id"])), **({} if is_api else {"data": {}})
            )
            if who.role == "public":
                expected = 401
            elif who.role == "institution" or (who.role == "enterprise" and who.organisation_id == org["id"]):
                expected = 403
            else:
                expected = 404
            assert r.status_code == expected, (route, c.role, c.mode, label, r.status_code)
    elif path in ("/credit/refresh", "/api/v1/credit/refresh"):
        for region in ("330100", "330200", "320000"):
            if _regulates(who, region):
                continue
            r = send(path, {"region_code": region})
            assert r.status_code == (401 if who.role == "public" else 403), (
                route,
                c.role,
                region,
                r.status_code,
            )
    elif path in ("/credit/model-units/new", "/api/v1/credit/model-units"):
        for label in LABELS:
            org = scope.orgs[label]
            if _regulates(who, org["region_code"]):
                continue  # allowed (if grade A)
            r = send(path, {"enterprise_id": org["id"], "designated_on": today})
            if who.role == "public":
                expected = 401
            elif who.role in ("enterprise", "institution"):
                expected = 403
            else:
                expected = 404
            assert r.status_code == expected, (route, c.role, c.mode, label, r.status_code)
    elif "/model-units/{unit_id}/revoke" in path:
        if _regulates(who, fx["unit_region"]):
            return  # allowed
        r = send(path.replace("{unit_id}", str(fx["unit"])), {"revoked_on": today})
        assert r.status_code == (401 if who.role == "public" else 403), (route, c.role, c.mode, r.status_code)
    else:  # pragma: no cover
        raise AssertionError(f"no credit write check for {route}")
    assert _state() == before, (route, c.role, c.mode)


CHECKS_CREDIT = {"credit_public": check_credit_public, "credit": check_credit}
