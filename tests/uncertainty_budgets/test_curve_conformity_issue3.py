"""Issue 3 faces for calibration curves (GUM H.3) and conformity (decisions, JCGM 106 global risks).

Every asserted entry of the GUM H.3, Deaver (2002) and NCSLI RP-19 reference files is reproduced through
``jiliang uncertainty curve|conformity --json`` (CliRunner on the root app) and through
POST /api/v1/uncertainty/curve|conformity, within the file's tolerance; bad input names the field
(exit 2 on the command line, 422 from the API).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiliang.cli.main import app as cli_app

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ["JILIANG_SHARED"]) if os.environ.get("JILIANG_SHARED") else REPO / ".." / "shared"
EXAMPLES = REPO / "examples" / "uncertainty"


def _ref(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SHARED / "reference" / name).read_text(encoding="utf-8"))
    return data


H3 = _ref("gum-h3-thermometer-calibration.json")
DEAVER = _ref("conformity-risk-deaver.json")
RP19 = _ref("conformity-risk-rp19.json")


def _asserted(ref: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in ref["expected"] if e["assert"]]


def _ids(ref: dict[str, Any]) -> list[str]:
    return [f"{e.get('case', '')}:{e['name']}:{e['printed']}" for e in _asserted(ref)]


# ---------------------------------------------------------------------------------------------------- documents
def h3_document(u_offset: float | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "x": H3["inputs"]["data"]["t_k"]["values"],
        "y": H3["inputs"]["data"]["b_k"]["values"],
        "x0": H3["inputs"]["model"]["constants"]["t0"],
        "predict": [H3["inputs"]["prediction_at"]["t"]],
        "x_unit": "°C",
        "y_unit": "°C",
    }
    if u_offset is not None:
        doc["u_offset"] = u_offset
    return doc


H3_OFFSET = 0.005  # GUM H.3.6 variant in the reference file's "condition"


def deaver_document() -> dict[str, Any]:
    """Deaver's TUR is σ_process/σ_test with σ_process = 1 (see tests/core/conformity/test_conformity_reference)."""
    cases = []
    for c in DEAVER["inputs"]["cases"]:
        sl = c["SL_in_sigma_p"]
        case: dict[str, Any] = {
            "case": c["case"],
            "process_sd": 1.0,
            "tur": c["TUR"],
            "tur_definition": "sigma_ratio",
            "lower_limit": -sl,
            "upper_limit": sl,
        }
        if "guard_band_factor" in c:
            case["guard_band_factor"] = c["guard_band_factor"]
        cases.append(case)
    return {"risk": cases}


def rp19_document() -> dict[str, Any]:
    return {
        "risk": [
            {
                "case": c["case"],
                "itp": c["ITP_percent"] / 100,
                "tur": c["TUR"],
                "tur_definition": "sigma_ratio",
                "lower_limit": -1,
                "upper_limit": 1,
            }
            for c in RP19["inputs"]["cases"]
        ]
    }


def h3_values(out: dict[str, Any], offset: dict[str, Any]) -> dict[tuple[str | None, str], float]:
    c0, c1 = out["coefficients"]
    base = {
        "y1": c0["value"],
        "s(y1)": c0["standard_uncertainty"],
        "u(y1)": c0["standard_uncertainty"],
        "y2": c1["value"],
        "s(y2)": c1["standard_uncertainty"],
        "u(y2)": c1["standard_uncertainty"],
        "r(y1,y2)": out["correlation"][0][1],
        "s (residual standard deviation)": out["residual_standard_deviation"],
        "nu": out["dof"],
        "b(30 °C)": out["predictions"][0]["value"],
        "u_c(b(30 °C))": out["predictions"][0]["standard_uncertainty"],
        "t at minimum u(b)": out["minimum_prediction_uncertainty"]["x"],
        "minimum u(b)": out["minimum_prediction_uncertainty"]["standard_uncertainty"],
    }
    values: dict[tuple[str | None, str], float] = {(None, k): v for k, v in base.items()}
    values[("H.3.6_systematic_offset", "u(y1)")] = offset["coefficients"][0]["standard_uncertainty"]
    return values


