"""Issue 5 acceptance: sealed results leak nowhere before unsealing.

A comparison is created with four participants: the pilot itself (the provincial institute, lab PIL), two
other institutions that submit (A amends once and uploads a budget file; B reports in another unit) and
one that has not submitted (C). Every route of the comparisons area — pages, API, exports, PDF, CSV,
public pages, protocol and budget downloads, and the error answers of every write — is called by every
observer (the public, an administrator, three regulators, two enterprises, the pilot, the other
participants), and no answer may contain a sealed number of anyone but the observer itself. The audit
page (administrators) carries only digests of sealed results. Then the last participant submits, the
comparison unseals ("all_submitted") and the same numbers appear where they should.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.comparisons.conftest import bearer
from tests.conftest import login
from tests.platform.test_access_matrix_issue2 import app_routes

SECRETS = {  # observer label -> strings of its own sealed result (value, entered value, u)
    "PIL": ["1234.5611", "0.0409"],
    "A": ["1234.5678", "1234.5699", "0.0417", "SECRET-BUDGET-A", "budget-A.txt"],
    "B": ["1234.5622", "1.2345622", "0.0423", "0.0000423"],
}
ALL = [s for v in SECRETS.values() for s in v]


def _my_area(route: str) -> bool:
    path = route.split(" ", 1)[1]
    return path.startswith(
        ("/comparisons", "/api/v1/comparisons", "/public/comparisons", "/api/v1/public/comparisons")
    )


@pytest.fixture(scope="module")
def sealed(app, tokens, lab_users) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from tests.platform.scope_issue2 import discover_scope

    scope = discover_scope()
    pilot_org = scope.orgs["zj_institution"]["id"]
    others = [
        u
        for u in sorted(lab_users.values(), key=lambda u: u["org"]["id"])
        if u["org"]["region_code"].startswith("33") and u["org"]["id"] != pilot_org
    ][-3:]
    labs = dict(zip(("A", "B", "C"), others, strict=True))
    c = TestClient(app, raise_server_exceptions=False)
    body = {
        "kind": "national",
        "title": "密封比对（泄漏测试）",
        "quantity": "DC voltage",
        "unit": "mV",
        "artefact": "Zener reference",
        "pilot_id": pilot_org,
        "region_code": "330000",
        "deadline": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
        "participants": [{"organisation_id": pilot_org, "lab_code": "PIL"}]
        + [{"organisation_id": u["org"]["id"], "lab_code": k} for k, u in labs.items()],
    }
    r = c.post(
        "/api/v1/comparisons",
        data={"data": __import__("json").dumps(body)},
        files={"protocol": ("protocol.pdf", b"%PDF-1.4 protocol", "application/pdf")},
        headers=bearer(tokens["institution"]),
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    ok = c.post(
        f"/api/v1/comparisons/{cid}/submissions",
        headers=bearer(tokens["institution"]),
        json={"value": 1234.5611, "standard_uncertainty": 0.0409, "unit": "mV", "dof": 12},
    )
    assert ok.status_code == 201, ok.text
    a1 = c.post(
        f"/api/v1/comparisons/{cid}/submissions",
        headers=bearer(labs["A"]["token"]),
        json={"value": 1234.5678, "standard_uncertainty": 0.0417, "unit": "mV"},
    )
    a2 = c.post(
        f"/api/v1/comparisons/{cid}/submissions",
        headers=bearer(labs["A"]["token"]),
        data={"data": '{"value": 1234.5699, "standard_uncertainty": 0.0417, "unit": "mV"}'},
        files={"budget": ("budget-A.txt", b"SECRET-BUDGET-A", "text/plain")},
    )
    b1 = c.post(
        f"/api/v1/comparisons/{cid}/submissions",
        headers=bearer(labs["B"]["token"]),
        json={"value": 1.2345622, "standard_uncertainty": 0.0000423, "unit": "V"},
    )
    for resp in (a1, a2, b1):
        assert resp.status_code == 201, resp.text
    assert a2.json()["version"] == 2 and a2.json()["budget_file_name"] == "budget-A.txt"
    assert abs(b1.json()["value"] - 1234.5622) < 1e-9
    # an unrelated published comparison gives a real analysis id to probe with
    return {
        "id": cid,
        "labs": labs,
        "client": c,
        "subs": [a1.json()["id"], a2.json()["id"], b1.json()["id"]],
        "pilot_org": pilot_org,
    }


def _observers(app, tokens, sealed) -> dict[str, tuple[dict[str, str], TestClient, list[str]]]:  # type: ignore[no-untyped-def]
    """label -> (token headers, cookie client, secrets it may see)."""
    out: dict[str, Any] = {}
    for role in (
        "admin",
        "regulator",
        "regulator_hz",
        "regulator_js",
        "enterprise",
        "enterprise_js",
        "institution",
    ):
        cookie = TestClient(app, raise_server_exceptions=False)
        login(cookie, role)
        out[role] = (bearer(tokens[role]), cookie, SECRETS["PIL"] if role == "institution" else [])
    for k in ("A", "B", "C"):
        u = sealed["labs"][k]
        cookie = TestClient(app, raise_server_exceptions=False)
        login(cookie, u["username"], "cmp-pass-2026")
        out[f"lab_{k}"] = (bearer(u["token"]), cookie, SECRETS.get(k, []))
    out["public"] = ({}, TestClient(app, raise_server_exceptions=False), [])
    return out


def _fill(path: str, sealed: dict[str, Any], sub_id: int) -> str:
    return (
        path.replace("{comparison_id}", str(sealed["id"]))
        .replace("{analysis_id}", "1")
        .replace("{submission_id}", str(sub_id))
        .replace("{lab_code}", "A")
        .replace("{organisation_id}", str(sealed["labs"]["A"]["org"]["id"]))
    )


def _assert_clean(text: str, allowed: list[str], where: tuple[Any, ...]) -> None:
    for secret in ALL:
        if secret in allowed:
            continue
        assert secret not in text, (where, secret, text[:300])


def _state(cid: int) -> tuple[Any, ...]:
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return (
            conn.execute(
                text("SELECT unsealed_at, published FROM comparisons WHERE id = :i"), {"i": cid}
            ).one(),
            conn.execute(
                text("SELECT count(*) FROM comparison_submissions WHERE comparison_id = :i"), {"i": cid}
            ).scalar(),
            conn.execute(
                text("SELECT count(*) FROM comparison_analyses WHERE comparison_id = :i"), {"i": cid}
            ).scalar(),
        )


WRITE_BODIES: dict[str, Any] = {
    "POST /api/v1/comparisons/{comparison_id}/analyses": {
        "json": {"kind": "draft_b", "method": "weighted-mean"}
    },
    "POST /comparisons/{comparison_id}/analyses": {"data": {"kind": "draft_b", "method": "weighted-mean"}},
    "POST /api/v1/comparisons/{comparison_id}/submissions": {
        "json": {"value": 1, "standard_uncertainty": 0.1, "unit": "kg"}
    },
    "POST /comparisons/{comparison_id}/submit": {
        "data": {"value": "1", "standard_uncertainty": "0.1", "unit": "kg"}
    },
    "POST /api/v1/comparisons/{comparison_id}/submissions-csv": {
        "content": b"lab_code,value,standard_uncertainty\nA,1,0.1\n"
    },
    "POST /comparisons/{comparison_id}/bulk": {
        "data": {"csv": "lab_code,value,standard_uncertainty\nA,1,0.1\n"}
    },
    "POST /api/v1/comparisons/{comparison_id}/submissions/{submission_id}/decision": {
        "json": {"accept": True, "reason": "x"}
    },
    "POST /comparisons/{comparison_id}/submissions/{submission_id}/decision": {
        "data": {"accept": "1", "reason": "x"}
    },
    "POST /api/v1/comparisons/{comparison_id}/analyses/{analysis_id}/publish": {},
    "POST /comparisons/{comparison_id}/analyses/{analysis_id}/publish": {},
    "PUT /api/v1/comparisons/{comparison_id}/participants/{lab_code}": {
        "json": {"received_on": "2026-01-01"}
    },
    "POST /api/v1/comparisons": {"json": {"kind": "national"}},
    "POST /comparisons/new": {"data": {"kind": "national"}},
}


@pytest.mark.slow
def test_no_route_leaks_a_sealed_result(app, tokens, sealed) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_of

    routes = sorted(r for r in app_routes(app) if _my_area(r))
    assert len(routes) >= 25, routes
    missing_writes = [r for r in routes if not r.startswith("GET ") and r not in WRITE_BODIES]
    assert not missing_writes, missing_writes
    observers = _observers(app, tokens, sealed)
    before = _state(sealed["id"])
    calls = 0
    for route in routes:
        method, path = route.split(" ", 1)
        for sub_id in sealed["subs"] if "{submission_id}" in path else [sealed["subs"][0]]:
            url = _fill(path, sealed, sub_id)
            for label, (headers, cookie, allowed) in observers.items():
                if method == "GET":
                    answers = [cookie.get(url, follow_redirects=False)]
                    if headers:
                        answers.append(cookie.get(url, headers=headers, follow_redirects=False))
                else:
                    kw = dict(WRITE_BODIES[route])
                    answers = []
                    if headers:
                        with TestClient(app, raise_server_exceptions=False) as fresh:
                            answers.append(fresh.request(method, url, headers=headers, **kw))
                    if label != "public" and not path.startswith("/api/"):
                        token = csrf_of(cookie.get("/login").text)
                        if "data" in kw:
                            kw = {"data": {**kw["data"], "csrf_token": token}}
                        else:
                            kw = {"data": {"csrf_token": token}}
                        answers.append(cookie.request(method, url, follow_redirects=False, **kw))
                    elif not headers:
                        answers.append(cookie.request(method, url, follow_redirects=False, **kw))
                for r in answers:
                    calls += 1
                    assert r.status_code < 500, (route, label, r.status_code, r.text[:300])
                    body = (
                        r.text
                        if "pdf" not in r.headers.get("content-type", "")
                        else r.content.decode("latin-1")
                    )
                    _assert_clean(body, allowed, (route, label, r.status_code))
    assert calls > 500
    assert _state(sealed["id"]) == before  # nothing was written by any of it
    # the audit log (readable by administrators) holds digests of the sealed results, never the numbers
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(
            text("SELECT object_type, after FROM audit_log WHERE object_type LIKE 'comparison%'")
        ).all()
    assert any(r[0] == "comparison_submission" and "content_sha256" in str(r[1]) for r in rows)
    _assert_clean(" ".join(str(r[1]) for r in rows), [], ("audit_log",))


def test_sealed_views_of_each_observer(app, tokens, sealed) -> None:  # type: ignore[no-untyped-def]
    c: TestClient = sealed["client"]
    cid = sealed["id"]
    labs = sealed["labs"]
    # the submitter sees its own two versions; the pilot (also a participant) only its own
    own = c.get(f"/api/v1/comparisons/{cid}/submissions", headers=bearer(labs["A"]["token"])).json()
    assert [s["version"] for s in own] == [1, 2] and {s["lab_code"] for s in own} == {"A"}
    assert own[1]["used"] and not own[0]["used"]  # the latest version before unsealing is used
    pil = c.get(f"/api/v1/comparisons/{cid}/submissions", headers=bearer(tokens["institution"])).json()
    assert [s["lab_code"] for s in pil] == ["PIL"]
    for role in ("admin", "regulator"):
        d = c.get(f"/api/v1/comparisons/{cid}", headers=bearer(tokens[role])).json()
        assert d["submissions"] == [] and d["submitted_count"] is None
        assert all(p["submitted"] is None for p in d["participants"])
    assert c.get(f"/api/v1/comparisons/{cid}", headers=bearer(tokens["regulator_js"])).status_code == 404
    assert c.get(f"/api/v1/comparisons/{cid}", headers=bearer(tokens["enterprise"])).status_code == 404
    assert c.get(f"/api/v1/public/comparisons/{cid}").status_code == 404
    assert c.get(f"/public/comparisons/{cid}/report.pdf").status_code == 404
    # budget: only the submitter downloads it while sealed
    a2 = sealed["subs"][1]
    assert (
        c.get(
            f"/api/v1/comparisons/{cid}/submissions/{a2}/budget", headers=bearer(labs["A"]["token"])
        ).content
        == b"SECRET-BUDGET-A"
    )
    assert (
        c.get(
            f"/api/v1/comparisons/{cid}/submissions/{a2}/budget", headers=bearer(tokens["institution"])
        ).status_code
        == 404
    )
    # the protocol is kept by SHA-256 and downloadable by everyone who sees the comparison
    p = c.get(f"/api/v1/comparisons/{cid}/protocol", headers=bearer(labs["C"]["token"]))
    assert p.status_code == 200 and p.content == b"%PDF-1.4 protocol"
    # the pilot cannot analyse while sealed
    r = c.post(
        f"/api/v1/comparisons/{cid}/analyses", headers=bearer(tokens["institution"]), json={"kind": "draft_a"}
    )
    assert r.status_code == 422 and "sealed" in r.json()["message"]


def test_unsealing_when_all_have_submitted(app, tokens, sealed) -> None:  # type: ignore[no-untyped-def]
    c: TestClient = sealed["client"]
    cid = sealed["id"]
    labs = sealed["labs"]
    r = c.post(
        f"/api/v1/comparisons/{cid}/submissions",
        headers=bearer(labs["C"]["token"]),
        json={"value": 1234.5644, "standard_uncertainty": 0.05, "unit": "mV"},
    )
    assert r.status_code == 201
    d = c.get(f"/api/v1/comparisons/{cid}", headers=bearer(tokens["institution"])).json()
    assert d["unsealed_reason"] == "all_submitted" and d["unsealed_at"] is not None
    assert {s["lab_code"] for s in d["submissions"]} == {"PIL", "A", "B", "C"}
    assert d["submitted_count"] == 4
    # a participant still sees only its own history; the others come through Draft A
    own = c.get(f"/api/v1/comparisons/{cid}/submissions", headers=bearer(labs["B"]["token"])).json()
    assert {s["lab_code"] for s in own} == {"B"}
    draft_a = c.post(
        f"/api/v1/comparisons/{cid}/analyses", headers=bearer(tokens["institution"]), json={"kind": "draft_a"}
    ).json()
    seen = c.get(f"/api/v1/comparisons/{cid}/analyses/{draft_a['id']}", headers=bearer(labs["B"]["token"]))
    assert seen.status_code == 200 and {r["lab"] for r in seen.json()["outputs"]["results"]} == {
        "PIL",
        "A",
        "B",
        "C",
    }
    assert [r["x"] for r in seen.json()["outputs"]["results"] if r["lab"] == "A"] == [1234.5699]
    # an amendment after unsealing is recorded, flagged, and excluded until the pilot decides
    late = c.post(
        f"/api/v1/comparisons/{cid}/submissions",
        headers=bearer(labs["A"]["token"]),
        json={"value": 1234.6, "standard_uncertainty": 0.0417, "unit": "mV"},
    ).json()
    assert late["after_unseal"] and late["decision"] == "pending" and late["version"] == 3
    a = c.post(
        f"/api/v1/comparisons/{cid}/analyses", headers=bearer(tokens["institution"]), json={"kind": "draft_a"}
    ).json()
    assert [r["x"] for r in a["outputs"]["results"] if r["lab"] == "A"] == [1234.5699]
    assert (
        c.post(
            f"/api/v1/comparisons/{cid}/submissions/{late['id']}/decision",
            headers=bearer(labs["A"]["token"]),
            json={"accept": True, "reason": "mine"},
        ).status_code
        == 403
    )
    ok = c.post(
        f"/api/v1/comparisons/{cid}/submissions/{late['id']}/decision",
        headers=bearer(tokens["institution"]),
        json={"accept": True, "reason": "transcription error agreed by all participants"},
    )
    assert ok.status_code == 200 and ok.json()["decision"] == "accepted"
    a = c.post(
        f"/api/v1/comparisons/{cid}/analyses", headers=bearer(tokens["institution"]), json={"kind": "draft_a"}
    ).json()
    assert [r["x"] for r in a["outputs"]["results"] if r["lab"] == "A"] == [1234.6]
    # the history keeps every version
    hist = c.get(f"/api/v1/comparisons/{cid}/submissions", headers=bearer(tokens["regulator"])).json()
    assert [s["version"] for s in hist if s["lab_code"] == "A"] == [1, 2, 3]


def test_deadline_unseals_and_flags_late(app, tokens, lab_users, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jiliang.comparisons import service

    users = [
        u
        for u in sorted(lab_users.values(), key=lambda u: u["org"]["id"])
        if u["org"]["region_code"].startswith("33")
    ]
    c = TestClient(app, raise_server_exceptions=False)
    body = {
        "kind": "local",
        "title": "截止日期比对",
        "quantity": "mass",
        "unit": "g",
        "pilot_id": users[0]["org"]["id"],
        "region_code": "330000",
        "deadline": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
        "participants": [
            {"organisation_id": u["org"]["id"], "lab_code": f"L{i}"} for i, u in enumerate(users[1:4])
        ],
    }
    cid = c.post("/api/v1/comparisons", json=body, headers=bearer(tokens["regulator"])).json()["id"]
    assert (
        c.post(
            f"/api/v1/comparisons/{cid}/submissions",
            headers=bearer(users[1]["token"]),
            json={"value": 100.0021, "standard_uncertainty": 0.0004, "unit": "g"},
        ).status_code
        == 201
    )
    assert (
        c.post(
            f"/api/v1/comparisons/{cid}/submissions",
            headers=bearer(users[2]["token"]),
            json={"value": 0.1000019, "standard_uncertainty": 0.0000005, "unit": "kg"},
        ).status_code
        == 201
    )
    assert (
        c.get(f"/api/v1/comparisons/{cid}", headers=bearer(tokens["regulator"])).json()["submissions"] == []
    )
    monkeypatch.setattr(service, "today", lambda: dt.date.today() + dt.timedelta(days=6))
    d = c.get(f"/api/v1/comparisons/{cid}", headers=bearer(tokens["regulator"])).json()
    assert d["unsealed_reason"] == "deadline_passed" and len(d["submissions"]) == 2
    late = c.post(
        f"/api/v1/comparisons/{cid}/submissions",
        headers=bearer(users[3]["token"]),
        json={"value": 100.003, "standard_uncertainty": 0.0005, "unit": "g"},
    ).json()
    assert late["late"] and late["after_unseal"] and late["decision"] == "pending"
    a = c.post(
        f"/api/v1/comparisons/{cid}/analyses", headers=bearer(users[0]["token"]), json={"kind": "draft_b"}
    )
    assert a.status_code == 201 and [r["lab"] for r in a.json()["inputs"]] == ["L0", "L1"]
    assert re.fullmatch(r"[0-9a-f]{64}", a.json()["digest"])
