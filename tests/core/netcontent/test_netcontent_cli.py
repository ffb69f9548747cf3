"""Issue 7: `jiliang netcontent evaluate LOT.json [--json]` through typer's CliRunner on the sub-app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiliang.cli.netcontent import app

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "netcontent"
runner = CliRunner()


def _write(tmp_path: Path, data: Any, name: str = "lot.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _run_json(path: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


GOOD: dict[str, Any] = {
    "kind": "mass",
    "nominal": 500,
    "unit": "g",
    "lot_size": 30,
    "net": [501.2, 499.8, 503.0, 498.7, 500.4, 502.2, 499.9, 500.6, 501.5, 497.9],
}


def test_example_pass() -> None:
    out = _run_json(EXAMPLES / "lot-pass.json")
    assert out["verdict"] == "pass"
    assert out["sample_size_required"] == 13
    assert out["tolerable_deficiency"]["value"] == 15
    assert out["tolerable_deficiency"]["source_status"] == "sourced [S7]"
    assert out["plan"]["correction_factor"] == 0.848
    assert out["tare"]["method"] == "individual"
    assert out["counts"]["short_beyond_T"] == 0
    assert out["mean_criterion"]["applicable"] is True
    assert all(r["passed"] for r in out["reasons"])


def test_example_fail() -> None:
    out = _run_json(EXAMPLES / "lot-fail.json")
    assert out["verdict"] == "fail"
    assert [r["code"] for r in out["reasons"]] == ["T1_COUNT_EXCEEDED"]
    assert out["unit"] == "mL" and out["labelled_nominal"] == {"value": 1.8, "unit": "L"}
    assert out["tolerable_deficiency"]["value"] == 27  # 1.5 % of 1800 mL
    assert out["density"]["value"] == 0.918
    assert out["tare"]["method"] == "average"
    assert out["counts"]["short_beyond_T"] == 1


def test_json_output_fields(tmp_path: Path) -> None:
    out = _run_json(_write(tmp_path, GOOD))
    assert out["sample_size_required"] == 10
    assert out["tolerable_deficiency"]["value"] == 15
    assert out["tolerable_deficiency"]["unit"] == "g"
    mc = out["mean_criterion"]
    assert set(mc) >= {"mean", "standard_deviation", "correction_factor", "correction", "limit", "passed"}
    assert mc["correction_factor"] == 1.028
    assert mc["correction"] == pytest.approx(1.028 * mc["standard_deviation"])
    assert mc["limit"] == pytest.approx(500 - mc["correction"])
    assert out["counts"] == {
        "short_beyond_T": 0,
        "short_beyond_T_not_beyond_2T": 0,
        "short_beyond_2T": 0,
        "allowed_T_to_2T": 0,
        "allowed_beyond_2T": 0,
    }
    assert out["limits"] == {"Qn_minus_T": 485, "Qn_minus_2T": 470, "unit": "g"}
    assert out["verdict"] == "pass"
    assert len(out["packages"]) == 10


def test_text_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(_write(tmp_path, GOOD))])
    assert result.exit_code == 0
    assert "Verdict: PASS" in result.stdout
    assert "Tolerable deficiency T: 15 g" in result.stdout
    assert "sample size required 10" in result.stdout


def test_fail_reasons_mean_and_t2(tmp_path: Path) -> None:
    lot = dict(
        GOOD, net=[490.0] * 9 + [460.0]
    )  # one package 40 g short (> 2T); mean 487 < 500 − 1.028 × 9.49
    out = _run_json(_write(tmp_path, lot))
    assert out["verdict"] == "fail"
    assert [r["code"] for r in out["reasons"]] == ["T2_COUNT_EXCEEDED", "MEAN_BELOW_LIMIT"]
    assert out["counts"]["short_beyond_2T"] == 1
    assert out["counts"]["short_beyond_T"] == 1


def test_count_lot_of_eight(tmp_path: Path) -> None:
    lot = {
        "kind": "count",
        "nominal": 100,
        "unit": "片",
        "lot_size": 8,
        "net": [100, 101, 100, 99, 100, 100, 102, 100],
    }
    out = _run_json(_write(tmp_path, lot))
    assert out["verdict"] == "pass"
    assert out["mean_criterion"]["applicable"] is False
    assert out["tolerable_deficiency"]["value"] == 1


def test_gross_with_a_tare_sample(tmp_path: Path) -> None:
    lot = {k: v for k, v in GOOD.items() if k != "net"}
    lot["gross"] = [x + 20 for x in GOOD["net"]]
    lot["tare"] = [19.5, 20.5, 20.0, 20.25, 19.75]  # 5 tare weighings for 10 packages: average tare
    out = _run_json(_write(tmp_path, lot))
    assert out["tare"] == {
        "method": "average",
        "sample_size": 5,
        "average": 20,
        "standard_deviation": pytest.approx(0.3952847),
        "unit": "g",
    }
    assert [p["net"] for p in out["packages"]] == [pytest.approx(x) for x in GOOD["net"]]
    lot["tare_method"] = "individual"
    code, _, stderr = _error(tmp_path, lot)
    assert code == 2 and stderr.startswith("error: tare: ")


def _error(tmp_path: Path, data: Any) -> tuple[int, str, str]:
    result = runner.invoke(app, ["evaluate", str(_write(tmp_path, data)), "--json"])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "change,field",
    [
        ({"kind": None}, "kind"),
        ({"nominal": None}, "nominal"),
        ({"unit": None}, "unit"),
        ({"lot_size": None}, "lot_size"),
        ({"net": None}, "net"),
        ({"nominal": -500}, "nominal"),
        ({"nominal": 0}, "nominal"),
        ({"nominal": "five hundred"}, "nominal"),
        ({"unit": "mL"}, "unit"),
        ({"unit": "furlong"}, "unit"),
        ({"kind": "weight"}, "kind"),
        ({"lot_size": 0}, "lot_size"),
        ({"lot_size": 12.5}, "lot_size"),
        ({"lot_size": 80}, "net"),  # 10 packages, 13 required
        ({"net": [500] * 9}, "net"),
        ({"net": [500] * 9 + [-1]}, "net[9]"),
        ({"net": "500"}, "net"),
        ({"plan_version": "JJF1070-2023"}, "plan_version"),
        ({"rounding": "down"}, "rounding"),
        ({"density": 1.0}, "density"),
        ({"gross": [510] * 10}, "net"),  # both net and gross
    ],
)
def test_bad_input_exit_2_naming_the_field(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    lot = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    code, stdout, stderr = _error(tmp_path, lot)
    assert code == 2
    assert stdout == ""  # nothing written on bad input
    assert stderr.startswith(f"error: {field}: ")


def test_sample_smaller_than_required_message(tmp_path: Path) -> None:
    code, _, stderr = _error(tmp_path, dict(GOOD, lot_size=300))
    assert code == 2
    assert "requires exactly 50" in stderr and "smaller than required" in stderr


@pytest.mark.parametrize(
    "change,field",
    [
        ({"gross": [520] * 10}, "tare"),  # gross without tare
        ({"gross": [520] * 9 + [15], "tare": [20] * 10}, "tare[9]"),  # tare heavier than gross
        ({"gross": [520] * 9 + [15], "tare": 20}, "gross[9]"),
        ({"gross": [520] * 10, "tare": []}, "tare"),
        ({"gross": [520] * 10, "tare": [20] * 10, "tare_method": "guess"}, "tare_method"),
        ({"gross": [520] * 12, "tare": 20}, "gross"),  # wrong sample size reported on gross
        ({"gross": [520] * 10, "tare": 20, "reading_unit": "mL"}, "reading_unit"),
    ],
)
def test_bad_gross_and_tare(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    lot = {k: v for k, v in GOOD.items() if k != "net"} | change
    code, stdout, stderr = _error(tmp_path, lot)
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"error: {field}: ")


def test_volume_from_mass_needs_density(tmp_path: Path) -> None:
    lot = {
        "kind": "volume",
        "nominal": 500,
        "unit": "mL",
        "lot_size": 3,
        "reading_unit": "g",
        "net": [460, 461, 459],
    }
    code, _, stderr = _error(tmp_path, lot)
    assert code == 2 and stderr.startswith("error: density: ")
    code, _, stderr = _error(tmp_path, dict(lot, density=0.92, density_unit="lb/gal"))
    assert code == 2 and stderr.startswith("error: density_unit: ")
    out = _run_json(_write(tmp_path, dict(lot, density=0.92)))
    assert [p["net"] for p in out["packages"]] == [500, pytest.approx(461 / 0.92), pytest.approx(459 / 0.92)]


@pytest.mark.parametrize(
    "text",
    ['{"kind": "mass", ', "[1, 2, 3]", '{"kind": "mass", "nominal": NaN}', "", "null"],
)
def test_malformed_json(tmp_path: Path, text: str) -> None:
    code, stdout, stderr = _error(tmp_path, text)
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: LOT: ")


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "error: LOT: file not found" in result.stderr
