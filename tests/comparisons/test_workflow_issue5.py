"""Issue 5: the comparison workflow through the API and the pages; bad input names the row/field and writes
nothing; the published report (PDF with an embedded CJK font, CSV) and PT history pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.comparisons.conftest import Workflow, bearer
from tests.conftest import csrf_of, login


def _counts() -> tuple[int, ...]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in (
                "comparisons",
                "comparison_participants",
                "comparison_submissions",
                "comparison_analyses",
                "audit_log",
            )
        )


def _base(wf: Workflow, **over: Any) -> dict[str, Any]:
    users = [
        u
        for u in sorted(wf.users.values(), key=lambda u: u["org"]["id"])
        if u["org"]["region_code"].startswith("33")
    ]
    body = {
        "kind": "regional",
        "title": "坏输入比对",
        "quantity": "length",
        "unit": "mm",
        "pilot_id": users[3]["org"]["id"],
        "region_code": "330000",
        "deadline": (dt.date.today() + dt.timedelta(days=9)).isoformat(),
        "participants": [
            {"organisation_id": users[1]["org"]["id"], "lab_code": "A"},
            {"organisation_id": users[2]["org"]["id"], "lab_code": "B"},
        ],
    }
    body.update(over)
    return body


@pytest.mark.parametrize(
    "change, field",
    [
        ({"unit": "furlongs per fortnight²"}, "unit"),
        ({"participants": [{"organisation_id": 1, "lab_code": "A"}]}, "participants"),
        ({"deadline": "not a date"}, "deadline"),
        ({"kind": "global"}, "kind"),
        ({"region_code": "33"}, "region_code"),
        ({"title": ""}, "title"),
    ],
)
def test_create_rejects_bad_input(workflow: Workflow, tokens, change, field) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    r = workflow.c.post(
        "/api/v1/comparisons", json=_base(workflow, **change), headers=bearer(tokens["regulator"])
    )
    assert r.status_code == 422, r.text
    assert field in json.dumps(r.json()), r.json()
    assert _counts() == before


def test_create_rejects_duplicate_labs_by_row(workflow: Workflow, tokens) -> None:  # type: ignore[no-untyped-def]
    body = _base(workflow)
    parts = body["participants"]
    body["participants"] = [
        parts[0],
        {**parts[1], "lab_code": "a"},
        {"organisation_id": 999_999, "lab_code": "C"},
    ]
    before = _counts()
    r = workflow.c.post("/api/v1/comparisons", json=body, headers=bearer(tokens["regulator"]))
    assert r.status_code == 422
    errs = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert (2, "lab_code") in errs and (3, "organisation_id") in errs
    assert _counts() == before
    # a regulator of another province, an enterprise, an institution for another pilot: refused
    for role, status in (("regulator_js", 403), ("enterprise", 403), ("institution", 403)):
        r = workflow.c.post("/api/v1/comparisons", json=_base(workflow), headers=bearer(tokens[role]))
        assert r.status_code == status, (role, r.text)
    assert _counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"value": 1.0, "unit": "mm"}, "standard_uncertainty"),
        ({"value": 1.0, "standard_uncertainty": 0, "unit": "mm"}, "standard_uncertainty"),
        ({"value": 1.0, "standard_uncertainty": -0.1, "unit": "mm"}, "standard_uncertainty"),
        ({"value": "abc", "standard_uncertainty": 0.1, "unit": "mm"}, "value"),
        ({"value": "NaN", "standard_uncertainty": 0.1, "unit": "mm"}, "value"),
        ({"value": 1.0, "standard_uncertainty": "nan", "unit": "mm"}, "standard_uncertainty"),
        ({"value": 1.0, "standard_uncertainty": 0.1, "unit": "kg"}, "unit"),
        ({"value": 1.0, "standard_uncertainty": 0.1, "unit": "mm", "dof": 0}, "dof"),
        ({"value": 1.0, "standard_uncertainty": 0.1, "unit": "mm", "extra": 1}, "extra"),
    ],
)
def test_submission_rejects_bad_input(workflow: Workflow, tokens, body, field) -> None:  # type: ignore[no-untyped-def]
    wf = workflow
    wf.create(title="坏结果比对", unit="mm", codes=["A", "B"])
    before = _counts()
    r = wf.submit("A", **body)
    assert r.status_code == 422, r.text
    assert field in json.dumps(r.json()), r.json()
    assert _counts() == before


def test_bulk_csv_errors_name_rows_and_write_nothing(workflow: Workflow, tokens, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jiliang.comparisons import service

    wf = workflow
    wf.create(title="批量录入比对", unit="mm", codes=["A", "B", "C"])
    monkeypatch.setattr(service, "today", lambda: dt.date.today() + dt.timedelta(days=31))
    bad = (
        "lab_code,value,standard_uncertainty,unit\nA,10.01,0.002,mm\nA,10.02,0.002,mm\nB,abc,0.002,mm\n"
        "C,10.0,-1,mm\nZ,1,1,mm\nB,1,1,kg\n"
    )
    before = _counts()
    r = wf.c.post(f"/api/v1/comparisons/{wf.id}/submissions-csv", content=bad.encode(), headers=wf.pilot())
    assert r.status_code == 422, r.text
    errs = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert {
        (3, "lab_code"),
        (4, "value"),
        (5, "standard_uncertainty"),
        (6, "lab_code"),
        (7, "lab_code"),
    } <= errs
    r = wf.c.post(
        f"/api/v1/comparisons/{wf.id}/submissions-csv",
        content=b"lab_code,value,standard_uncertainty,unit\nA,1,1,kg\nB,1,NaN,mm\n",
        headers=wf.pilot(),
    )
    assert {(e["row"], e["field"]) for e in r.json()["errors"]} == {(2, "unit"), (3, "standard_uncertainty")}
    assert _counts()[:4] == before[:4]
    # only one participant with a result: the analysis names the problem
    ok = wf.c.post(
        f"/api/v1/comparisons/{wf.id}/submissions-csv",
        content=b"lab_code,value,standard_uncertainty\nA,10.01,0.002\n",
        headers=wf.pilot(),
    )
    assert ok.status_code == 201 and ok.json()[0]["decision"] == "accepted" and ok.json()[0]["on_behalf"]
    r = wf.c.post(f"/api/v1/comparisons/{wf.id}/analyses", json={"kind": "draft_b"}, headers=wf.pilot())
    assert r.status_code == 422 and "at least two" in r.json()["message"]
    # non-CSV bytes, malformed JSON: 4xx, never 500
    assert (
        wf.c.post(
            f"/api/v1/comparisons/{wf.id}/submissions-csv", content=b"\xff\xfe\x00x", headers=wf.pilot()
        ).status_code
        == 422
    )
    assert (
        wf.c.post(
            f"/api/v1/comparisons/{wf.id}/analyses",
            content=b"{not json",
            headers={**wf.pilot(), "content-type": "application/json"},
        ).status_code
        == 422
    )
    assert (
        wf.c.post("/api/v1/comparisons", content=b"[1,2]", headers=bearer(tokens["regulator"])).status_code
        == 422
    )


def test_analysis_errors_are_clear(workflow: Workflow) -> None:
    wf = workflow
    wf.create(title="分析错误比对", unit="mm", codes=["A", "B"])
    wf.submit("A", value=1.0, standard_uncertainty=0.1, unit="mm")
    wf.submit("B", value=1.1, standard_uncertainty=0.1, unit="mm")
    for body, field in (
        ({"kind": "draft_b", "method": "magic"}, "options"),
        ({"kind": "draft_b", "excluded": ["Q"]}, "excluded"),
        ({"kind": "draft_b", "excluded": ["A"]}, "excluded"),
        ({"kind": "pt", "assigned": {"source": "consensus"}, "sigma_pt": {"source": "robust"}}, "kind"),
    ):
        r = wf.c.post(f"/api/v1/comparisons/{wf.id}/analyses", json=body, headers=wf.pilot())
        assert r.status_code == 422, (body, r.text)
        assert r.json().get("field") == field, (body, r.json())
    # Draft A cannot be published
    a = wf.analyse(kind="draft_a")
    r = wf.publish(a["id"], wf.tokens["regulator"])
    assert r.status_code == 422


def _pdf_checks(pdf: bytes, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in fonts.splitlines()[2:] if ln.strip()]
    assert lines, fonts
    assert all(re.search(r"\byes\s+yes\s+(yes|no)\s+\d+", ln) for ln in lines), fonts  # embedded + subset
    assert any(
        ("CJK" in ln or "Noto" in ln or "WenQuanYi" in ln or "Hei" in ln or "Sans" in ln) for ln in lines
    ), fonts
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(out.with_suffix(""))], check=True
    )


@pytest.mark.slow
def test_pages_walk_and_published_report(app, tokens, lab_users) -> None:  # type: ignore[no-untyped-def]
    """Create (page) → submit (pages) → unseal → analyse (page) → publish (page) → public page, PDF, CSV."""
    users = [
        u
        for u in sorted(lab_users.values(), key=lambda u: u["org"]["id"])
        if u["org"]["region_code"].startswith("33")
    ]
    pilot, labs = users[0], users[1:4]
    reg = TestClient(app, raise_server_exceptions=False)
    login(reg, "regulator")
    page = reg.get("/comparisons/new")
    assert page.status_code == 200 and 'name="participants"' in page.text
    lines = "\n".join(
        f"{u['org']['id']}, K{i}, 2026-10-0{i + 1}, 2026-10-0{i + 2}" for i, u in enumerate(labs)
    )
    form = {
        "csrf_token": csrf_of(page.text),
        "kind": "national",
        "title": "直流电压国家比对（页面）",
        "quantity": "直流电压",
        "unit": "V",
        "artefact": "10 V 齐纳参考标准",
        "pilot_id": str(pilot["org"]["id"]),
        "region_code": "330000",
        "deadline": (dt.date.today() + dt.timedelta(days=20)).isoformat(),
        "participants": lines,
    }
    bad = reg.post(
        "/comparisons/new",
        data={**form, "participants": lines + f"\n{labs[0]['org']['id']}, K9"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "organisation_id" in bad.text
    r = reg.post(
        "/comparisons/new",
        data=form,
        files={"protocol": ("技术规范.pdf", b"%PDF-1.4 p", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    values = [("10.0000123", "0.0000021"), ("10.0000098", "0.0000030"), ("10000.0109", "0.0025")]
    units = ["V", "V", "mV"]
    for i, u in enumerate(labs):
        c = TestClient(app, raise_server_exceptions=False)
        login(c, u["username"], "cmp-pass-2026")
        d = c.get(f"/comparisons/{cid}")
        assert d.status_code == 200 and 'id="submit-form"' in d.text
        bad = c.post(
            f"/comparisons/{cid}/submit",
            data={"csrf_token": csrf_of(d.text), "value": "x", "standard_uncertainty": "0.1", "unit": "V"},
        )
        assert bad.status_code == 422 and "value" in bad.text
        ok = c.post(
            f"/comparisons/{cid}/submit",
            data={
                "csrf_token": csrf_of(d.text),
                "value": values[i][0],
                "standard_uncertainty": values[i][1],
                "unit": units[i],
                "dof": "20",
            },
            follow_redirects=False,
        )
        assert ok.status_code == 303, ok.text[:300]
        mine = c.get(f"/comparisons/{cid}").text
        assert values[i][0] in mine
        for j, other in enumerate(values):
            if j != i and i < 2:
                assert other[0] not in mine
    p = TestClient(app, raise_server_exceptions=False)
    login(p, pilot["username"], "cmp-pass-2026")
    d = p.get(f"/comparisons/{cid}")
    assert 'id="analyse-form"' in d.text and "10.0000123" in d.text
    r = p.post(
        f"/comparisons/{cid}/analyses",
        data={"csrf_token": csrf_of(d.text), "kind": "draft_b", "method": "weighted-mean"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    an_url = r.headers["location"]
    an_page = p.get(an_url)
    assert an_page.status_code == 200 and an_page.text.count("<svg") >= 2
    js0 = TestClient(app, raise_server_exceptions=False)
    login(js0, "regulator_js")
    assert js0.get(f"/comparisons/{cid}").status_code == 404 and js0.get(an_url).status_code == 404
    rp = reg.get(an_url)
    assert "/publish" in rp.text
    r = reg.post(an_url + "/publish", data={"csrf_token": csrf_of(rp.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/public/comparisons/{cid}"
    public = TestClient(app, raise_server_exceptions=False)
    pub = public.get(f"/public/comparisons/{cid}")
    assert pub.status_code == 200 and "直流电压国家比对" in pub.text and "<svg" in pub.text
    assert f'href="/public/comparisons/{cid}"' in public.get("/public/comparisons").text
    csv_text = public.get(f"/public/comparisons/{cid}/results.csv").text
    assert csv_text.startswith("\ufefflab,") and "K2" in csv_text
    pdf = public.get(f"/public/comparisons/{cid}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    _pdf_checks(
        pdf.content, Path(__file__).resolve().parents[2] / "build" / "screens" / "comparisons" / "report.pdf"
    )
    # once published everyone sees the comparison, but outsiders see no submission history and no draft
    js = TestClient(app, raise_server_exceptions=False)
    login(js, "regulator_js")
    outsider = js.get(f"/comparisons/{cid}")
    assert (
        outsider.status_code == 200
        and "10.0000098" not in outsider.text
        and 'id="submissions"' not in outsider.text
    )
    assert public.get(f"/comparisons/{cid}", follow_redirects=False).status_code == 303
    # English page
    en = public.get(f"/public/comparisons/{cid}", cookies={"jiliang_lang": "en"})
    assert "Reference value" in en.text


def test_schedule_and_history_page(workflow: Workflow, tokens) -> None:
    wf = workflow
    wf.create(title="巡回日程比对", unit="g", codes=["A", "B"])
    r = wf.c.put(
        f"/api/v1/comparisons/{wf.id}/participants/A",
        json={"received_on": "2026-11-01", "returned_on": "2026-11-05"},
        headers=wf.pilot(),
    )
    assert r.status_code == 200 and r.json()["returned_on"] == "2026-11-05"
    r = wf.c.put(
        f"/api/v1/comparisons/{wf.id}/participants/A", json={"returned_on": "2026-10-01"}, headers=wf.pilot()
    )
    assert r.status_code == 422 and r.json()["field"] == "returned_on"
    assert (
        wf.c.put(
            f"/api/v1/comparisons/{wf.id}/participants/A",
            json={"received_on": "2026-11-02"},
            headers=bearer(wf.labs["A"]["token"]),
        ).status_code
        == 403
    )
    assert (
        wf.c.put(f"/api/v1/comparisons/{wf.id}/participants/ZZ", json={}, headers=wf.pilot()).status_code
        == 404
    )
    org = wf.labs["A"]["org"]["id"]
    c = TestClient(wf.c.app, raise_server_exceptions=False)
    login(c, wf.labs["A"]["username"], "cmp-pass-2026")
    assert c.get(f"/comparisons/pt-history/{org}").status_code == 200
    assert c.get(f"/comparisons/pt-history/{wf.labs['B']['org']['id']}").status_code == 404
    assert (
        wf.c.get(f"/api/v1/comparisons/pt-history/{org}", headers=bearer(tokens["enterprise"])).status_code
        == 404
    )
    assert (
        wf.c.get("/api/v1/comparisons/pt-history/999999999", headers=bearer(tokens["admin"])).status_code
        == 404
    )
    _ = io
