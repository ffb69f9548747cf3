"""Issue 4: access checks of the unit tools and unit-usage inspections, for the issue-2 access matrix.

``tests/platform/test_access_matrix_issue2.py`` lists every route; the routes of
``jiliang.unit_inspections`` carry the classes ``units_tool`` and ``unit_inspection`` whose checks live
here. Expected visibility is written from the rules, independently of ``jiliang.platform.access``:

* an inspection: administrators; regulators whose region prefix covers the inspection's region; an
  enterprise with a checked document in it; everyone once published (header only);
* a document, its findings and a follow-up: administrators, regulators of the region, the enterprise
  itself; never the public, never a technical institution (they take no part in these inspections).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from tests.platform.scope_issue2 import Scope, Who, scalar

_FIXTURE: dict[str, Any] = {}

TEXTS = {
    "own_enterprise": "本店猪肉每斤12元，5斤起售。",
    "hz_other_enterprise": "大米10斤装，土地3亩。",
    "js_enterprise": "布料宽3英尺，重2磅。",
    "nb_enterprise": "空调1.5匹，冰箱200升。",
}


def fixture(scope: Scope) -> dict[str, Any]:
    """Three inspections made through the services: Hangzhou (two enterprises, one follow-up), Jiangsu, and a
    published provincial one (Ningbo enterprise)."""
    if _FIXTURE:
        return _FIXTURE
    import datetime as dt

    from jiliang.platform.access import SYSTEM
    from jiliang.unit_inspections import service
    from jiliang.unit_inspections.schemas import FollowUpUpdate, InspectionCreate, InspectionUpdate

    def make(title: str, region: str, labels: list[str], publish: bool = False) -> dict[str, Any]:
        insp = service.create_inspection(
            principal=SYSTEM,
            data=InspectionCreate(
                title=title,
                region_code=region,
                starts_on=dt.date(2026, 10, 1),
                ends_on=dt.date(2026, 10, 31),
                note="access matrix",
            ),
        )
        docs = {}
        for label in labels:
            org = scope.orgs[label]
            doc = service.add_document(
                principal=SYSTEM,
                inspection_id=insp.id,
                enterprise_id=org["id"],
                kind="listing",
                title=f"价签 {label}",
                document=service.read_text(TEXTS[label]),
                raw=TEXTS[label].encode(),
            )
            docs[label] = doc.id
        if publish:
            service.update_inspection(
                principal=SYSTEM, inspection_id=insp.id, data=InspectionUpdate(published=True)
            )
        return {"id": insp.id, "region": region, "docs": docs, "published": publish}

    _FIXTURE["hz"] = make(
        "杭州市计量单位使用专项检查（矩阵）", "330100", ["own_enterprise", "hz_other_enterprise"]
    )
    _FIXTURE["js"] = make("江苏省计量单位使用专项检查（矩阵）", "320000", ["js_enterprise"])
    _FIXTURE["pub"] = make(
        "浙江省计量单位使用专项检查（矩阵，已公布）", "330000", ["nb_enterprise"], publish=True
    )
    service.set_follow_up(
        principal=SYSTEM,
        inspection_id=_FIXTURE["hz"]["id"],
        enterprise_id=scope.orgs["own_enterprise"]["id"],
        data=FollowUpUpdate(deadline=dt.date(2026, 12, 31), status="open", note="限期整改"),
    )
    return _FIXTURE


def sees_inspection(who: Who, insp: dict[str, Any], scope: Scope) -> bool:
    if who.role == "admin" or insp["published"]:
        return True
    if who.role == "regulator":
        return insp["region"].startswith(who.region_prefix() or "-")
    if who.role == "enterprise":
        return any(scope.orgs[label]["id"] == who.organisation_id for label in insp["docs"])
    return False


def sees_document(who: Who, insp: dict[str, Any], label: str, scope: Scope) -> bool:
    if who.role == "admin":
        return True
    if who.role == "regulator":
        return insp["region"].startswith(who.region_prefix() or "-")
    if who.role == "enterprise":
        return scope.orgs[label]["id"] == who.organisation_id
    return False


def manages(who: Who, insp: dict[str, Any]) -> bool:
    return who.role == "admin" or (
        who.role == "regulator" and insp["region"].startswith(who.region_prefix() or "-")
    )


def _denied_to_public(r: Any, url: str, method: str = "GET") -> None:
    if url.startswith("/api/") or method != "GET":
        assert r.status_code == 401, (url, r.status_code, r.text[:200])
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)


def _count(sql: str, **params: Any) -> int:
    return int(scalar(sql, **params))


def _state(insp_id: int) -> tuple[Any, ...]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        row = conn.execute(
            text("SELECT title, published, note FROM unit_inspections WHERE id = :i"), {"i": insp_id}
        ).one()
        docs = conn.execute(
            text("SELECT count(*) FROM unit_inspection_documents WHERE inspection_id = :i"), {"i": insp_id}
        ).scalar_one()
        fus = conn.execute(
            text(
                "SELECT enterprise_id, status, note, deadline FROM unit_inspection_follow_ups "
                "WHERE inspection_id = :i ORDER BY enterprise_id"
            ),
            {"i": insp_id},
        ).all()
    return (tuple(row), docs, tuple(tuple(f) for f in fus))


# ----------------------------------------------------------------------------------------------------
# the public tools: anyone, any face, 200
# ----------------------------------------------------------------------------------------------------
def check_units_tool(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    if route == "GET /api/v1/units/convert":
        r = c.get("/api/v1/units/convert?value=5&from=%E6%96%A4&to=kg")
        assert r.status_code == 200, (c.role, c.mode, r.text[:200])
        assert r.json()["result"] == 2.5
    elif route == "GET /api/v1/units/{expression:path}":
        r = c.get("/api/v1/units/km/h")
        assert r.status_code == 200, (c.role, c.mode, r.text[:200])
        assert r.json()["symbol"]["zh"] == "千米/时"
    elif route == "POST /api/v1/units/check":
        r = c.send("POST", path, json={"text": "猪肉5斤"})
        assert r.status_code == 200, (c.role, c.mode, r.status_code, r.text[:200])
        assert [f["message"] for f in r.json()["findings"]] == ["5斤 → 2.5 kg"]
    elif route == "POST /tools/units":
        before = _count("SELECT count(*) FROM audit_log")
        r = c.send("POST", path, data={"text": "猪肉5斤"})
        assert r.status_code == 200, (c.role, c.mode, r.status_code, r.text[:200])
        assert "<mark" in r.text and "5斤 → 2.5 kg" in r.text
        assert _count("SELECT count(*) FROM audit_log") == before  # the tools store nothing
    else:  # pragma: no cover
        raise AssertionError(f"no units_tool check for {route}")


# ----------------------------------------------------------------------------------------------------
# the inspections
# ----------------------------------------------------------------------------------------------------
def _fill(path: str, insp_id: int, doc_id: int | None = None, enterprise_id: int | None = None) -> str:
    url = path.replace("{inspection_id}", str(insp_id))
    if doc_id is not None:
        url = url.replace("{document_id}", str(doc_id))
    if enterprise_id is not None:
        url = url.replace("{enterprise_id}", str(enterprise_id))
    return url


def check_unit_inspection(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    who = c.who
    is_api = path.startswith("/api/")
    ids = {key: v["id"] for key, v in fx.items()}
    if method != "GET":
        if c.mode == "token" and not is_api and who.role != "public":
            return  # pages are used with a cookie; their API twins are checked with tokens
        _check_write(route, c, scope, fx)
        return
    if path in ("/api/v1/unit-inspections", "/unit-inspections"):
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
            return
        assert r.status_code == 200, (route, c.role, r.status_code)
        if is_api:
            seen = {i["id"] for i in r.json()["items"]}
        else:
            seen = {int(x) for x in re.findall(r'href="/unit-inspections/(\d+)"', r.text)}
        expected = {v["id"] for v in fx.values() if sees_inspection(who, v, scope)}
        assert seen & set(ids.values()) == expected, (route, c.role, c.mode, seen, expected)
    elif path in ("/api/v1/public/unit-inspections", "/public/unit-inspections"):
        r = c.get(path)
        assert r.status_code == 200
        seen = (
            {i["id"] for i in r.json()["items"]}
            if is_api
            else {int(x) for x in re.findall(r'href="/public/unit-inspections/(\d+)"', r.text)}
        )
        assert seen & set(ids.values()) == {fx["pub"]["id"]}
    elif path in (
        "/api/v1/public/unit-inspections/{inspection_id}",
        "/public/unit-inspections/{inspection_id}",
    ):
        for key, insp in fx.items():
            r = c.get(_fill(path, insp["id"]))
            if not insp["published"]:
                assert r.status_code == 404, (route, c.role, key, r.status_code)
                continue
            assert r.status_code == 200, (route, c.role, key, r.status_code)
            org = scope.orgs["nb_enterprise"]
            assert org["name"] in r.text
            for secret in (
                org["credit_code"],
                TEXTS["nb_enterprise"],
                "1.5匹",
                "access matrix",
                "enterprise_id",
            ):
                assert secret not in r.text, (route, secret)
    elif path in ("/unit-inspections/new",):
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        else:
            assert r.status_code == (200 if who.role in ("regulator", "admin") else 403), (
                c.role,
                r.status_code,
            )
    elif path in (
        "/api/v1/unit-inspections/{inspection_id}",
        "/unit-inspections/{inspection_id}",
        "/api/v1/unit-inspections/{inspection_id}/documents",
        "/unit-inspections/{inspection_id}/documents/new",
    ):
        for key, insp in fx.items():
            url = _fill(path, insp["id"])
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
                continue
            if not sees_inspection(who, insp, scope):
                assert r.status_code == 404, (route, c.role, c.mode, key, r.status_code)
                for label in insp["docs"]:
                    assert scope.orgs[label]["name"] not in r.text
                continue
            if path.endswith("/documents/new"):
                assert r.status_code == (200 if manages(who, insp) else 403), (
                    route,
                    c.role,
                    key,
                    r.status_code,
                )
                continue
            assert r.status_code == 200, (route, c.role, c.mode, key, r.status_code, r.text[:200])
            for label, doc_id in insp["docs"].items():
                if path.endswith("/documents"):
                    assert (doc_id in {d["id"] for d in r.json()}) == sees_document(who, insp, label, scope)
                else:
                    shown = scope.orgs[label]["name"] in r.text
                    assert shown == sees_document(who, insp, label, scope), (route, c.role, key, label)
        if who.role != "public":
            assert c.get(_fill(path, 999_999_999)).status_code == 404
    elif path in (
        "/api/v1/unit-inspections/{inspection_id}/documents/{document_id}",
        "/unit-inspections/{inspection_id}/documents/{document_id}",
    ):
        for key, insp in fx.items():
            for label, doc_id in insp["docs"].items():
                url = _fill(path, insp["id"], doc_id)
                r = c.get(url)
                if who.role == "public":
                    _denied_to_public(r, url)
                    continue
                if sees_document(who, insp, label, scope):
                    assert r.status_code == 200, (route, c.role, key, label, r.status_code)
                    assert "<mark" in r.text or is_api
                    if is_api:
                        assert r.json()["findings"] and r.json()["enterprise_id"] == scope.orgs[label]["id"]
                else:
                    assert r.status_code == 404, (route, c.role, c.mode, key, label, r.status_code)
                    assert TEXTS[label] not in r.text
        # a document asked for under another inspection is not found
        if who.role == "admin":
            assert c.get(_fill(path, fx["js"]["id"], fx["hz"]["docs"]["own_enterprise"])).status_code == 404
    elif path == "/unit-inspections/{inspection_id}/follow-ups/{enterprise_id}":
        insp = fx["hz"]
        for label in insp["docs"]:
            url = _fill(path, insp["id"], enterprise_id=scope.orgs[label]["id"])
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
            elif sees_document(who, insp, label, scope):
                assert r.status_code == 200, (route, c.role, label, r.status_code)
            else:
                assert r.status_code == 404, (route, c.role, c.mode, label, r.status_code)
    else:  # pragma: no cover
        raise AssertionError(f"no unit_inspection check for {route}")


def _check_write(route: str, c: Any, scope: Scope, fx: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")

    def send(url: str, payload: dict[str, Any]) -> Any:
        if is_api:
            return c.send(method, url, json=payload)
        return c.send(method, url, data={k: str(v) for k, v in payload.items()})

    if path in ("/api/v1/unit-inspections", "/unit-inspections/new"):
        for region in ("330100", "320000"):
            allowed = who.role == "admin" or (
                who.role == "regulator" and region.startswith(who.region_prefix() or "-")
            )
            if allowed:
                continue  # creating is exercised in test_unit_inspections_issue4
            n = _count("SELECT count(*) FROM unit_inspections")
            r = send(
                path,
                {
                    "title": "access test",
                    "region_code": region,
                    "starts_on": "2026-11-01",
                    "ends_on": "2026-11-30",
                },
            )
            assert r.status_code == (401 if who.role == "public" else 403), (
                route,
                c.role,
                c.mode,
                region,
                r.status_code,
            )
            assert _count("SELECT count(*) FROM unit_inspections") == n
        return
    for key, insp in fx.items():
        if manages(who, insp):
            continue  # allowed; the workflow tests exercise it
        before = _state(insp["id"])
        audit_before = _count("SELECT count(*) FROM audit_log")
        if path in ("/api/v1/unit-inspections/{inspection_id}", "/unit-inspections/{inspection_id}/publish"):
            r = send(
                _fill(path, insp["id"]),
                {"published": not insp["published"]}
                if is_api
                else {"published": "0" if insp["published"] else "1"},
            )
        elif path in (
            "/api/v1/unit-inspections/{inspection_id}/documents",
            "/unit-inspections/{inspection_id}/documents/new",
        ):
            label = next(iter(insp["docs"]))
            r = send(
                _fill(path, insp["id"]),
                {
                    "enterprise_id": scope.orgs[label]["id"],
                    "kind": "listing",
                    "title": "access",
                    "text": "5斤",
                },
            )
        elif path in (
            "/api/v1/unit-inspections/{inspection_id}/follow-ups/{enterprise_id}",
            "/unit-inspections/{inspection_id}/follow-ups/{enterprise_id}",
        ):
            label = next(iter(insp["docs"]))
            r = send(
                _fill(path, insp["id"], enterprise_id=scope.orgs[label]["id"]),
                {"status": "closed", "note": "access test"},
            )
        else:  # pragma: no cover
            raise AssertionError(f"no write check for {route}")
        if who.role == "public":
            expected = 401
        elif not sees_inspection(who, insp, scope):
            expected = 404
        elif (
            who.role == "enterprise"
            and "follow-ups" in path
            and not any(scope.orgs[lb]["id"] == who.organisation_id for lb in insp["docs"])
        ):
            expected = 404
        else:
            expected = 403
        assert r.status_code == expected, (route, c.role, c.mode, key, r.status_code, r.text[:200])
        assert _state(insp["id"]) == before, (route, c.role, key)
        assert _count("SELECT count(*) FROM audit_log") == audit_before


CHECKS_ISSUE4 = {"units_tool": check_units_tool, "unit_inspection": check_unit_inspection}