def risk_values(out: dict[str, Any]) -> dict[tuple[str, str], float]:
    values: dict[tuple[str, str], float] = {}
    for r in out["risk"]:
        values[(r["case"], "PFA")] = r["probability_false_accept"]
        values[(r["case"], "PFR")] = r["probability_false_reject"]
        values[(r["case"], "unconditional PFA")] = 100 * r["probability_false_accept"]
        values[(r["case"], "conditional PFA")] = 100 * r["conditional_probability_false_accept"]
    return values


# ---------------------------------------------------------------------------------------------------- faces
def run_cli(tmp_path: Path, command: str, doc: Any, *args: str) -> tuple[int, str, str]:
    f = tmp_path / f"{command}-{abs(hash(json.dumps(doc, sort_keys=True, default=str))) % 10**8}.json"
    f.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli_app, ["uncertainty", command, str(f), *args])
    return res.exit_code, res.stdout, res.stderr


def cli(tmp_path: Path, command: str, doc: Any) -> dict[str, Any]:
    code, out, err = run_cli(tmp_path, command, doc, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.fixture(scope="module")
def api_post(app) -> Callable[[str, Any], Any]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    c = TestClient(app, raise_server_exceptions=False)  # no login: the calculators are public

    def post(command: str, doc: Any) -> Any:
        content = doc if isinstance(doc, str) else json.dumps(doc)
        return c.post(
            f"/api/v1/uncertainty/{command}", content=content, headers={"content-type": "application/json"}
        )

    return post


def api(api_post: Callable[[str, Any], Any], command: str, doc: Any) -> dict[str, Any]:
    r = api_post(command, doc)
    assert r.status_code == 200, r.text[:500]
    body: dict[str, Any] = r.json()
    assert body.pop("engine_version")
    return body


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("cli")
    return {
        "h3": h3_values(cli(tmp, "curve", h3_document()), cli(tmp, "curve", h3_document(H3_OFFSET))),
        "deaver": risk_values(cli(tmp, "conformity", deaver_document())),
        "rp19": risk_values(cli(tmp, "conformity", rp19_document())),
    }


@pytest.fixture(scope="module")
def api_results(api_post: Callable[[str, Any], Any]) -> dict[str, Any]:
    return {
        "h3": h3_values(
            api(api_post, "curve", h3_document()), api(api_post, "curve", h3_document(H3_OFFSET))
        ),
        "deaver": risk_values(api(api_post, "conformity", deaver_document())),
        "rp19": risk_values(api(api_post, "conformity", rp19_document())),
    }


FACES = ["cli", "api"]


def _results(face: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    out: dict[str, Any] = request.getfixturevalue(f"{face}_results")
    return out


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("entry", _asserted(H3), ids=_ids(H3))
def test_gum_h3(face: str, entry: dict[str, Any], request: pytest.FixtureRequest) -> None:
    values = _results(face, request)["h3"]
    key = (entry.get("case"), entry["name"])
    assert key in values, f"no computation for reference entry {key!r}"
    assert values[key] == pytest.approx(entry["value"], abs=entry["tolerance"]), key


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("entry", _asserted(DEAVER), ids=_ids(DEAVER))
def test_deaver(face: str, entry: dict[str, Any], request: pytest.FixtureRequest) -> None:
    values = _results(face, request)["deaver"]
    assert values[(entry["case"], entry["name"])] == pytest.approx(entry["value"], abs=entry["tolerance"])


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("entry", _asserted(RP19), ids=_ids(RP19))
def test_rp19(face: str, entry: dict[str, Any], request: pytest.FixtureRequest) -> None:
    assert entry["unit"] == "%"
    values = _results(face, request)["rp19"]
    assert values[(entry["case"], entry["name"])] == pytest.approx(entry["value"], abs=entry["tolerance"])


def test_cli_and_api_answer_the_same(tmp_path: Path, api_post: Callable[[str, Any], Any]) -> None:
    for command, doc in (
        ("curve", {**h3_document(), "inverse": [-0.16, {"y": -0.155, "u_y": 0.001, "dof_y": 4}]}),
        ("conformity", json.loads((EXAMPLES / "conformity" / "decision-jjf1094.json").read_text("utf-8"))),
        ("conformity", deaver_document()),
    ):
        assert cli(tmp_path, command, doc) == api(api_post, command, doc)


def test_examples_are_the_reference_cases(tmp_path: Path) -> None:
    """examples/uncertainty/curves/gum-h3.json and conformity/risk-deaver.json hold the published data."""
    h3 = json.loads((EXAMPLES / "curves" / "gum-h3.json").read_text("utf-8"))
    assert h3["x"] == h3_document()["x"] and h3["y"] == h3_document()["y"] and h3["x0"] == 20
    out = cli(tmp_path, "curve", h3)
    assert out["predictions"][0]["value"] == pytest.approx(-0.1494, abs=5e-5)
    deaver = cli(
        tmp_path, "conformity", json.loads((EXAMPLES / "conformity" / "risk-deaver.json").read_text("utf-8"))
    )
    assert risk_values(deaver) == pytest.approx(risk_values(cli(tmp_path, "conformity", deaver_document())))


def test_text_reports(tmp_path: Path) -> None:
    code, out, err = run_cli(tmp_path, "curve", h3_document())
    assert code == 0, err
    assert "a0" in out and "-0.17120379" in out and "f(30) = -0.14937681 °C" in out
    code, out, err = run_cli(
        tmp_path, "conformity", EXAMPLES.joinpath("conformity", "decision-jjf1094.json").read_text("utf-8")
    )
    assert code == 0, err
    assert "UNDETERMINED (待定)" in out and "Overall" in out


# ---------------------------------------------------------------------------------------------------- decisions
DECISIONS = [
    # (document, expected verdict): JJF 1094 zones and simple acceptance, ILAC G8 rules
    ({"rule": "jjf1094", "error": 0.8, "mpev": 1.0, "expanded_uncertainty": 0.4}, "undetermined"),
    ({"rule": "jjf1094", "error": 0.6, "mpev": 1.0, "expanded_uncertainty": 0.4}, "pass"),
    ({"rule": "jjf1094", "error": -1.4, "mpev": 1.0, "expanded_uncertainty": 0.4}, "fail"),
    ({"rule": "jjf1094", "error": 0.99, "mpev": 0.3, "expanded_uncertainty": 0.1}, "fail"),
    (
        {"rule": "jjf1094", "error": 0.3, "mpev": 0.3, "expanded_uncertainty": 0.1},
        "pass",
    ),  # U = MPEV/3 exactly
    ({"rule": "ilac_g8_simple", "value": 10.0, "expanded_uncertainty": 0.5, "upper_limit": 10.0}, "pass"),
    ({"rule": "ilac_g8_guarded", "value": 9.6, "expanded_uncertainty": 0.5, "upper_limit": 10.0}, "fail"),
    (
        {
            "rule": "ilac_g8_guarded_rejection",
            "value": 10.4,
            "expanded_uncertainty": 0.5,
            "upper_limit": 10.0,
        },
        "pass",
    ),
    (
        {
            "rule": "ilac_g8_non_binary",
            "value": 9.8,
            "expanded_uncertainty": 0.5,
            "lower_limit": 9,
            "upper_limit": 10.0,
        },
        "conditional_pass",
    ),
]


@pytest.mark.parametrize(
    ("doc", "verdict"), DECISIONS, ids=[f"{d['rule']}-{i}" for i, (d, _) in enumerate(DECISIONS)]
)
def test_decisions(doc: dict[str, Any], verdict: str, tmp_path: Path) -> None:
    out = cli(tmp_path, "conformity", doc)
    assert out["decision"]["verdict"] == verdict


def test_probability_of_conformity_and_points(tmp_path: Path) -> None:
    # p_c for a normal PDF one u inside the upper limit: Φ(1); U = 2u with k = 2
    out = cli(
        tmp_path,
        "conformity",
        {"rule": "jcgm106", "value": 9.8, "standard_uncertainty": 0.2, "upper_limit": 10.0},
    )
    assert out["decision"]["probability_of_conformity"]["probability"] == pytest.approx(
        0.8413447460685429, rel=1e-12
    )
    out = cli(
        tmp_path,
        "conformity",
        {"rule": "ilac_g8_guarded", "value": 9.8, "expanded_uncertainty": 0.4, "k": 2, "upper_limit": 10.0},
    )
    assert out["decision"]["verdict"] == "fail"
    assert out["decision"]["probability_of_conformity"]["specific_risk"] == pytest.approx(0.15865525393145707)
    ex = cli(
        tmp_path,
        "conformity",
        json.loads((EXAMPLES / "conformity" / "decision-jjf1094.json").read_text("utf-8")),
    )
    assert [p["verdict"] for p in ex["points"]] == ["pass", "undetermined", "pass"]
    assert ex["overall_verdict"] == "undetermined" and ex["overall_verdict_zh"] == "待定"


def test_risk_conventions_and_guard_bands(tmp_path: Path) -> None:
    """z540 TUR (T_U − T_L)/(2U) with U = 2u: ±1 at TUR 4 is u = 1/8 (RP-19 ITP 60 % then gives ≈ 2.22 %);
    a target PFA is met by the guard band found; an explicit guard band equals the same acceptance limits."""
    out = cli(
        tmp_path,
        "conformity",
        {
            "risk": [
                {"itp": 0.6, "tur": 4, "tur_definition": "z540", "lower_limit": -1, "upper_limit": 1},
                {"process_sd": 1, "test_sd": 0.25, "lower_limit": -2, "upper_limit": 2, "target_pfa": 0.002},
                {"process_sd": 1, "test_sd": 0.5, "lower_limit": -2, "upper_limit": 2, "guard_band": 0.18},
                {
                    "process_sd": 1,
                    "test_sd": 0.5,
                    "lower_limit": -2,
                    "upper_limit": 2,
                    "acceptance_limits": [-1.82, 1.82],
                },
                {
                    "process_sd": 1,
                    "test_sd": 0.5,
                    "lower_limit": -2,
                    "upper_limit": 2,
                    "guard_band_method": "rss",
                },
            ]
        },
    )
    z540, target, w, acc, rss = out["risk"]
    assert z540["measurement_standard_uncertainty"] == 0.125
    assert 100 * z540["probability_false_accept"] == pytest.approx(2.22, abs=0.01)
    assert target["probability_false_accept"] == pytest.approx(0.002, rel=1e-6) and target["guard_band"] > 0
    assert w["probability_false_accept"] == pytest.approx(acc["probability_false_accept"], rel=1e-9)
    assert w["probability_false_accept"] == pytest.approx(0.008, abs=5e-4)  # Deaver GB 0.91 case, by w
    # RSS: A = T·sqrt(1 − 1/TUR²) with TUR = 4/(4·0.5) = 2
    assert rss["acceptance_upper"] == pytest.approx(2 * (1 - 1 / 4) ** 0.5)


# ---------------------------------------------------------------------------------------------------- bad input
BAD_CURVE = {
    "missing_y": ({"x": [1, 2, 3]}, "y"),
    "length": ({"x": [1, 2, 3], "y": [1, 2]}, "y"),
    "not_number": ({"x": [1, "two", 3], "y": [1, 2, 3]}, "x[1]"),
    "nan": ('{"x": [1, NaN, 3], "y": [1, 2, 3]}', "x[1]"),
    "too_few": ({"x": [1, 2], "y": [1, 2]}, "x"),
    "same_x": ({"x": [1, 1, 1], "y": [1, 2, 3]}, "x"),
    "degree": ({"x": [1, 2, 3, 4], "y": [1, 2, 3, 4], "degree": 0}, "degree"),
    "u_y_zero": ({"x": [1, 2, 3], "y": [1, 2, 3], "u_y": [0.1, 0, 0.1]}, "u_y[1]"),
    "u_y_length": ({"x": [1, 2, 3], "y": [1, 2, 3], "u_y": [0.1, 0.1]}, "u_y"),
    "weighting": ({"x": [1, 2, 3], "y": [1, 2, 3], "weighting": "relative"}, "u_y"),
    "weighting_name": ({"x": [1, 2, 3], "y": [1, 2, 3], "u_y": 0.1, "weighting": "heavy"}, "weighting"),
    "negative_u_x": ({"x": [1, 2, 3], "y": [1, 2, 3.1], "predict": [{"x": 2, "u_x": -1}]}, "predict[0].u_x"),
    "dof_zero": ({"x": [1, 2, 3], "y": [1, 2, 3.1], "inverse": [{"y": 2, "dof_y": 0}]}, "inverse[0].dof_y"),
    "unknown_field": ({"x": [1, 2, 3], "y": [1, 2, 3], "wieghting": "none"}, "wieghting"),
    "flat_inverse": ({"x": [1, 2, 3], "y": [2, 2, 2], "inverse": [2]}, "inverse[0].y"),
    "not_object": ("[1, 2]", "document"),
}
BAD_CONFORMITY = {
    "unknown_rule": ({"rule": "jjf9999", "error": 1, "mpev": 1, "expanded_uncertainty": 0.1}, "rule"),
    "mpev_zero": ({"rule": "jjf1094", "error": 1, "mpev": 0, "expanded_uncertainty": 0.1}, "mpev"),
    "negative_u": (
        {"rule": "jjf1094", "error": 1, "mpev": 1, "expanded_uncertainty": -0.1},
        "expanded_uncertainty",
    ),
    "missing_error": ({"rule": "jjf1094", "mpev": 1, "expanded_uncertainty": 0.1}, "error"),
    "limits_order": (
        {
            "rule": "ilac_g8_simple",
            "value": 1,
            "expanded_uncertainty": 0.1,
            "lower_limit": 2,
            "upper_limit": 1,
        },
        "lower_limit",
    ),
    "no_limits": ({"rule": "ilac_g8_simple", "value": 1, "expanded_uncertainty": 0.1}, "upper_limit"),
    "point": (
        {
            "rule": "jjf1094",
            "mpev": 1,
            "expanded_uncertainty": 0.1,
            "points": [{"error": 0.1}, {"error": "x"}],
        },
        "points[1].error",
    ),
    "ratio": (
        {"rule": "jjf1094", "error": 1, "mpev": 1, "expanded_uncertainty": 0.1, "ratio_limit": "a/b"},
        "ratio_limit",
    ),
    "tur_definition": (
        {"risk": {"process_sd": 1, "tur": 4, "lower_limit": -2, "upper_limit": 2}},
        "risk.tur_definition",
    ),
    "itp_range": (
        {"risk": [{"itp": 1.2, "test_sd": 0.1, "lower_limit": -1, "upper_limit": 1}]},
        "risk[0].itp",
    ),
    "process_twice": (
        {"risk": {"itp": 0.9, "process_sd": 1, "test_sd": 0.1, "lower_limit": -1, "upper_limit": 1}},
        "risk.process_sd",
    ),
    "test_sd_zero": (
        {"risk": {"process_sd": 1, "test_sd": 0, "lower_limit": -1, "upper_limit": 1}},
        "risk.test_sd",
    ),
    "two_guard_bands": (
        {
            "risk": {
                "process_sd": 1,
                "test_sd": 0.1,
                "lower_limit": -1,
                "upper_limit": 1,
                "guard_band": 0.1,
                "target_pfa": 0.01,
            }
        },
        "risk.target_pfa",
    ),
    "gb_method": (
        {
            "risk": {
                "process_sd": 1,
                "test_sd": 0.1,
                "lower_limit": -1,
                "upper_limit": 1,
                "guard_band_method": "magic",
            }
        },
        "risk.guard_band_method",
    ),
    "target_pfa": (
        {"risk": {"process_sd": 1, "test_sd": 0.1, "lower_limit": -1, "upper_limit": 1, "target_pfa": 2}},
        "risk.target_pfa",
    ),
    "empty": ({}, "rule"),
    "unknown_top": ({"rule": "jjf1094", "eror": 1}, "eror"),
    "bool": ({"rule": "jjf1094", "error": True, "mpev": 1, "expanded_uncertainty": 0.1}, "error"),
}
BAD = [("curve", k, *v) for k, v in BAD_CURVE.items()] + [
    ("conformity", k, *v) for k, v in BAD_CONFORMITY.items()
]
BAD_IDS = [f"{c}-{k}" for c, k, *_ in BAD]


@pytest.mark.parametrize(("command", "case", "doc", "field"), BAD, ids=BAD_IDS)
def test_bad_input_cli(command: str, case: str, doc: Any, field: str, tmp_path: Path) -> None:
    code, out, err = run_cli(tmp_path, command, doc, "--json")
    assert code == 2, (case, out, err)
    assert out == ""
    assert err.startswith(f"error: {field}: "), (case, err)


@pytest.mark.parametrize(("command", "case", "doc", "field"), BAD, ids=BAD_IDS)
def test_bad_input_api(
    command: str, case: str, doc: Any, field: str, api_post: Callable[[str, Any], Any]
) -> None:
    r = api_post(command, doc)
    assert r.status_code == 422, (case, r.status_code, r.text[:300])
    body = r.json()
    if field == "document":  # a body that is not a JSON object is refused before the core sees it
        assert body["field"] == "body", (case, body)
        return
    assert body["field"] == field, (case, body)
    assert body["errors"][0]["field"] == field and field in body["message"]


@pytest.mark.parametrize("command", ["curve", "conformity"])
def test_malformed_and_oversized_bodies(
    command: str, api_post: Callable[[str, Any], Any], tmp_path: Path
) -> None:
    for raw in ('{"x": [1, 2', "", '"text"'):
        r = api_post(command, raw)
        assert r.status_code == 422 and r.json()["field"] == "body", (raw, r.text[:200])
    r = api_post(command, {"x": list(range(30_000)), "y": list(range(30_000))})
    assert r.status_code == 422 and r.json()["field"] == "body"
    code, out, err = run_cli(tmp_path, command, '{"x": [1, 2')
    assert code == 2 and "not valid JSON" in err
    res = CliRunner().invoke(cli_app, ["uncertainty", command, str(tmp_path / "missing.json")])
    assert res.exit_code == 2 and "cannot read" in res.stderr


def test_api_point_bound(api_post: Callable[[str, Any], Any]) -> None:
    n = 10_001
    r = api_post("curve", {"x": [i % 97 for i in range(n)], "y": [0.0] * n})
    assert r.status_code == 422 and r.json()["field"] == "x"


# ---------------------------------------------------------------------------------------------------- units
UNIT_MODEL = {
    "model": "P = V**2 / R",
    "inputs": {"V": {"value": 10.0, "u": 0.01, "unit": "V"}, "R": {"value": 100.0, "u": 0.1, "unit": "Ω"}},
    "units": {"P": "W"},
}


def test_units_are_checked_and_formatted(tmp_path: Path, api_post: Callable[[str, Any], Any]) -> None:
    bad = json.loads(json.dumps(UNIT_MODEL))
    bad["inputs"]["V"]["unit"] = "furlong"
    res = CliRunner().invoke(cli_app, ["uncertainty", "evaluate", str(_write(tmp_path, bad)), "--json"])
    assert res.exit_code == 2 and res.stderr.startswith("error: inputs.V.unit: unknown unit 'furlong'")
    r = api_post("evaluate", bad)
    assert r.status_code == 422 and r.json()["field"] == "inputs.V.unit"
    bad_out = {**UNIT_MODEL, "units": {"P": "wat"}}
    res = CliRunner().invoke(cli_app, ["uncertainty", "evaluate", str(_write(tmp_path, bad_out))])
    assert res.exit_code == 2 and "units.P" in res.stderr
    ok = {**UNIT_MODEL, "inputs": {**UNIT_MODEL["inputs"], "R": {"value": 100.0, "u": 0.1, "unit": "%"}}}
    res = CliRunner().invoke(cli_app, ["uncertainty", "evaluate", str(_write(tmp_path, ok)), "--json"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)["outputs"]["P"]
    assert (out["unit"], out["unit_en"], out["unit_zh"]) == ("W", "W", "瓦")


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    f = tmp_path / f"model-{abs(hash(json.dumps(doc, sort_keys=True))) % 10**8}.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return f
