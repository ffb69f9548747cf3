"""Issue 7: access checks of net-content inspections, their statistics and the C-mark register, for the
issue-2 access matrix (``tests/platform/test_access_matrix_issue2.py`` runs every route for 8 roles by token
and by cookie).

Expected visibility is written from the rules, independently of the service:

* an inspection record: administrators; regulators whose region prefix covers its region (every status);
  the producing or selling enterprise once it is signed off (never a draft); everyone once published;
  a technical institution reads what the public reads;
* changes (edit a draft, sign off, publish, correct): administrators and regulators of the region;
* statistics: regulators (their region only) and administrators;
* a C-mark declaration: the declaring enterprise, regulators of its region, administrators; the public list
  shows active declarations (name, region, products, date).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from tests.platform.scope_issue2 import Scope, Who, scalar

_FIXTURE: dict[str, Any] = {}

ROUTES_NETCONTENT: dict[str, str] = {
    "GET /public/netcontent-inspections": "netcontent_public",
    "GET /public/netcontent-inspections/{inspection_id}": "netcontent_public",
    "GET /api/v1/public/netcontent-inspections": "netcontent_public",
    "GET /api/v1/public/netcontent-inspections/{inspection_id}": "netcontent_public",
    "GET /public/cmark-declarations": "netcontent_public",
    "GET /api/v1/public/cmark-declarations": "netcontent_public",
    "GET /netcontent-inspections": "netcontent_inspection",
    "GET /api/v1/netcontent-inspections": "netcontent_inspection",
    "GET /netcontent-inspections/new": "netcontent_inspection",
    "POST /netcontent-inspections/new": "netcontent_inspection",
    "POST /api/v1/netcontent-inspections": "netcontent_inspection",
    "GET /netcontent-inspections/{inspection_id}": "netcontent_inspection",
    "GET /api/v1/netcontent-inspections/{inspection_id}": "netcontent_inspection",
    "GET /api/v1/netcontent-inspections/{inspection_id}/report.pdf": "netcontent_inspection",
    "GET /netcontent-inspections/{inspection_id}/edit": "netcontent_inspection",
    "POST /netcontent-inspections/{inspection_id}/edit": "netcontent_inspection",
    "PUT /api/v1/netcontent-inspections/{inspection_id}": "netcontent_inspection",
    "POST /netcontent-inspections/{inspection_id}/finalise": "netcontent_inspection",
    "POST /api/v1/netcontent-inspections/{inspection_id}/finalise": "netcontent_inspection",
    "POST /netcontent-inspections/{inspection_id}/publish": "netcontent_inspection",
    "POST /api/v1/netcontent-inspections/{inspection_id}/publish": "netcontent_inspection",
    "GET /netcontent-inspections/{inspection_id}/correct": "netcontent_inspection",
    "POST /netcontent-inspections/{inspection_id}/correct": "netcontent_inspection",
    "POST /api/v1/netcontent-inspections/{inspection_id}/revisions": "netcontent_inspection",
    "GET /netcontent-statistics": "netcontent_statistics",
    "GET /api/v1/netcontent-statistics": "netcontent_statistics",
    "GET /api/v1/netcontent-statistics/export": "netcontent_statistics",
    "GET /cmark-declarations": "cmark",
    "GET /api/v1/cmark-declarations": "cmark",
    "GET /cmark-declarations/new": "cmark",
    "POST /cmark-declarations/new": "cmark",
    "POST /api/v1/cmark-declarations": "cmark",
    "GET /api/v1/cmark-declarations/{declaration_id}": "cmark",
    "GET /cmark-declarations/{declaration_id}/edit": "cmark",
    "POST /cmark-declarations/{declaration_id}/edit": "cmark",
    "PATCH /api/v1/cmark-declarations/{declaration_id}": "cmark",
}

NET = ["501"] * 13
SECRET_INSPECTOR = "矩阵检查员甲"
SECRET_PLACE = "矩阵抽样地点"


def _body(region: str, producer: int | None, seller: int | None, name: str) -> dict[str, Any]:
    return {
        "product_name": name,
        "product_category": "food",
        "batch": "M-1",
        "producer_id": producer,
        "seller_id": seller,
        "region_code": region,
        "inspected_on": "2026-11-02",
        "place": SECRET_PLACE,
        "inspectors": [SECRET_INSPECTOR],
        "lot_size": 80,
        "kind": "mass",
        "nominal": "500",
        "unit": "g",
        "net": NET,
    }


def fixture(scope: Scope) -> dict[str, Any]:
    """Records made through the services: Hangzhou draft and signed-off (own enterprise's product), Hangzhou
    signed-off (another enterprise's), Jiangsu signed-off, Ningbo published; C-mark declarations."""
    if _FIXTURE:
        return _FIXTURE
    from jiliang.netcontent_inspections import service
    from jiliang.netcontent_inspections.schemas import CMarkIn, InspectionIn
    from jiliang.platform.access import SYSTEM

    def make(key: str, region: str, producer: str, status: str, seller: str | None = None) -> None:
        data = InspectionIn.model_validate(
            _body(
                region, scope.orgs[producer]["id"], scope.orgs[seller]["id"] if seller else None, f"矩阵{key}"
            )
        )
        obj = service.create_inspection(principal=SYSTEM, data=data)
        if status != "draft":
            service.finalise(principal=SYSTEM, inspection_id=obj.id)
        if status == "published":
            service.set_published(principal=SYSTEM, inspection_id=obj.id, published=True)
        _FIXTURE[key] = {
            "id": obj.id,
            "region": region,
            "orgs": {scope.orgs[producer]["id"]} | ({scope.orgs[seller]["id"]} if seller else set()),
            "status": status,
            "published": status == "published",
        }

    make("hz_draft", "330100", "own_enterprise", "draft")
    make("hz_final", "330100", "own_enterprise", "finalised")
    make("hz_sold", "330100", "hz_other_enterprise", "finalised", seller="own_enterprise")
    make("hz_other", "330100", "hz_other_enterprise", "finalised")
    make("js_final", "320000", "js_enterprise", "finalised")
    make("nb_pub", "330200", "nb_enterprise", "published")
    cmarks = {}
    for label in ("own_enterprise", "js_enterprise"):
        org = scope.orgs[label]
        d = service.declare_cmark(
            principal=SYSTEM,
            data=CMarkIn(enterprise_id=org["id"], products=f"矩阵产品 {label}", declared_on="2026-09-01"),
        )
        cmarks[label] = {"id": d.id, "region": org["region_code"], "org": org["id"]}
    _FIXTURE["_cmarks"] = cmarks
    return _FIXTURE


def records(fx: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fx.items() if not k.startswith("_")}


def sees(who: Who, rec: dict[str, Any]) -> bool:
    if who.role == "admin" or rec["published"]:
        return True
    if who.role == "regulator":
        return rec["region"].startswith(who.region_prefix() or "-")
    if who.role == "enterprise":
        return rec["status"] != "draft" and who.organisation_id in rec["orgs"]
    return False


def lists(who: Who, rec: dict[str, Any]) -> bool:
    """The working list: a regulator's own region, an enterprise's own products; others as ``sees``."""
    if who.role == "regulator":
        return rec["region"].startswith(who.region_prefix() or "-")
    if who.role == "enterprise":
        return rec["status"] != "draft" and who.organisation_id in rec["orgs"]
    return sees(who, rec)


def manages(who: Who, rec: dict[str, Any]) -> bool:
    return who.role == "admin" or (
        who.role == "regulator" and rec["region"].startswith(who.region_prefix() or "-")
    )


def sees_cmark(who: Who, d: dict[str, Any]) -> bool:
    if who.role == "admin":
        return True
    if who.role == "regulator":
        return d["region"].startswith(who.region_prefix() or "-")
    return who.role == "enterprise" and who.organisation_id == d["org"]


def _denied_to_public(r: Any, url: str, method: str = "GET") -> None:
    if url.startswith("/api/") or method != "GET":
        assert r.status_code == 401, (url, r.status_code, r.text[:200])
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)


def _count(sql: str, **params: Any) -> int:
    return int(scalar(sql, **params))


def _row(iid: int) -> tuple[Any, ...]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        row = conn.execute(
            text(
                "SELECT status, published, product_name, verdict, superseded_by_id, updated_at "
                "FROM netcontent_inspections WHERE id = :i"
            ),
            {"i": iid},
        ).one()
        revs = conn.execute(
            text(
                "SELECT count(*) FROM netcontent_inspections WHERE record_key = "
                "(SELECT record_key FROM netcontent_inspections WHERE id = :i)"
            ),
            {"i": iid},
        ).scalar_one()
    return (*tuple(row), revs)


def _ids(r: Any, is_api: bool, pattern: str) -> set[int]:
    if is_api:
        return {i["id"] for i in (r.json()["items"] if isinstance(r.json(), dict) else r.json())}
    return {int(x) for x in re.findall(pattern, r.text)}


# ----------------------------------------------------------------------------------------------------
# the public pages
# ----------------------------------------------------------------------------------------------------
def check_netcontent_public(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    recs = records(fx)
    is_api = path.startswith("/api/")
    if path.endswith("/netcontent-inspections"):
        r = c.get(path + ("?limit=500" if is_api else ""))
        assert r.status_code == 200, (route, c.role, r.status_code)
        if is_api:
            seen = {i["id"] for i in r.json()["items"]}
        else:
            seen = {int(x) for x in re.findall(r'href="/public/netcontent-inspections/(\d+)"', r.text)}
        assert seen & {v["id"] for v in recs.values()} == {recs["nb_pub"]["id"]}, (route, c.role, seen)
        assert SECRET_INSPECTOR not in r.text and SECRET_PLACE not in r.text
    elif path.endswith("/netcontent-inspections/{inspection_id}"):
        for key, rec in recs.items():
            r = c.get(path.replace("{inspection_id}", str(rec["id"])))
            assert r.status_code == (200 if rec["published"] else 404), (route, c.role, key, r.status_code)
            assert SECRET_INSPECTOR not in r.text and SECRET_PLACE not in r.text
            if rec["published"]:
                assert scope.orgs["nb_enterprise"]["name"] in r.text
                assert scope.orgs["nb_enterprise"]["credit_code"] not in r.text
        assert c.get(path.replace("{inspection_id}", "999999999")).status_code == 404
    elif path.endswith("/cmark-declarations"):
        r = c.get(path + ("?limit=500" if is_api else ""))
        assert r.status_code == 200, (route, c.role, r.status_code)
        for label in fx["_cmarks"]:
            assert f"矩阵产品 {label}" in r.text
            assert scope.orgs[label]["credit_code"] not in r.text
    else:  # pragma: no cover
        raise AssertionError(f"no netcontent_public check for {route}")


# ----------------------------------------------------------------------------------------------------
# the records
# ----------------------------------------------------------------------------------------------------
def check_netcontent_inspection(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    recs = records(fx)
    who = c.who
    is_api = path.startswith("/api/")
    if method != "GET":
        if c.mode == "token" and not is_api and who.role != "public":
            return  # pages are used with a cookie; their API twins are checked with tokens
        _check_write(route, c, scope, recs)
        return
    if path in ("/api/v1/netcontent-inspections", "/netcontent-inspections"):
        r = c.get(path + ("?limit=500" if is_api else ""))
        if who.role == "public":
            _denied_to_public(r, path)
            return
        assert r.status_code == 200, (route, c.role, r.status_code)
        seen = _ids(r, is_api, r'href="/netcontent-inspections/(\d+)"')
        expected = {v["id"] for v in recs.values() if lists(who, v)}
        assert seen & {v["id"] for v in recs.values()} == expected, (route, c.role, c.mode, seen, expected)
    elif path == "/netcontent-inspections/new":
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        else:
            assert r.status_code == (200 if who.role in ("regulator", "admin") else 403), (
                c.role,
                r.status_code,
            )
    else:
        pdf_rendered = False
        for key, rec in recs.items():
            url = path.replace("{inspection_id}", str(rec["id"]))
            if path.endswith("report.pdf") and sees(who, rec) and (pdf_rendered or c.mode == "cookie"):
                continue  # rendering is slow: one PDF per role (token); every refusal is still checked
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
                continue
            if not sees(who, rec):
                assert r.status_code == 404, (route, c.role, c.mode, key, r.status_code)
                assert f"矩阵{key}" not in r.text
                continue
            if path.endswith("/edit"):
                expected = (
                    200
                    if manages(who, rec) and rec["status"] == "draft"
                    else (409 if manages(who, rec) else 403)
                )
            elif path.endswith("/correct"):
                expected = (
                    409
                    if manages(who, rec) and rec["status"] == "draft"
                    else (200 if manages(who, rec) else 403)
                )
            else:
                expected = 200
            assert r.status_code == expected, (route, c.role, c.mode, key, r.status_code, r.text[:200])
            if expected == 200 and path.endswith("report.pdf"):
                assert r.content.startswith(b"%PDF")
                pdf_rendered = True
            elif expected == 200:
                assert f"矩阵{key}" in r.text
        if who.role != "public":
            assert c.get(path.replace("{inspection_id}", "999999999")).status_code == 404


def _check_write(route: str, c: Any, scope: Scope, recs: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")

    def send(url: str, payload: dict[str, Any]) -> Any:
        if is_api:
            return c.send(method, url, json=payload)
        form = {
            k: (" ".join(v) if isinstance(v, list) else str(v)) for k, v in payload.items() if v is not None
        }
        return c.send(method, url, data=form)

    if path in ("/api/v1/netcontent-inspections", "/netcontent-inspections/new"):
        for region in ("330100", "320000"):
            if who.role == "admin" or (
                who.role == "regulator" and region.startswith(who.region_prefix() or "-")
            ):
                continue  # allowed: the workflow tests exercise it
            n, audit = (
                _count("SELECT count(*) FROM netcontent_inspections"),
                _count("SELECT count(*) FROM audit_log"),
            )
            r = send(path, _body(region, None, None, "矩阵越权"))
            assert r.status_code == (401 if who.role == "public" else 403), (
                route,
                c.role,
                c.mode,
                region,
                r.status_code,
                r.text[:200],
            )
            assert _count("SELECT count(*) FROM netcontent_inspections") == n
            assert _count("SELECT count(*) FROM audit_log") == audit
        return
    for key, rec in recs.items():
        if manages(who, rec):
            continue  # allowed; the workflow tests exercise it
        url = path.replace("{inspection_id}", str(rec["id"]))
        before, audit = _row(rec["id"]), _count("SELECT count(*) FROM audit_log")
        body = _body(rec["region"], None, None, "矩阵改动")
        body["producer_name"] = "x"
        if path.endswith("/publish"):
            r = send(
                url,
                {"published": "0" if rec["published"] else "1"}
                if not is_api
                else {"published": not rec["published"]},
            )
        elif path.endswith("/finalise"):
            r = send(url, {})
        elif path.endswith(("/revisions", "/correct")):
            r = send(url, {**body, "correction_reason": "矩阵"})
        else:  # edit a draft
            r = send(url, body)
        if who.role == "public":
            expected = 401
        elif not sees(who, rec):
            expected = 404
        else:
            expected = 403
        assert r.status_code == expected, (route, c.role, c.mode, key, r.status_code, r.text[:200])
        assert _row(rec["id"]) == before, (route, c.role, key)
        assert _count("SELECT count(*) FROM audit_log") == audit


# ----------------------------------------------------------------------------------------------------
# statistics
# ----------------------------------------------------------------------------------------------------
def check_netcontent_statistics(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fixture(scope)
    who = c.who
    is_api = path.startswith("/api/")
    r = c.get(path + "?by=region")
    if who.role == "public":
        _denied_to_public(r, path)
        return
    if who.role not in ("regulator", "admin"):
        assert r.status_code == 403, (route, c.role, r.status_code)
        return
    assert r.status_code == 200, (route, c.role, r.status_code, r.text[:200])
    prefix = who.region_prefix() if who.role == "regulator" else ""
    expected = _count(
        "SELECT count(*) FROM netcontent_inspections WHERE superseded_by_id IS NULL "
        "AND status IN ('finalised', 'published') AND region_code LIKE :p",
        p=f"{prefix}%",
    )
    if path.endswith("/export"):
        last = r.content.decode("utf-8-sig").strip().splitlines()[-1].split(",")
        assert int(last[2]) == expected, (route, c.role, last, expected)
    elif is_api:
        body = r.json()
        assert body["total"]["inspections"] == expected
        assert all(row["key"].startswith(prefix) for row in body["rows"])
    else:
        assert f'id="total-n">{expected}<' in r.text
    if who.role == "regulator" and who.region_code != "320000":
        assert c.get(path + "?region=320000").status_code == 403


# ----------------------------------------------------------------------------------------------------
# the C-mark register
# ----------------------------------------------------------------------------------------------------
def check_cmark(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    decls = fx["_cmarks"]
    who = c.who
    is_api = path.startswith("/api/")
    if method != "GET":
        if c.mode == "token" and not is_api and who.role != "public":
            return
        _check_cmark_write(route, c, scope, decls)
        return
    if path in ("/api/v1/cmark-declarations", "/cmark-declarations"):
        r = c.get(path + ("?limit=500" if is_api else ""))
        if who.role == "public":
            _denied_to_public(r, path)
            return
        assert r.status_code == 200
        for label, d in decls.items():
            shown = f"矩阵产品 {label}" in r.text
            expected = sees_cmark(who, d) or who.role == "institution"
            assert shown == expected, (route, c.role, label, shown)
    elif path == "/cmark-declarations/new":
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        else:
            assert r.status_code == (200 if who.role in ("enterprise", "admin") else 403), (
                c.role,
                r.status_code,
            )
    else:
        for label, d in decls.items():
            url = path.replace("{declaration_id}", str(d["id"]))
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
            elif not sees_cmark(who, d):
                assert r.status_code == 404, (route, c.role, label, r.status_code)
            elif path.endswith("/edit") and not (who.role == "admin" or who.organisation_id == d["org"]):
                assert r.status_code == 403, (route, c.role, label, r.status_code)
            else:
                assert r.status_code == 200 and f"矩阵产品 {label}" in r.text, (
                    route,
                    c.role,
                    label,
                    r.status_code,
                )


def _check_cmark_write(route: str, c: Any, scope: Scope, decls: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")

    def send(url: str, payload: dict[str, Any]) -> Any:
        return c.send(method, url, json=payload) if is_api else c.send(method, url, data=payload)

    def unchanged() -> tuple[int, int, str]:
        return (
            _count("SELECT count(*) FROM cmark_declarations"),
            _count("SELECT count(*) FROM audit_log"),
            str(
                scalar("SELECT group_concat(status) FROM cmark_declarations")
                if _sqlite()
                else scalar("SELECT string_agg(status, ',' ORDER BY id) FROM cmark_declarations")
            ),
        )

    if path in ("/api/v1/cmark-declarations", "/cmark-declarations/new"):
        before = unchanged()
        other = scope.orgs[
            "js_enterprise" if who.organisation_id != scope.orgs["js_enterprise"]["id"] else "own_enterprise"
        ]["id"]
        r = send(path, {"enterprise_id": other, "products": "矩阵越权声明", "declared_on": "2026-09-01"})
        expected = {"public": 401, "admin": 303 if not is_api else 201}.get(who.role, 403)
        if who.role == "admin":
            assert r.status_code == expected, (route, c.role, r.status_code, r.text[:200])
            return
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
        assert unchanged() == before
        return
    for label, d in decls.items():
        if who.role == "admin" or (who.role == "enterprise" and who.organisation_id == d["org"]):
            continue
        before = unchanged()
        r = send(path.replace("{declaration_id}", str(d["id"])), {"status": "withdrawn"})
        expected = 401 if who.role == "public" else (404 if not sees_cmark(who, d) else 403)
        assert r.status_code == expected, (route, c.role, c.mode, label, r.status_code, r.text[:200])
        assert unchanged() == before


def _sqlite() -> bool:
    from jiliang.platform.db import is_sqlite

    return is_sqlite()


CHECKS_NETCONTENT = {
    "netcontent_public": check_netcontent_public,
    "netcontent_inspection": check_netcontent_inspection,
    "netcontent_statistics": check_netcontent_statistics,
    "cmark": check_cmark,
}
