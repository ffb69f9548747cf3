"""Issue 5: CCQM-K25 PCB 28 (NICOB manual Exhibits 6–7) reproduces through the API and the CLI.

Deterministic figures (Cox A, Cochran Q, DL point value, PM) to the printed digits; Monte Carlo
figures (DL parametric bootstrap, linear pool and its DoE, hierarchical Bayes, DL bilateral DoE)
with fixed seeds and enough trials, within the file's Monte Carlo tolerance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiliang.core.comparison import (
    bilateral_doe,
    dersimonian_laird,
    hierarchical_bayes,
    linear_pool,
    paule_mandel,
    unilateral_doe,
    weighted_mean,
)
from jiliang.core.comparison.reference import cochran_q
from tests.core.comparison.comparison_helpers import (
    asserted,
    check,
    cli_json,
    entry_id,
    lab_results_from,
    load_reference,
)

REF = load_reference("ccqm-k25-pcb28.json")
RES = lab_results_from(REF)
SEED = 20260101

WM = weighted_mean(RES)
DL = dersimonian_laird(RES)
DLB = dersimonian_laird(RES, uncertainty="bootstrap", trials=100_000, seed=SEED)
PM = paule_mandel(RES)
LP = linear_pool(RES, trials=1_000_000, seed=SEED)
LP_DOE = unilateral_doe(RES, LP, seed=SEED)
DL_BI = bilateral_doe(unilateral_doe(RES, DLB, seed=SEED))
HB = hierarchical_bayes(RES, seed=SEED)


def computed(e: dict[str, Any]) -> float:
    name = e["name"]
    table: dict[str, float] = {
        "DL mu": DL.value,
        "DL tau": DL.tau,  # type: ignore[dict-item]
        "DL u (naive)": DL.standard_uncertainty,
        "DL u (parametric bootstrap)": DLB.standard_uncertainty,
        "DL 95 % interval low": DLB.coverage_interval[0],
        "DL 95 % interval high": DLB.coverage_interval[1],
        "HB mu": HB.value,
        "HB u": HB.standard_uncertainty,
        "HB 95 % interval low": HB.coverage_interval[0],
        "HB 95 % interval high": HB.coverage_interval[1],
        "HB posterior mean tau": HB.tau,  # type: ignore[dict-item]
        "LP mean": LP.value,
        "LP u": LP.standard_uncertainty,
        "LP 95 % interval low": LP.coverage_interval[0],
        "LP 95 % interval high": LP.coverage_interval[1],
        "Cox A weighted mean y": WM.value,
        "Cox A u(y)": WM.standard_uncertainty,
        "Cox A chi2_obs": WM.consistency.chi2,
        "chi2 critical value (0.95, nu = 5)": WM.consistency.critical_value,
        "Cox A p(chi2)": WM.consistency.p_value,
        "Birge ratio R_B": WM.consistency.birge_ratio,
        "Cox A consistency check passed": float(WM.consistency.passed),
        "Cochran Q": cochran_q([r.value for r in RES], [r.standard_uncertainty for r in RES])[0],
        "PM mu": PM.value,
        "PM tau": PM.tau,  # type: ignore[dict-item]
        "PM u": PM.standard_uncertainty,
    }
    if name in table:
        return table[name]
    if name == "LP unilateral DoE D (MRA)":
        return LP_DOE.entry(e["lab"]).d
    if name == "LP unilateral DoE U95 (MRA)":
        return LP_DOE.entry(e["lab"]).expanded_uncertainty
    if name == "DL bilateral DoE B (MRA)":
        a, b = e["lab"].split("–")
        return DL_BI.get(a, b)[0]
    if name == "DL bilateral DoE U95 (MRA)":
        a, b = e["lab"].split("–")
        return DL_BI.get(a, b)[1]
    raise AssertionError(f"no computation mapped for {entry_id(e)}")


@pytest.mark.parametrize("e", asserted(REF), ids=entry_id)
def test_issue5_pcb28_api(e: dict[str, Any]) -> None:
    check(computed(e), e)


def test_issue5_pcb28_conventions_recorded() -> None:
    assert not WM.consistency.passed and WM.notes  # Procedure A not applicable: a note says so
    assert DLB.monte_carlo is not None and DLB.monte_carlo.seed == SEED and DLB.monte_carlo.trials == 100_000
    assert DLB.options["uncertainty"] == "bootstrap" and DL.options["uncertainty"] == "naive"
    assert DL.details["tau2_truncated_at_zero"] is True
    assert LP.options["trials"] == 1_000_000 and LP.options["weights"] is None
    assert HB.options["tau_prior_scale"] == "mad" and HB.details["r_hat_mu"] < 1.01
    assert LP_DOE.options["form"] == "mra" and all(e.basis == "monte-carlo" for e in LP_DOE.entries)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_issue5_pcb28_mc_not_seed_picked(seed: int) -> None:
    """The MC figures reproduce for other seeds too (the tolerance covers MC noise)."""
    by = {(e["name"], e.get("lab")): e for e in asserted(REF)}
    dlb = dersimonian_laird(RES, uncertainty="bootstrap", trials=50_000, seed=seed)
    check(dlb.standard_uncertainty, by[("DL u (parametric bootstrap)", None)])
    check(dlb.coverage_interval[0], by[("DL 95 % interval low", None)])
    check(dlb.coverage_interval[1], by[("DL 95 % interval high", None)])
    lp = linear_pool(RES, trials=400_000, seed=seed)
    check(lp.standard_uncertainty, by[("LP u", None)])
    check(lp.coverage_interval[0], by[("LP 95 % interval low", None)])
    check(lp.coverage_interval[1], by[("LP 95 % interval high", None)])
    if seed == 2:
        hb = hierarchical_bayes(RES, seed=seed)
        for name, value in (("HB mu", hb.value), ("HB u", hb.standard_uncertainty),
                            ("HB 95 % interval low", hb.coverage_interval[0]),
                            ("HB 95 % interval high", hb.coverage_interval[1]), ("HB posterior mean tau", hb.tau)):
            check(value, by[(name, None)])  # type: ignore[arg-type]


def _csv(tmp_path: Path) -> Path:
    f = tmp_path / "pcb28.csv"
    f.write_text("lab,x,u,dof\n" + "".join(f"{r.lab},{r.value},{r.standard_uncertainty},{r.dof:g}\n" for r in RES),
                 encoding="utf-8")
    return f


def test_issue5_pcb28_cli(tmp_path: Path) -> None:
    f = str(_csv(tmp_path))
    by = {(e["name"], e.get("lab")): e for e in asserted(REF)}
    wm = cli_json("comparison", "analyse", f, "--method", "weighted-mean")
    check(wm["reference_value"], by[("Cox A weighted mean y", None)])
    check(wm["standard_uncertainty"], by[("Cox A u(y)", None)])
    check(wm["chi2"], by[("Cox A chi2_obs", None)])
    check(wm["p_value"], by[("Cox A p(chi2)", None)])
    check(wm["birge_ratio"], by[("Birge ratio R_B", None)])
    assert wm["consistent"] is False
    dl = cli_json("comparison", "analyze", f, "--method", "dl")
    check(dl["reference_value"], next(e for e in asserted(REF) if e["name"] == "DL mu" and e["printed"] == "33.6004"))
    check(dl["tau"], by[("DL tau", None)])
    check(dl["standard_uncertainty"], by[("DL u (naive)", None)])
    boot = cli_json("comparison", "analyse", f, "--method", "dl", "--bootstrap", "--trials", "100000", "--seed",
                    str(SEED), "--bilateral")
    check(boot["standard_uncertainty"], by[("DL u (parametric bootstrap)", None)])
    check(boot["coverage_interval"][0], by[("DL 95 % interval low", None)])
    check(boot["coverage_interval"][1], by[("DL 95 % interval high", None)])
    labs = boot["bilateral"]["labs"]
    i, j = labs.index("IRMM"), labs.index("KRISS")
    check(boot["bilateral"]["B"][i][j], by[("DL bilateral DoE B (MRA)", "IRMM–KRISS")])
    check(boot["bilateral"]["U_B"][i][j], by[("DL bilateral DoE U95 (MRA)", "IRMM–KRISS")])
    pm = cli_json("comparison", "analyse", f, "--method", "pm")
    check(pm["reference_value"], by[("PM mu", None)])
    check(pm["tau"], by[("PM tau", None)])
    check(pm["standard_uncertainty"], by[("PM u", None)])
    lp = cli_json("comparison", "analyse", f, "--method", "linear-pool", "--trials", "1000000", "--seed", str(SEED))
    check(lp["reference_value"], by[("LP mean", None)])
    check(lp["standard_uncertainty"], by[("LP u", None)])
    rows = {r["lab"]: r for r in lp["labs"]}
    for e in asserted(REF):
        if e["name"] == "LP unilateral DoE D (MRA)":
            check(rows[e["lab"]]["d"], e)
        if e["name"] == "LP unilateral DoE U95 (MRA)":
            check(rows[e["lab"]]["U_d"], e)
    hb = cli_json("comparison", "analyse", f, "--method", "hb", "--seed", str(SEED))
    check(hb["reference_value"], by[("HB mu", None)])
    check(hb["standard_uncertainty"], by[("HB u", None)])
    check(hb["tau"], by[("HB posterior mean tau", None)])
