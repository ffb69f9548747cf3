"""Issue 5: ISO 13528:2022 Annex E.1 — Algorithm A with censored ("less than") results.

The reference file has no input data (``results: null``); its notes say to take them from the cited
source. They are ISO 13528:2022 Table E.1 as transcribed in kanunimurat/pt13528
``tests/annex_e_data.py``: 23 results of which five are reported as "<L". The three treatments of
E.1 are "ignored" (use L), "deleted" (drop the result) and "half" (use L/2). The printed values
follow the standard's third-significant-figure stopping rule; the "half" column is a known printed
inconsistency (tolerance ±1 in the last digit, as the file states).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiliang.core.comparison import ComparisonInputError, algorithm_a, censored_values
from tests.core.comparison.comparison_helpers import asserted, check, cli_json, entry_id, load_reference

REF = load_reference("iso13528-e1-censored.json")

# ISO 13528:2022 Table E.1, in the order printed (five censored results).
TABLE_E1: list[object] = [
    "<10", "<10", 12, 19, "<20", 20, 23, 23, 25, 25, 26, 28, 28, "<30", 28, 29, 30, 30, 31, 32, 32, 45, "<50",
]
TREATMENT = {"ignored": "limit", "deleted": "delete", "half": "half"}


def computed(e: dict[str, Any]) -> float:
    values = censored_values(TABLE_E1, TREATMENT[e["case"]]).values
    stopping = "convergence" if e.get("condition") == "full convergence" else "iso13528"
    est = algorithm_a(values, stopping=stopping)
    return est.location if e["name"] == "x*" else est.scale


@pytest.mark.parametrize("e", asserted(REF), ids=entry_id)
def test_issue5_e1_api(e: dict[str, Any]) -> None:
    check(computed(e), e)


def test_issue5_e1_input_data_absent_in_reference_file() -> None:
    assert REF["inputs"]["results"] is None  # so the data above come from the cited source


def test_issue5_e1_treatments() -> None:
    lim = censored_values(TABLE_E1, "limit")
    dele = censored_values(TABLE_E1, "delete")
    half = censored_values(TABLE_E1, "half")
    assert lim.censored_rows == (1, 2, 5, 14, 23)
    assert len(lim.values) == 23 and len(dele.values) == 18 and len(half.values) == 23
    assert list(half.values[[0, 1, 4, 13, 22]]) == [5, 5, 10, 15, 25]
    assert list(lim.values[[0, 1, 4, 13, 22]]) == [10, 10, 20, 30, 50]
    assert dele.kept_rows == tuple(i for i in range(1, 24) if i not in (1, 2, 5, 14, 23))


def test_issue5_e1_bad_censored_input() -> None:
    with pytest.raises(ComparisonInputError, match="row 3.*not a number"):
        censored_values([1, 2, "abc"])
    with pytest.raises(ComparisonInputError, match="row 2.*'half'"):
        censored_values([1, ">5"], "half")
    with pytest.raises(ValueError, match="treatment"):
        censored_values([1, 2], "quarter")


def test_issue5_e1_cli(tmp_path: Path) -> None:
    f = tmp_path / "e1.csv"
    f.write_text("lab,x\n" + "".join(f"P{i},{v}\n" for i, v in enumerate(TABLE_E1, start=1)), encoding="utf-8")
    for e in asserted(REF):
        args = ["pt", "robust", str(f), "--censored", TREATMENT[e["case"]]]
        if e.get("condition") == "full convergence":
            args += ["--stopping", "convergence"]
        out = cli_json(*args)
        check(out["x_star"] if e["name"] == "x*" else out["s_star"], e)
