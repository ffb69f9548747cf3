"""Issue 5: ISO 13528:2022 Annex E.4 (IMEP-111 mercury) z, z′, ζ and E_n reproduce (API and CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiliang.core.comparison import en_number, pt_scores, z_prime_score, z_score, zeta_score
from tests.core.comparison.comparison_helpers import asserted, check, cli_json, entry_id, load_reference

REF = load_reference("iso13528-e4-mercury-imep111.json")
P = REF["inputs"]["parameters"]
X_PT = P["x_pt"]["value"]
U_PT = P["U_x_pt"]["value"] / P["U_x_pt"]["k"]
BIG_U_PT = P["U_x_pt"]["value"]
SIGMA = P["sigma_pt"]["value"]
LABS = {r["lab"]: r for r in REF["inputs"]["results"]}
KEY = {"z": "z", "z'": "z_prime", "zeta": "zeta", "E_n": "en"}


def _single(lab: str, name: str) -> float:
    r = LABS[lab]
    x, big_u, k = r["x"], r["U"], r["k"]
    if name == "z":
        return float(z_score(x, X_PT, SIGMA))
    if name == "z'":
        return float(z_prime_score(x, X_PT, SIGMA, U_PT))
    if name == "zeta":
        return float(zeta_score(x, big_u / k, X_PT, U_PT))  # u(x) = U/k (L23: k = 1.732)
    if name == "E_n":
        return float(en_number(x, big_u, X_PT, BIG_U_PT))  # E_n uses the reported U
    raise AssertionError(name)


ROUND = pt_scores(
    [r["x"] for r in LABS.values()],
    X_PT,
    sigma_pt=SIGMA,
    expanded_uncertainty_x_pt=BIG_U_PT,
    standard_uncertainties=[r["U"] / r["k"] for r in LABS.values()],
    expanded_uncertainties=[r["U"] for r in LABS.values()],
    labs=list(LABS),
)


@pytest.mark.parametrize("e", asserted(REF), ids=entry_id)
def test_issue5_e4_single_scores(e: dict[str, Any]) -> None:
    check(_single(e["lab"], e["name"]), e)


@pytest.mark.parametrize("e", asserted(REF), ids=entry_id)
def test_issue5_e4_round(e: dict[str, Any]) -> None:
    i = ROUND.labs.index(e["lab"])
    check(float(getattr(ROUND, KEY[e["name"]])[i]), e)


def test_issue5_e4_choice_and_signals() -> None:
    assert ROUND.u_x_pt == pytest.approx(0.0041)
    assert not ROUND.u_x_pt_negligible  # 0.0041 > 0.3·0.0066, so z′ is the score to use (9.2.1)
    assert ROUND.statistic == "z'"
    rows = {r["lab"]: r for r in ROUND.rows()}
    assert rows["L04"]["z' signal"] == "action" and rows["L01"]["z' signal"] == "none"
    assert rows["L04"]["E_n class"] == "unsatisfactory" and rows["L21"]["E_n class"] == "satisfactory"


def test_issue5_e4_cli(tmp_path: Path) -> None:
    f = tmp_path / "e4.csv"
    f.write_text("lab,x,U,k\n" + "".join(f"{r['lab']},{r['x']},{r['U']},{r['k']}\n" for r in LABS.values()),
                 encoding="utf-8")
    out = cli_json("pt", "scores", str(f), "--x-pt", str(X_PT), "--sigma-pt", str(SIGMA), "--U-x-pt", str(BIG_U_PT))
    rows = {p["lab"]: p for p in out["participants"]}
    for e in asserted(REF):
        check(rows[e["lab"]][e["name"]], e)
