"""Issue 3: bad input gives a clear error naming the input, and nothing is evaluated (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jiliang.core.uncertainty import (
    EvaluationError,
    ExpressionError,
    Input,
    Model,
    ModelError,
    parse_expression,
    propagate,
    propagate_many,
)
from tests.core.uncertainty.uncertainty_helpers import run_cli


def _base() -> dict[str, Any]:
    return {
        "model": "y = a*b/c",
        "inputs": {"a": {"value": 1.0, "u": 0.1}, "b": {"value": 2.0, "u": 0.1}, "c": {"value": 4.0, "u": 0.1}},
        "mcm": {"trials": 1000, "seed": 1},
    }


# each case: (patch to the base model file, words the message must contain)
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "unknown symbol": ({"model": "y = a*b/d"}, ["unknown symbol", "'d'"]),
    "__import__": ({"model": "y = __import__('os').system('echo hi')"}, ["__import__", "not allowed"]),
    "attribute access": ({"model": "y = a.real + b"}, ["attribute access", "a.real"]),
    "dunder attribute": ({"model": "y = a.__class__"}, ["a.__class__", "not allowed"]),
    "subscript": ({"model": "y = a[0]"}, ["subscript", "a[0]"]),
    "lambda": ({"model": "y = (lambda: 1)()"}, ["not allowed"]),
    "comprehension": ({"model": "y = sum([a for a in b])"}, ["not allowed"]),
    "disallowed function": ({"model": "y = eval('1')"}, ["'eval'", "not allowed"]),
    "negative uncertainty": ({"inputs": {"a": {"value": 1.0, "u": -0.1}, "b": {"value": 2.0, "u": 0.1},
                                         "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "≥ 0"]),
    "negative half-width": ({"inputs": {"a": {"value": 1.0, "half_width": -1}, "b": {"value": 2.0, "u": 0.1},
                                        "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "half-width"]),
    "non-PSD correlation": ({"correlations": [["a", "b", 0.9], ["a", "c", 0.9], ["b", "c", -0.9]]},
                            ["positive semi-definite"]),
    "correlation out of range": ({"correlations": [["a", "b", 1.5]]}, ["r(a, b)", "outside"]),
    "correlation unknown input": ({"correlations": [["a", "z", 0.5]]}, ["'z'"]),
    "division by zero at the estimate": ({"model": "y = a*b/(c - 4)"}, ["division by zero", "c - 4", "c = 4"]),
    "log of negative": ({"model": "y = log(a - 2)"}, ["log(a - 2)", "not finite", "a = 1"]),
    "dof zero": ({"inputs": {"a": {"value": 1.0, "u": 0.1, "dof": 0}, "b": {"value": 2.0, "u": 0.1},
                             "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "degrees of freedom", "> 0"]),
    "dof negative": ({"inputs": {"a": {"value": 1.0, "u": 0.1}, "b": {"value": 2.0, "u": 0.1, "dof": -3},
                                 "c": {"value": 4.0, "u": 0.1}}}, ["'b'", "degrees of freedom"]),
    "no uncertainty given": ({"inputs": {"a": {"value": 1.0}, "b": {"value": 2.0, "u": 0.1},
                                         "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "exactly one of"]),
    "unknown field": ({"inputs": {"a": {"value": 1.0, "uu": 0.1}, "b": {"value": 2.0, "u": 0.1},
                                  "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "'uu'"]),
    "unknown distribution": ({"inputs": {"a": {"value": 1.0, "u": 0.1, "distribution": "cauchy"},
                                         "b": {"value": 2.0, "u": 0.1}, "c": {"value": 4.0, "u": 0.1}}},
                             ["'a'", "cauchy"]),
    "expanded without k": ({"inputs": {"a": {"value": 1.0, "expanded": 0.2}, "b": {"value": 2.0, "u": 0.1},
                                       "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "'k'"]),
    "one observation": ({"inputs": {"a": {"observations": [1.0]}, "b": {"value": 2.0, "u": 0.1},
                                    "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "at least 2"]),
    "value not a number": ({"inputs": {"a": {"value": "1", "u": 0.1}, "b": {"value": 2.0, "u": 0.1},
                                       "c": {"value": 4.0, "u": 0.1}}}, ["'a'", "number"]),
    "coverage probability": ({"coverage_probability": 1.5}, ["coverage_probability"]),
    "both p and k": ({"coverage_probability": 0.95, "k": 2}, ["not both"]),
    "unknown top-level field": ({"modle": "y = a"}, ["'modle'"]),
    "bad mcm trials": ({"mcm": {"trials": 0}}, ["mcm.trials"]),
    "input shadows function": ({"model": "y = a*b/c + sqrt", "inputs": {"sqrt": {"value": 1.0, "u": 0.1}}},
                               ["sqrt"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_bad_input_exits_2_and_names_the_problem(name: str, tmp_path: Path) -> None:
    patch, words = CASES[name]
    spec = {**_base(), **patch}
    code, out, err = run_cli(tmp_path, spec, "--json")
    assert code == 2, (out, err)
    assert out == ""  # nothing evaluated, nothing reported
    for w in words:
        assert w in err, (w, err)


def test_cli_invalid_json_and_missing_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jiliang.cli import app

    f = tmp_path / "m.json"
    f.write_text("{not json", encoding="utf-8")
    res = CliRunner().invoke(app, ["uncertainty", "evaluate", str(f)])
    assert res.exit_code == 2 and "not valid JSON" in res.stderr
    res = CliRunner().invoke(app, ["uncertainty", "evaluate", str(tmp_path / "missing.json")])
    assert res.exit_code == 2 and "cannot read" in res.stderr


def test_cli_success_exit_0(tmp_path: Path) -> None:
    code, out, err = run_cli(tmp_path, _base(), "--json")
    assert code == 0, err
    doc = json.loads(out)
    y = doc["outputs"]["y"]
    for key in ("value", "standard_uncertainty", "effective_dof", "coverage_factor", "expanded_uncertainty",
                "budget"):
        assert key in y
    for key in ("value", "standard_uncertainty", "interval", "trials", "verdict", "validation"):
        assert key in y["mcm"]
    assert y["mcm"]["trials"] == 1000


@pytest.mark.parametrize(
    "src, token",
    [
        ("__import__('os')", "__import__"),
        ("x.real", "x.real"),
        ("x[0]", "x[0]"),
        ("(lambda: x)()", "lambda"),
        ("[x for x in y]", "[x for x in y]"),
        ("x if y else z", "x if y else z"),
        ("x < y", "x < y"),
        ("'abc'", "'abc'"),
        ("x % 2", "%"),
        ("x ^ 2", "**"),
        ("sqrt(x=1)", "keyword"),
        ("atan2(x)", "2 argument"),
        ("__builtins__", "__builtins__"),
        ("x; y", "syntax"),
        ("", "empty"),
        ("True + x", "True"),
        ("1j*x", "1j"),
    ],
)
def test_expression_whitelist(src: str, token: str) -> None:
    with pytest.raises(ExpressionError) as exc:
        parse_expression(src)
    assert token in str(exc.value)


def test_expression_huge_power_is_caught_not_hanging() -> None:
    with pytest.raises(EvaluationError, match="not finite"):
        Model("y = 9.0**9.0**9.0*x", [Input.normal("x", 1.0, 0.1)])


def test_api_errors_name_the_input() -> None:
    with pytest.raises(ModelError) as exc:
        Input.normal("x", 1.0, -1.0)
    assert exc.value.quantity == "x"
    with pytest.raises(ModelError) as exc:
        Model("y = a/b", [Input.normal("a", 1.0, 0.1), Input.normal("b", 0.0, 0.1)])
    assert exc.value.quantity == "b"
    with pytest.raises(ModelError) as exc:
        Model("y = a + b", [Input.normal("a", 1.0, 0.1), Input.normal("b", 1.0, 0.1)],
              [("a", "b", 0.5), ("a", "b", 0.6)])
    assert "twice" in str(exc.value)
    with pytest.raises(ModelError, match="defined twice"):
        Model("y = a", [Input.normal("a", 1.0, 0.1), Input.normal("a", 2.0, 0.1)])


def test_non_differentiable_point_is_reported() -> None:
    m = Model("y = sqrt(x)", [Input.normal("x", 0.0, 0.1)])
    with pytest.raises(EvaluationError, match="sensitivity coefficient ∂y/∂x"):
        propagate(m)


def test_propagate_many_names_the_bad_record() -> None:
    m = Model("y = a/b", [Input.normal("a", 1.0, 0.1), Input.normal("b", 1.0, 0.1)])
    with pytest.raises(EvaluationError, match="record 2"):
        propagate_many(m, {"b": np.array([1.0, 2.0, 0.0, 3.0])})
    with pytest.raises(ModelError, match="record 1"):
        propagate_many(m, uncertainties={"a": np.array([0.1, -0.1])})
    with pytest.raises(ModelError, match="'b'.*record 0"):
        propagate_many(m, dof={"b": np.array([0.0, 3.0])})


def test_mcm_undefined_region_is_reported() -> None:
    from jiliang.core.uncertainty import monte_carlo

    m = Model("y = sqrt(x)", [Input.normal("x", 1.0, 1.0)])
    with pytest.raises(EvaluationError, match="non-finite"):
        monte_carlo(m, trials=10_000, seed=1)


def test_callable_using_math_module_gets_clear_error() -> None:
    import math

    m = Model(lambda x: math.sqrt(x), [Input.normal("x", 4.0, 0.1)])
    with pytest.raises(ModelError, match="numpy functions"):
        propagate(m)
