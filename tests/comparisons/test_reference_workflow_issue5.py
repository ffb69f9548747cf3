"""Issue 5: the published reference cases reproduced THROUGH THE WORKFLOW.

Participants submit their results through the API (sealed), the comparison unseals when all have
submitted (or, for the 34-lab ISO 13528 round, when the deadline has passed and the pilot enters the
reported results from a CSV), the pilot analyses, a regulator publishes, and the published values (public
API, public page, CSV) are compared with ../shared/reference within the stated tolerances.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

import pytest

from tests.comparisons.conftest import Workflow, bearer, reference


def expected(case: dict[str, Any], name: str, **match: Any) -> tuple[float, float]:
    hits = [
        e
        for e in case["expected"]
        if e["name"] == name and e.get("assert", True) and all(e.get(k) == v for k, v in match.items())
    ]
    assert hits, (case["id"], name, match)
    return float(hits[0]["value"]), float(hits[0]["tolerance"])


def close(got: float, case: dict[str, Any], name: str, **match: Any) -> None:
    value, tol = expected(case, name, **match)
    assert abs(got - value) <= tol + 1e-15, (case["id"], name, match, got, value, tol)


def _submit_all(
    wf: Workflow,
    results: list[dict[str, Any]],
    unit: str,
    convert: dict[str, tuple[str, float]] | None = None,
) -> None:
    for i, r in enumerate(results):
        u = r.get("u", r.get("U", 0) / r.get("k", 1))
        body: dict[str, Any] = {"value": r["x"], "standard_uncertainty": u, "unit": unit}
        if r["lab"] in (convert or {}):
            other, factor = (convert or {})[r["lab"]]
            body.update(value=r["x"] * factor, standard_uncertainty=u * factor, unit=other)
        if r.get("dof"):
            body["dof"] = r["dof"]
        if r.get("k"):
            body["coverage_factor"] = r["k"]
        resp = wf.submit(r["lab"], **body)
        assert resp.status_code == 201, resp.text
        detail = wf.c.get(f"/api/v1/comparisons/{wf.id}", headers=wf.pilot()).json()
        # sealed until the last one: the pilot sees no submission at all
        if i < len(results) - 1:
            assert (
                detail["unsealed_at"] is None
                and detail["submissions"] == []
                and detail["submitted_count"] is None
            )
        else:
            assert detail["unsealed_reason"] == "all_submitted" and len(detail["submissions"]) == len(results)


@pytest.mark.slow
def test_ccem_rf_k25w_through_the_workflow(workflow: Workflow, tokens) -> None:  # type: ignore[no-untyped-def]
    case = reference("ccem-rf-k25w")
    results = case["inputs"]["results"]
    wf = workflow
    wf.create(title="CCEM.RF-K25.W (workflow reference)", unit="1", codes=[r["lab"] for r in results])
    _submit_all(wf, results, "1")
    draft_a = wf.analyse(kind="draft_a")
    assert [r["lab"] for r in draft_a["outputs"]["results"]] == [r["lab"] for r in results]
    excluded = [r["lab"] for r in results if not r["in_kcrv"]]
    # the final report's KCRV: arithmetic mean of the 7, u = √Σu²/n
    am = wf.analyse(kind="draft_b", method="arithmetic-mean", uncertainty="propagated", excluded=excluded)
    ref = am["outputs"]["reference"]
    close(ref["value"], case, "KCRV (arithmetic mean of 7)")
    for e in case["expected"]:
        if e["name"] == "u(KCRV)":
            assert abs(ref["standard_uncertainty"] - e["value"]) <= e["tolerance"]
    assert am["options"]["excluded"] == ["NRC"] and am["core_version"].startswith("jiliang")
    # NICOB analyses of all 8
    wm = wf.analyse(kind="draft_b", method="weighted-mean")["outputs"]["reference"]
    close(wm["value"], case, "Cox A weighted mean y (all 8)")
    close(wm["standard_uncertainty"], case, "Cox A u(y)")
    close(wm["consistency"]["chi2"], case, "Cochran Q")
    close(wm["consistency"]["p_value"], case, "p(chi2)")
    close(wm["consistency"]["p_value"], case, "Cochran Q p-value (all 8)")
    close(wm["consistency"]["birge_ratio"], case, "Birge ratio R_B")
    dl = wf.analyse(kind="draft_b", method="dl")["outputs"]["reference"]
    close(dl["value"], case, "DL mu (all 8)")
    close(dl["tau"], case, "DL tau")
    close(dl["standard_uncertainty"], case, "DL u (naive)")
    close(dl["value"], case, "DL mu, correct (τ² = 0)")
    pm = wf.analyse(kind="draft_b", method="pm")["outputs"]["reference"]
    close(pm["value"], case, "PM mu")
    close(pm["tau"], case, "PM tau")
    close(pm["standard_uncertainty"], case, "PM u")
    boot = wf.analyse(kind="draft_b", method="dl", uncertainty="bootstrap", seed=7)
    b = boot["outputs"]["reference"]
    assert boot["options"]["reference_options"] == {"uncertainty": "bootstrap", "seed": 7}
    close(b["standard_uncertainty"], case, "DL u (bootstrap)")
    close(b["coverage_interval"][0], case, "DL 95 % interval low")
    close(b["coverage_interval"][1], case, "DL 95 % interval high")
    # the regulator (Zhejiang) approves and publishes the final-report KCRV
    r = wf.publish(am["id"], tokens["regulator"])
    assert r.status_code == 200, r.text
    pub = wf.c.get(f"/api/v1/public/comparisons/{wf.id}").json()
    close(pub["analysis"]["outputs"]["reference"]["value"], case, "KCRV (arithmetic mean of 7)")
    close(pub["analysis"]["outputs"]["reference"]["standard_uncertainty"], case, "u(KCRV)", printed="0.00277")
    page = wf.c.get(f"/public/comparisons/{wf.id}")
    assert page.status_code == 200 and "<svg" in page.text
    rows = list(
        csv.DictReader(
            io.StringIO(wf.c.get(f"/public/comparisons/{wf.id}/results.csv").text.lstrip("\ufeff"))
        )
    )
    assert [row["lab"] for row in rows] == [r["lab"] for r in results]
    by = {row["lab"]: row for row in rows}
    kcrv = pub["analysis"]["outputs"]["reference"]["value"]
    for r in results:
        assert math.isclose(float(by[r["lab"]]["d"]), r["x"] - kcrv, abs_tol=1e-9)
    assert by["NRC"]["contributes"] == "False"


@pytest.mark.slow
def test_ccqm_k25_pcb28_through_the_workflow(workflow: Workflow, tokens) -> None:  # type: ignore[no-untyped-def]
    case = reference("ccqm-k25-pcb28")
    results = case["inputs"]["results"]
    wf = workflow
    wf.create(title="CCQM-K25 PCB 28 (workflow reference)", unit="ng/g", codes=[r["lab"] for r in results])
    # two labs report in other units: converted to ng/g on entry
    _submit_all(wf, results, "ng/g", convert={"NIST": ("mg/kg", 1e-3), "NMIJ": ("µg/kg", 1.0)})
    subs = wf.c.get(f"/api/v1/comparisons/{wf.id}/submissions", headers=wf.pilot()).json()
    nist = next(s for s in subs if s["lab_code"] == "NIST")
    assert nist["entered_unit"] == "mg/kg" and math.isclose(nist["value"], 32.42, rel_tol=1e-12)
    wm = wf.analyse(kind="draft_b", method="weighted-mean")["outputs"]["reference"]
    close(wm["value"], case, "Cox A weighted mean y")
    close(wm["standard_uncertainty"], case, "Cox A u(y)")
    close(wm["consistency"]["chi2"], case, "Cox A chi2_obs")
    close(wm["consistency"]["critical_value"], case, "chi2 critical value (0.95, nu = 5)")
    close(wm["consistency"]["p_value"], case, "Cox A p(chi2)")
    close(wm["consistency"]["birge_ratio"], case, "Birge ratio R_B")
    assert wm["consistency"]["passed"] == bool(expected(case, "Cox A consistency check passed")[0])
    dl = wf.analyse(kind="draft_b", method="dl")["outputs"]["reference"]
    close(dl["value"], case, "DL mu", printed="33.6004")
    close(dl["tau"], case, "DL tau")
    close(dl["standard_uncertainty"], case, "DL u (naive)")
    pm = wf.analyse(kind="draft_b", method="pm")["outputs"]["reference"]
    close(pm["value"], case, "PM mu")
    close(pm["tau"], case, "PM tau")
    close(pm["standard_uncertainty"], case, "PM u")
    lp = wf.analyse(kind="draft_b", method="linear-pool", seed=3)
    ref = lp["outputs"]["reference"]
    close(ref["value"], case, "LP mean")
    close(ref["standard_uncertainty"], case, "LP u")
    close(ref["coverage_interval"][0], case, "LP 95 % interval low")
    close(ref["coverage_interval"][1], case, "LP 95 % interval high")
    for e in lp["outputs"]["doe"]["entries"]:
        close(e["d"], case, "LP unilateral DoE D (MRA)", lab=e["lab"])
        close(e["U_d"], case, "LP unilateral DoE U95 (MRA)", lab=e["lab"])
    boot = wf.analyse(kind="draft_b", method="dl", uncertainty="bootstrap", seed=11)
    b = boot["outputs"]["reference"]
    close(b["standard_uncertainty"], case, "DL u (parametric bootstrap)")
    close(b["coverage_interval"][0], case, "DL 95 % interval low")
    close(b["coverage_interval"][1], case, "DL 95 % interval high")
    bil = boot["outputs"]["bilateral"]
    i, j = bil["labs"].index("IRMM"), bil["labs"].index("KRISS")
    close(bil["B"][i][j], case, "DL bilateral DoE B (MRA)")
    close(bil["U_B"][i][j], case, "DL bilateral DoE U95 (MRA)")
    # a regulator of another province may not publish; the Zhejiang regulator publishes the LP analysis
    assert wf.publish(lp["id"], tokens["regulator_js"]).status_code == 404
    assert wf.publish(lp["id"], tokens["regulator"]).status_code == 200
    pub = wf.c.get(f"/api/v1/public/comparisons/{wf.id}").json()["analysis"]
    assert pub["id"] == lp["id"] and pub["digest"] == lp["digest"]
    for e in pub["outputs"]["doe"]["entries"]:
        close(e["d"], case, "LP unilateral DoE D (MRA)", lab=e["lab"])


@pytest.fixture(scope="module")
def pt_labs(app) -> list[int]:  # type: ignore[no-untyped-def]
    """34 institutions for the ISO 13528 E.3 round (created once, region 330100)."""
    from jiliang.core.codes import make_credit_code
    from jiliang.organisations import service as orgs
    from jiliang.organisations.schemas import OrganisationCreate
    from jiliang.platform.access import SYSTEM
    from tests.comparisons.conftest import institutions

    have = [o["id"] for o in institutions() if o["name"].startswith("比对能力验证实验室")]
    for n in range(len(have), 34):
        org = orgs.create_organisation(
            principal=SYSTEM,
            data=OrganisationCreate(
                kind="institution",
                name=f"比对能力验证实验室{n + 1:02d}",
                credit_code=make_credit_code("330100", 55_500_000 + n, registration_authority="1"),
                region_code="330100",
                sector="lab",
            ),
        )
        have.append(org.id)
    return have[:34]


def test_iso13528_e3_atrazine_through_the_workflow(api, tokens, lab_users, pt_labs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jiliang.comparisons import service

    case = reference("iso13528-e3-atrazine")
    x = case["inputs"]["results"]
    pilot = lab_users[next(n for n, u in lab_users.items() if u["org"]["region_code"] == "330100")]
    codes = [f"P{i + 1:02d}" for i in range(len(x))]
    body = {
        "kind": "proficiency_test",
        "title": "ISO 13528 E.3 atrazine (workflow reference)",
        "quantity": "atrazine in drinking water",
        "unit": "µg/L",
        "pilot_id": pilot["org"]["id"],
        "region_code": "330100",
        "deadline": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        "participants": [{"organisation_id": o, "lab_code": c} for o, c in zip(pt_labs, codes, strict=True)],
    }
    r = api.post("/api/v1/comparisons", json=body, headers=bearer(pilot["token"]))  # the pilot creates it
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    # before the deadline the pilot cannot enter or analyse anything
    lines = ["lab_code,value,standard_uncertainty,unit"] + [
        f"{c},{v},{0.01},µg/L" for c, v in zip(codes, x, strict=True)
    ]
    csv_body = "\n".join(lines).encode()
    assert (
        api.post(
            f"/api/v1/comparisons/{cid}/submissions-csv", content=csv_body, headers=bearer(pilot["token"])
        ).status_code
        == 422
    )
    monkeypatch.setattr(service, "today", lambda: dt.date.today() + dt.timedelta(days=11))
    r = api.post(
        f"/api/v1/comparisons/{cid}/submissions-csv", content=csv_body, headers=bearer(pilot["token"])
    )
    assert r.status_code == 201, r.text
    detail = api.get(f"/api/v1/comparisons/{cid}", headers=bearer(pilot["token"])).json()
    assert detail["unsealed_reason"] == "deadline_passed"
    an = api.post(
        f"/api/v1/comparisons/{cid}/analyses",
        headers=bearer(pilot["token"]),
        json={
            "kind": "pt",
            "assigned": {"source": "consensus", "method": "algorithm-a", "stopping": "convergence"},
            "sigma_pt": {"source": "robust"},
        },
    )
    assert an.status_code == 201, an.text
    out = an.json()["outputs"]
    close(out["x_pt"], case, "x* (Algorithm A)", condition="full convergence")
    close(out["sigma_pt"], case, "s* (Algorithm A)", condition="full convergence")
    close(out["u_x_pt"], case, "u(x_pt)")
    close(0.3 * out["sigma_pt"], case, "0.3·σ_pt")
    assert out["scores"]["statistic"] == "z"
    by_x = {p["x"]: p for p in out["scores"]["participants"]}
    for e in case["expected"]:
        if e["name"] == "z":
            xv = float(e["lab"].split("=")[1].strip(" )"))
            assert abs(by_x[xv]["z"] - e["value"]) <= e["tolerance"]
    counts = out["scores"]["counts"]
    close(counts["satisfactory"], case, "count acceptable (|z| ≤ 2)")
    close(counts["questionable"], case, "count warning (2 < |z| < 3)")
    close(counts["unsatisfactory"], case, "count action (|z| ≥ 3)")
    signals = {p["lab"]: p["z signal"] for p in out["scores"]["participants"]}
    assert signals[codes[0]] == "action" and signals[codes[10]] == "none"
    # the standard's stopping rule and Q/Hampel as further snapshots
    a2 = api.post(
        f"/api/v1/comparisons/{cid}/analyses",
        headers=bearer(pilot["token"]),
        json={
            "kind": "pt",
            "assigned": {"source": "consensus", "method": "algorithm-a"},
            "sigma_pt": {"source": "robust"},
        },
    )
    close(a2.json()["outputs"]["robust"]["iterations"], case, "iterations (Algorithm A)")
    qh = api.post(
        f"/api/v1/comparisons/{cid}/analyses",
        headers=bearer(pilot["token"]),
        json={
            "kind": "pt",
            "assigned": {"source": "consensus", "method": "q-hampel"},
            "sigma_pt": {"source": "robust"},
        },
    )
    q = qh.json()["outputs"]
    close(q["x_pt"], case, "x_pt (Q/Hampel)")
    close(q["sigma_pt"], case, "s* (Q method)")
    close(q["u_x_pt"], case, "u(x_pt) (Q/Hampel)")
    # a Hangzhou regulator publishes; the participants' history shows the round
    assert (
        api.post(
            f"/api/v1/comparisons/{cid}/analyses/{an.json()['id']}/publish",
            headers=bearer(tokens["regulator_hz"]),
        ).status_code
        == 200
    )
    hist = api.get(
        f"/api/v1/comparisons/pt-history/{pt_labs[0]}", headers=bearer(tokens["regulator_hz"])
    ).json()
    row = next(h for h in hist["rounds"] if h["comparison_id"] == cid)
    close(row["score"], case, "z", lab="(lab with x = 0.040)")
    assert row["signal"] == "action" and row["classification"] == "unsatisfactory"
    # another province's regulator does not see a Hangzhou lab's history
    assert (
        api.get(
            f"/api/v1/comparisons/pt-history/{pt_labs[0]}", headers=bearer(tokens["regulator_js"])
        ).status_code
        == 404
    )


def test_iso13528_e4_imep111_through_the_workflow(workflow: Workflow, tokens) -> None:  # type: ignore[no-untyped-def]
    case = reference("iso13528-e4-mercury-imep111")
    results = case["inputs"]["results"]
    params = case["inputs"]["parameters"]
    wf = workflow
    wf.create(
        title="IMEP-111 mercury (workflow reference)",
        unit="mg/kg",
        codes=[r["lab"] for r in results],
        kind="proficiency_test",
    )
    _submit_all(wf, results, "mg/kg")
    an = wf.analyse(
        kind="pt",
        assigned={
            "source": "formulation",
            "value": params["x_pt"]["value"],
            "standard_uncertainty": params["U_x_pt"]["value"] / params["U_x_pt"]["k"],
        },
        sigma_pt={"source": "fixed", "value": params["sigma_pt"]["value"]},
    )
    rows = {p["lab"]: p for p in an["outputs"]["scores"]["participants"]}
    for e in case["expected"]:
        key = {"z": "z", "z'": "z'", "zeta": "zeta", "E_n": "E_n"}[e["name"]]
        assert abs(rows[e["lab"]][key] - e["value"]) <= e["tolerance"], (e, rows[e["lab"]][key])
    assert wf.publish(an["id"], tokens["regulator"]).status_code == 200
    text = wf.c.get(f"/public/comparisons/{wf.id}/results.csv").text
    assert "L04" in text and "unsatisfactory" in text
