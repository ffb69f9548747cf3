"""Issue 5: access checks of comparisons and PT rounds, for the issue-2 access matrix.

``ROUTES_COMPARISONS`` maps every route of ``jiliang.comparisons`` to the class ``comparison``;
``CHECKS_COMPARISONS`` holds its check. Expected visibility is written from the rules, independently of
``jiliang.comparisons.service``:

* a comparison: administrators; regulators whose region prefix covers its region; the pilot institution
  and the participating institutions; everyone once published;
* a submission: while sealed, only the submitting institution (nobody else, administrators included);
  after unsealing, the pilot, regulators of the region and administrators, and the participant its own;
* analyses: insiders (pilot, participants, regulators of the region, administrators) once unsealed;
  outsiders only the published one;
* a PT history: the institution itself, regulators whose region covers it, administrators.

Fixtures (made through the services): ``zj`` sealed (region 330000, pilot = the demo institution, two
other Zhejiang institutions, lab A has submitted SEALED_VALUE with a budget file, plus a protocol), ``js``
sealed (region 320000, pilot = the Jiangsu institute), ``pub`` a published PT round (region 330100; the
demo institution takes part as P1) with a published PT analysis and an unpublished Draft A.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import text

from tests.platform.scope_issue2 import Scope, Who, scalar

SEALED_VALUE = "777.123456"
SEALED_U = "0.0314159"
_FIXTURE: dict[str, Any] = {}

ROUTES_COMPARISONS: dict[str, str] = {
    route: "comparison"
    for route in (
        "GET /api/v1/comparisons",
        "GET /api/v1/comparisons/pt-history/{organisation_id}",
        "GET /api/v1/comparisons/{comparison_id}",
        "GET /api/v1/comparisons/{comparison_id}/analyses/{analysis_id}",
        "GET /api/v1/comparisons/{comparison_id}/protocol",
        "GET /api/v1/comparisons/{comparison_id}/submissions",
        "GET /api/v1/comparisons/{comparison_id}/submissions/{submission_id}/budget",
        "GET /api/v1/public/comparisons",
        "GET /api/v1/public/comparisons/{comparison_id}",
        "GET /comparisons",
        "GET /comparisons/new",
        "GET /comparisons/pt-history/{organisation_id}",
        "GET /comparisons/{comparison_id}",
        "GET /comparisons/{comparison_id}/analyses/{analysis_id}",
        "GET /comparisons/{comparison_id}/protocol",
        "GET /public/comparisons",
        "GET /public/comparisons/{comparison_id}",
        "GET /public/comparisons/{comparison_id}/report.pdf",
        "GET /public/comparisons/{comparison_id}/results.csv",
        "POST /api/v1/comparisons",
        "POST /api/v1/comparisons/{comparison_id}/analyses",
        "POST /api/v1/comparisons/{comparison_id}/analyses/{analysis_id}/publish",
        "POST /api/v1/comparisons/{comparison_id}/submissions",
        "POST /api/v1/comparisons/{comparison_id}/submissions-csv",
        "POST /api/v1/comparisons/{comparison_id}/submissions/{submission_id}/decision",
        "POST /comparisons/new",
        "POST /comparisons/{comparison_id}/analyses",
        "POST /comparisons/{comparison_id}/analyses/{analysis_id}/publish",
        "POST /comparisons/{comparison_id}/bulk",
        "POST /comparisons/{comparison_id}/submissions/{submission_id}/decision",
        "POST /comparisons/{comparison_id}/submit",
        "PUT /api/v1/comparisons/{comparison_id}/participants/{lab_code}",
    )
}


def _institutions() -> dict[str, int]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, region_code FROM organisations WHERE kind = 'institution' "
                "AND name LIKE '%(示例)' ORDER BY id"
            )
        ).all()
    return {region: oid for oid, region in reversed(rows)}  # the first institution of each region


def fixture(scope: Scope) -> dict[str, Any]:
    if _FIXTURE:
        return _FIXTURE
    from jiliang.comparisons import service
    from jiliang.comparisons.schemas import AnalysisIn, ComparisonCreate, SubmissionIn
    from jiliang.platform.access import SYSTEM, Principal

    inst = _institutions()
    zj_inst, js_inst = scope.orgs["zj_institution"]["id"], scope.orgs["js_institution"]["id"]
    hz_inst, nb_inst, wz_inst = inst["330100"], inst["330200"], inst["330300"]

    def lab(org: int) -> Principal:
        return Principal(user_id=None, username=f"matrix_lab_{org}", role="institution", organisation_id=org)

    def make(
        key: str,
        region: str,
        pilot: int,
        parts: dict[str, int],
        kind: str = "national",
        protocol: bytes | None = None,
    ) -> dict[str, Any]:
        comp = service.create_comparison(
            principal=SYSTEM,
            data=ComparisonCreate(
                kind=kind,
                title=f"比对访问矩阵 {key}",
                quantity="mass",
                unit="g",
                artefact="matrix",
                pilot_id=pilot,
                region_code=region,
                deadline=dt.date.today() + dt.timedelta(days=365),
                participants=[{"organisation_id": o, "lab_code": c} for c, o in parts.items()],
            ),
            protocol=protocol,
            protocol_name="protocol.pdf",
        )
        return {
            "id": comp.id,
            "region": region,
            "pilot": pilot,
            "parts": parts,
            "published": False,
            "sealed": True,
            "subs": {},
            "analyses": {},
        }

    zj = make("zj", "330000", zj_inst, {"A": hz_inst, "B": nb_inst}, protocol=b"%PDF-1.4 matrix protocol")
    sub = service.submit_result(
        principal=lab(hz_inst),
        comparison_id=zj["id"],
        data=SubmissionIn(value=float(SEALED_VALUE), standard_uncertainty=float(SEALED_U), unit="g"),
        budget=b"matrix budget",
        budget_name="budget.txt",
    )
    zj["subs"]["A"] = sub.id
    js = make("js", "320000", js_inst, {"J1": js_inst, "J2": wz_inst})
    pub = make(
        "pub", "330100", hz_inst, {"P1": zj_inst, "P2": hz_inst, "P3": nb_inst}, kind="proficiency_test"
    )
    for code, org, value in (("P1", zj_inst, 10.02), ("P2", hz_inst, 9.98), ("P3", nb_inst, 10.31)):
        pub["subs"][code] = service.submit_result(
            principal=lab(org),
            comparison_id=pub["id"],
            data=SubmissionIn(value=value, standard_uncertainty=0.05, unit="g"),
        ).id
    pilot = lab(hz_inst)
    draft = service.analyse(principal=pilot, comparison_id=pub["id"], data=AnalysisIn(kind="draft_a"))
    pt = service.analyse(
        principal=pilot,
        comparison_id=pub["id"],
        data=AnalysisIn.model_validate(
            {
                "kind": "pt",
                "assigned": {"source": "formulation", "value": 10.0, "standard_uncertainty": 0.02},
                "sigma_pt": {"source": "fixed", "value": 0.1},
            }
        ),
    )
    service.publish(principal=SYSTEM, comparison_id=pub["id"], analysis_id=pt.id)
    pub.update(published=True, sealed=False, analyses={"draft_a": draft.id, "pt": pt.id})
    _FIXTURE.update(zj=zj, js=js, pub=pub)
    return _FIXTURE


# ----------------------------------------------------------------------------------------------------
# expected visibility, from the rules
# ----------------------------------------------------------------------------------------------------
def _regulates(who: Who, comp: dict[str, Any]) -> bool:
    return who.role == "admin" or (
        who.role == "regulator" and comp["region"].startswith(who.region_prefix() or "-")
    )


def _insider(who: Who, comp: dict[str, Any]) -> bool:
    if _regulates(who, comp):
        return True
    return who.role == "institution" and (
        who.organisation_id == comp["pilot"] or who.organisation_id in comp["parts"].values()
    )


def sees(who: Who, comp: dict[str, Any]) -> bool:
    return comp["published"] or _insider(who, comp)


def _denied_to_public(r: Any, url: str, method: str = "GET") -> None:
    if url.startswith("/api/") or method != "GET":
        assert r.status_code == 401, (url, r.status_code, r.text[:200])
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)


def _fill(path: str, comp: dict[str, Any], **kw: Any) -> str:
    url = path.replace("{comparison_id}", str(comp["id"]))
    for k, v in kw.items():
        url = url.replace("{" + k + "}", str(v))
    return url


def _clean(r: Any, where: Any) -> None:
    body = r.content.decode("latin-1") if r.content[:4] == b"%PDF" else r.text
    assert SEALED_VALUE not in body and SEALED_U not in body and "matrix budget" not in body, where


def _state() -> tuple[Any, ...]:
    return tuple(
        int(scalar(sql))
        for sql in (
            "SELECT count(*) FROM comparisons",
            "SELECT count(*) FROM comparison_submissions",
            "SELECT count(*) FROM comparison_analyses",
            "SELECT count(*) FROM comparison_participants WHERE received_on IS NOT NULL",
            "SELECT count(*) FROM comparisons WHERE unsealed_at IS NOT NULL OR published = true",
            "SELECT count(*) FROM audit_log",
        )
    )


def check_comparison(route: str, c: Any, scope: Scope, universe: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    fx = fixture(scope)
    who = c.who
    is_api = path.startswith("/api/")
    if method != "GET":
        if c.mode == "token" and not is_api and who.role != "public":
            return  # pages are used with a cookie; their API twins are checked with tokens
        _check_write(route, c, scope, fx)
        return
    if path in ("/api/v1/comparisons", "/comparisons"):
        r = c.get(path + "?limit=500" if is_api else path)
        if who.role == "public":
            _denied_to_public(r, path)
            return
        assert r.status_code == 200, (route, c.role, r.status_code)
        seen = (
            {i["id"] for i in r.json()["items"]}
            if is_api
            else {int(x) for x in re.findall(r'href="/comparisons/(\d+)"', r.text)}
        )
        ids = {v["id"] for v in fx.values()}
        assert seen & ids == {v["id"] for v in fx.values() if sees(who, v)}, (
            route,
            c.role,
            c.mode,
            seen & ids,
        )
        _clean(r, route)
    elif path in ("/api/v1/public/comparisons", "/public/comparisons"):
        r = c.get(path)
        assert r.status_code == 200
        seen = (
            {i["id"] for i in r.json()["items"]}
            if is_api
            else {int(x) for x in re.findall(r'href="/public/comparisons/(\d+)"', r.text)}
        )
        assert seen & {v["id"] for v in fx.values()} == {fx["pub"]["id"]}
    elif path.startswith(("/api/v1/public/comparisons/", "/public/comparisons/")):
        for key, comp in fx.items():
            r = c.get(_fill(path, comp))
            if not comp["published"]:
                assert r.status_code == 404, (route, c.role, key, r.status_code)
                continue
            assert r.status_code == 200, (route, c.role, key, r.status_code)
            _clean(r, (route, key))
            if path.endswith("{comparison_id}"):
                assert "draft_a" not in r.text or not is_api  # only the published analysis
                assert "matrix_lab_" not in r.text  # no user names
    elif path == "/comparisons/new":
        r = c.get(path)
        if who.role == "public":
            _denied_to_public(r, path)
        else:
            assert r.status_code == (200 if who.role in ("regulator", "institution", "admin") else 403), (
                c.role
            )
    elif path.endswith("pt-history/{organisation_id}"):
        for label in ("zj_institution", "js_institution"):
            org = scope.orgs[label]
            r = c.get(path.replace("{organisation_id}", str(org["id"])))
            if who.role == "public":
                _denied_to_public(r, path)
                continue
            allowed = (
                who.role == "admin"
                or (who.role == "institution" and who.organisation_id == org["id"])
                or (who.role == "regulator" and org["region_code"].startswith(who.region_prefix() or "-"))
            )
            assert r.status_code == (200 if allowed else 404), (route, c.role, c.mode, label, r.status_code)
            if allowed and label == "zj_institution":
                assert str(fx["pub"]["id"]) in r.text
    elif path.endswith("/analyses/{analysis_id}"):
        pub = fx["pub"]
        for kind, aid in pub["analyses"].items():
            url = _fill(path, pub, analysis_id=aid)
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
                continue
            ok = kind == "pt" or _insider(who, pub)
            assert r.status_code == (200 if ok else 404), (route, c.role, c.mode, kind, r.status_code)
        # an analysis asked for under another comparison is not found
        if who.role == "admin":
            assert c.get(_fill(path, fx["zj"], analysis_id=pub["analyses"]["pt"])).status_code == 404
    elif path.endswith("/budget"):
        url = _fill(path, fx["zj"], submission_id=fx["zj"]["subs"]["A"])
        r = c.get(url)
        if who.role == "public":
            _denied_to_public(r, url)
        else:
            assert r.status_code == 404, (route, c.role, r.status_code)  # nobody of the matrix submitted it
            _clean(r, route)
    elif path in (
        "/api/v1/comparisons/{comparison_id}",
        "/comparisons/{comparison_id}",
        "/api/v1/comparisons/{comparison_id}/submissions",
        "/api/v1/comparisons/{comparison_id}/protocol",
        "/comparisons/{comparison_id}/protocol",
    ):
        for key, comp in fx.items():
            url = _fill(path, comp)
            r = c.get(url)
            if who.role == "public":
                _denied_to_public(r, url)
                continue
            if not sees(who, comp):
                assert r.status_code == 404, (route, c.role, c.mode, key, r.status_code)
                continue
            if path.endswith("/protocol"):
                assert r.status_code == (200 if key == "zj" else 404), (route, c.role, key, r.status_code)
                continue
            assert r.status_code == 200, (route, c.role, c.mode, key, r.status_code, r.text[:200])
            _clean(r, (route, c.role, key))
            if path.endswith("/submissions"):
                labs = {s["lab_code"] for s in r.json()}
                if comp["sealed"]:
                    own = {
                        code
                        for code, org in comp["parts"].items()
                        if who.role == "institution" and org == who.organisation_id and code in comp["subs"]
                    }
                    assert labs == own, (route, c.role, key, labs)
                elif _regulates(who, comp) or (
                    who.role == "institution" and who.organisation_id == comp["pilot"]
                ):
                    assert labs == set(comp["subs"]), (route, c.role, key, labs)
                else:
                    assert labs == {
                        code
                        for code, org in comp["parts"].items()
                        if who.role == "institution" and org == who.organisation_id
                    }, (c.role, key, labs)
        if who.role != "public":
            assert c.get(path.replace("{comparison_id}", "999999999")).status_code == 404
    else:  # pragma: no cover
        raise AssertionError(f"no comparison check for {route}")


def _check_write(route: str, c: Any, scope: Scope, fx: dict[str, Any]) -> None:
    method, path = route.split(" ", 1)
    who = c.who
    is_api = path.startswith("/api/")

    def send(url: str, payload: dict[str, Any] | None = None, raw: bytes | None = None) -> Any:
        if raw is not None:
            if is_api:
                return c.client.request(method, url, content=raw, headers=_headers(c), follow_redirects=False)
            return c.send(method, url, data={"csv": raw.decode()})
        if is_api:
            return c.send(method, url, json=payload or {})
        return c.send(method, url, data={k: str(v) for k, v in (payload or {}).items()})

    before = _state()
    zj, js, pub = fx["zj"], fx["js"], fx["pub"]
    if path in ("/api/v1/comparisons", "/comparisons/new"):
        body = {
            "kind": "national",
            "title": "matrix create",
            "quantity": "mass",
            "unit": "g",
            "pilot_id": scope.orgs["js_institution"]["id"],
            "region_code": "320000",
            "deadline": "2027-01-01",
        }
        if is_api:
            body["participants"] = [
                {"organisation_id": scope.orgs["js_institution"]["id"], "lab_code": "X"},
                {"organisation_id": scope.orgs["zj_institution"]["id"], "lab_code": "Y"},
            ]
        else:
            body["participants"] = (
                f"{scope.orgs['js_institution']['id']}, X\n{scope.orgs['zj_institution']['id']}, Y"
            )
        if who.role == "admin" or (who.role == "regulator" and (who.region_prefix() or "-") == "32"):
            return  # allowed; exercised in the workflow tests
        r = send(path, body)
        expected = 401 if who.role == "public" else 403
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    elif path.endswith("/analyses") and method == "POST":
        r = send(_fill(path, zj), {"kind": "draft_a"})
        if who.role == "public":
            expected = 401
        elif not sees(who, zj):
            expected = 404
        elif who.role == "admin" or who.organisation_id == zj["pilot"] and who.role == "institution":
            expected = 422  # the pilot: still sealed
        else:
            expected = 403
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    elif path.endswith("/publish"):
        r = send(_fill(path, pub, analysis_id=pub["analyses"]["pt"]))
        if who.role == "public":
            expected = 401
        elif _regulates(who, pub):
            expected = 422  # already published
        else:
            expected = 403
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    elif path.endswith(("/submissions", "/submit")):
        r = send(_fill(path, zj), {"value": 1.0, "standard_uncertainty": 0.1, "unit": "g"})
        expected = 401 if who.role == "public" else (404 if not sees(who, zj) else 403)
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    elif path.endswith(("/submissions-csv", "/bulk")):
        r = send(_fill(path, zj), raw=b"lab_code,value,standard_uncertainty\nA,1,0.1\n")
        if who.role == "public":
            expected = 401
        elif not sees(who, zj):
            expected = 404
        elif who.role == "admin" or (who.role == "institution" and who.organisation_id == zj["pilot"]):
            expected = 422  # sealed
        else:
            expected = 403
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    elif path.endswith("/decision"):
        r = send(
            _fill(path, zj, submission_id=zj["subs"]["A"]),
            {"accept": True, "reason": "matrix"} if is_api else {"accept": "1", "reason": "matrix"},
        )
        if who.role == "public":
            expected = 401
        elif not sees(who, zj):
            expected = 404
        elif who.role == "admin" or (who.role == "institution" and who.organisation_id == zj["pilot"]):
            expected = 404  # sealed: the submission does not exist for the pilot
        else:
            expected = 403
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    elif path.endswith("/participants/{lab_code}"):
        if _regulates(who, js):
            return  # allowed
        r = send(_fill(path, js, lab_code="J1"), {"received_on": "2026-01-02"})
        expected = 401 if who.role == "public" else (404 if not sees(who, js) else 403)
        assert r.status_code == expected, (route, c.role, c.mode, r.status_code, r.text[:200])
    else:  # pragma: no cover
        raise AssertionError(f"no write check for {route}")
    _clean(r, (route, c.role))
    assert _state() == before, (route, c.role, c.mode)


def _headers(c: Any) -> dict[str, str]:
    h = c.headers()
    if c.mode == "cookie" and c.who.role != "public":
        h["X-CSRF-Token"] = c.csrf()
    return h


CHECKS_COMPARISONS = {"comparison": check_comparison}
