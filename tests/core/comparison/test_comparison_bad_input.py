"""Issue 5: bad input gets a clear error naming the laboratory (or row) and the field."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from jiliang.core.comparison import (
    ComparisonInputError,
    LabResult,
    algorithm_a,
    dersimonian_laird,
    homogeneity_check,
    lab_results,
    linear_pool,
    pt_scores,
    weighted_mean,
)
from tests.core.comparison.comparison_helpers import run_cli


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"standard_uncertainty": 0.0}, "standard_uncertainty", "must be positive"),
        ({"standard_uncertainty": -0.1}, "standard_uncertainty", "must be positive"),
        ({"standard_uncertainty": math.nan}, "standard_uncertainty", "NaN"),
        ({"value": math.nan}, "value", "NaN"),
        ({"value": math.inf}, "value", "infinite"),
        ({"value": "12.3"}, "value", "must be a number"),
        ({"dof": 0}, "dof", "must be positive"),
        ({"dof": math.nan}, "dof", "NaN"),
        ({"coverage_factor": -2}, "coverage_factor", "must be positive"),
    ],
)
def test_issue5_lab_result_rejects(kwargs: dict[str, object], field: str, message: str) -> None:
    base: dict[str, object] = {"lab": "NIM", "value": 1.0, "standard_uncertainty": 0.1}
    base.update(kwargs)
    with pytest.raises(ComparisonInputError, match=message) as exc:
        LabResult(**base)  # type: ignore[arg-type]
    assert exc.value.lab == "NIM" and exc.value.field == field
    assert "NIM" in str(exc.value) and field in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_issue5_infinite_dof_means_none() -> None:
    assert LabResult("a", 1, 0.1, dof=math.inf).dof is None


def test_issue5_fewer_than_two_labs() -> None:
    with pytest.raises(ValueError, match="at least 2 participants"):
        weighted_mean([LabResult("only", 1.0, 0.1)])
    with pytest.raises(ValueError, match="at least 2 participants"):
        dersimonian_laird([LabResult("a", 1.0, 0.1), LabResult("b", 1.0, 0.1, included=False)])


def test_issue5_duplicate_lab() -> None:
    with pytest.raises(ComparisonInputError, match="duplicate") as exc:
        weighted_mean([LabResult("a", 1.0, 0.1), LabResult("a", 1.1, 0.1)])
    assert exc.value.lab == "a"


def test_issue5_lab_results_builder_lengths() -> None:
    with pytest.raises(ComparisonInputError, match="2 entries given for 3"):
        lab_results(["a", "b", "c"], [1, 2, 3], [0.1, 0.1])


def test_issue5_pool_weights_name_lab() -> None:
    res = [LabResult("a", 1.0, 0.1), LabResult("b", 1.1, 0.1)]
    with pytest.raises(ComparisonInputError, match="lab 'b'.*weight"):
        linear_pool(res, weights={"a": 1.0}, trials=1000)
    with pytest.raises(ComparisonInputError, match="lab 'a'"):
        linear_pool(res, weights={"a": -1.0, "b": 1.0}, trials=1000)


def test_issue5_pt_bad_input_names_row() -> None:
    with pytest.raises(ComparisonInputError, match="row 2.*lab 'L2'.*field 'x'"):
        pt_scores([1.0, math.nan, 2.0], 1.0, sigma_pt=0.1)
    with pytest.raises(ComparisonInputError, match="lab 'B'.*standard_uncertainty.*positive"):
        pt_scores([1.0, 2.0], 1.0, sigma_pt=0.1, u_x_pt=0.01, standard_uncertainties=[0.1, 0.0], labs=["A", "B"])
    with pytest.raises(ComparisonInputError, match="sigma_pt"):
        pt_scores([1.0, 2.0], 1.0, sigma_pt=0.0)
    with pytest.raises(ComparisonInputError, match="duplicate"):
        pt_scores([1.0, 2.0], 1.0, sigma_pt=0.1, labs=["A", "A"])
    with pytest.raises(ComparisonInputError, match="row 3"):
        algorithm_a([1.0, 2.0, math.inf])
    with pytest.raises(ComparisonInputError, match="row 2"):
        homogeneity_check([[1, 2], [1, math.nan], [2, 3]], 0.5)


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("lab,x,u\nA,1.0,0.1\nB,nan,0.1\n", "row 2, lab 'B', field 'x'"),
        ("lab,x,u\nA,1.0,0.1\nB,abc,0.1\n", "row 2, lab 'B', field 'x': not a number"),
        ("lab,x,u\nA,1.0,0.1\nB,1.2,\n", "row 2, lab 'B', field 'u'"),
        ("lab,x,u\nA,1.0,0\nB,1.2,0.1\n", "row 1, lab 'A', field 'u': must be positive"),
        ("lab,x,u\nA,1.0,-0.2\nB,1.2,0.1\n", "row 1, lab 'A', field 'u': must be positive"),
        ("lab,x,u\nA,1.0,0.1\nA,1.2,0.1\n", "row 2, lab 'A', field 'lab': duplicate"),
        ("lab,x,u\nA,1.0,0.1\n", "at least two participants"),
        ("lab,x,u,unit\nA,1.0,0.1,mg/kg\nB,1.2,0.1,g/kg\n", "row 2, lab 'B', field 'unit'"),
        ("lab,x,u,included\nA,1.0,0.1,yes\nB,1.2,0.1,maybe\n", "row 2, lab 'B', field 'included'"),
        ("lab,x,u,dof\nA,1.0,0.1,-3\nB,1.2,0.1,5\n", "row 1, lab 'A', field 'dof'"),
        (",x,u\n,1.0,0.1\nB,1.2,0.1\n", "row 1, field 'lab'"),
    ],
)
def test_issue5_cli_bad_input(tmp_path: Path, csv: str, message: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(csv, encoding="utf-8")
    code, out, err = run_cli("comparison", "analyse", str(f))
    assert code == 2
    assert message in err, err


def test_issue5_cli_wrong_unit_option(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_text("lab,x,u,unit\nA,1.0,0.1,mg/kg\nB,1.2,0.1,mg/kg\n", encoding="utf-8")
    code, _, err = run_cli("comparison", "analyse", str(f), "--unit", "g/kg")
    assert code == 2 and "row 1, lab 'A', field 'unit'" in err
    code, out, _ = run_cli("comparison", "analyse", str(f), "--unit", "mg/kg")
    assert code == 0 and "mg/kg" in out


def test_issue5_cli_bad_json_and_censored(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("{not json", encoding="utf-8")
    code, _, err = run_cli("comparison", "analyse", str(f))
    assert code == 2 and "not valid JSON" in err
    g = tmp_path / "c.csv"
    g.write_text("lab,x\nA,<10\nB,12\nC,13\n", encoding="utf-8")
    code, _, err = run_cli("pt", "robust", str(g))
    assert code == 2 and "row 1" in err and "--censored" in err
    code, _, err = run_cli("comparison", "analyse", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err
