"""Issue 3: unit tests of the uncertainty engine (derivatives, inputs, Monte Carlo, reporting, SVG, CLI)."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from jiliang.core.uncertainty import (
    Input,
    Model,
    format_result,
    histogram_svg,
    monte_carlo,
    numerical_tolerance,
    parse_expression,
    propagate,
    propagate_many,
    round_result,
    round_uncertainty,
    shortest_interval,
    symmetric_interval,
    type_a_simultaneous,
    validate_gum,
)
from jiliang.core.uncertainty.autodiff import Dual, Jet
from tests.core.uncertainty.uncertainty_helpers import ROOT, run_cli

FUNCS = {
    "sqrt(x)": (np.sqrt, 2.3),
    "exp(x)": (np.exp, 0.7),
    "log(x)": (np.log, 2.3),
    "log10(x)": (np.log10, 2.3),
    "sin(x)": (np.sin, 0.7),
    "cos(x)": (np.cos, 0.7),
    "tan(x)": (np.tan, 0.7),
    "asin(x)": (np.arcsin, 0.3),
    "acos(x)": (np.arccos, 0.3),
    "atan(x)": (np.arctan, 0.7),
    "sinh(x)": (np.sinh, 0.7),
    "cosh(x)": (np.cosh, 0.7),
    "tanh(x)": (np.tanh, 0.7),
    "abs(x)": (np.abs, -0.7),
    "x**3": (lambda v: v**3, 1.3),
    "2**x": (lambda v: 2.0**v, 1.3),
    "x**x": (lambda v: v**v, 1.3),
    "1/x": (lambda v: 1 / v, 1.3),
    "atan2(x, 2 - x)": (lambda v: np.arctan2(v, 2 - v), 0.4),
    "pi*e*x": (lambda v: math.pi * math.e * v, 1.1),
}


def _fd(f, x: float, h: float = 1e-4) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Reference derivatives by high-order finite differences (test oracle only)."""
    d1 = (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)
    d2 = (-f(x + 2 * h) + 16 * f(x + h) - 30 * f(x) + 16 * f(x - h) - f(x - 2 * h)) / (12 * h * h)
    h3 = 2e-3
    d3 = (f(x + 2 * h3) - 2 * f(x + h3) + 2 * f(x - h3) - f(x - 2 * h3)) / (2 * h3**3)
    return d1, d2, d3


@pytest.mark.parametrize("src", sorted(FUNCS))
def test_exact_derivatives_of_every_function(src: str) -> None:
    f, x0 = FUNCS[src]
    e = parse_expression(src)
    jet = Jet.variables([x0], second_order=True)[0]
    r = e({"x": jet})
    d1, d2, d3 = _fd(f, x0)
    assert float(r.val) == pytest.approx(float(f(x0)), rel=1e-14)
    assert float(r.grad[0]) == pytest.approx(d1, rel=1e-8)
    assert float(r.hess[0, 0]) == pytest.approx(d2, rel=1e-5, abs=1e-6)
    dual = e({"x": Dual(Jet.variables([x0], second_order=True)[0], 1.0)})
    third = dual.eps.hess[0, 0] if isinstance(dual.eps, Jet) else 0.0
    assert float(third) == pytest.approx(d3, rel=5e-4, abs=1e-5)


def test_callable_model_with_numpy_is_differentiated_exactly() -> None:
    def f(V, I, phi):  # type: ignore[no-untyped-def]  # noqa: E741
        Z = V / I
        return Z * np.cos(phi), Z * np.sin(phi)

    inputs = [Input.normal("V", 5.0, 0.003), Input.normal("I", 0.02, 1e-5), Input.normal("phi", 1.04, 7e-4)]
    corr = [("V", "I", -0.36), ("V", "phi", 0.86), ("I", "phi", -0.65)]
    m_call = Model(f, inputs, corr, outputs=["R", "X"])
    m_expr = Model({"R": "V/I*cos(phi)", "X": "V/I*sin(phi)"}, inputs, corr)
    a, b = propagate(m_call), propagate(m_expr)
    np.testing.assert_allclose(a.covariance, b.covariance, rtol=1e-13)
    mc = monte_carlo(m_call, trials=10_000, seed=3)
    assert mc["R"].value == pytest.approx(b["R"].value, rel=1e-3)


def test_second_order_includes_third_derivative_term() -> None:
    # y = x1 * exp(x2): GUM 5.1.2 note term c1 * d3f/dx1dx2^2 is non-zero
    x1, x2, u1, u2 = 2.0, 0.5, 0.1, 0.2
    m = Model("y = x1*exp(x2)", [Input.normal("x1", x1, u1), Input.normal("x2", x2, u2)])
    out = propagate(m, second_order=True)["y"]
    e = math.exp(x2)
    c1, c2 = e, x1 * e
    f12, f22 = e, x1 * e
    f122, f222, f111, f112 = e, x1 * e, 0.0, 0.0
    second = (0.5 * f12**2 * 2 + 0.5 * f22**2) * 1.0  # weights below
    var = (c1 * u1) ** 2 + (c2 * u2) ** 2
    var += 0.5 * f12**2 * u1**2 * u2**2 * 2 + 0.5 * f22**2 * u2**4
    var += c1 * f122 * u1**2 * u2**2 + c2 * f222 * u2**4 + c1 * f111 * u1**4 + c2 * f112 * u2**2 * u1**2
    assert second > 0
    assert out.standard_uncertainty == pytest.approx(math.sqrt(var), rel=1e-12)


def test_type_b_standard_uncertainties() -> None:
    assert Input.rectangular("x", 0, 3.0).standard_uncertainty == pytest.approx(3 / math.sqrt(3))
    assert Input.triangular("x", 0, 3.0).standard_uncertainty == pytest.approx(3 / math.sqrt(6))
    assert Input.arcsine("x", 0, 3.0).standard_uncertainty == pytest.approx(3 / math.sqrt(2))
    assert Input.trapezoidal("x", 0, 3.0, 0.5).standard_uncertainty == pytest.approx(3 * math.sqrt(1.25 / 6))
    assert Input.normal("x", 0, expanded=0.3, k=2).standard_uncertainty == pytest.approx(0.15)
    assert Input.from_spec("x", {"value": 0, "u": 1, "distribution": "U-shaped"}).half_width == pytest.approx(
        math.sqrt(2))
    a = Input.from_observations("x", [1.0, 2.0, 3.0, 4.0])
    assert (a.value, a.dof, a.evaluation) == (2.5, 3, "A")
    assert a.standard_uncertainty == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)


@pytest.mark.parametrize(
    "spec",
    [
        {"value": 1.0, "u": 0.5, "distribution": "normal"},
        {"value": 1.0, "half_width": 0.5, "distribution": "rectangular"},
        {"value": 1.0, "half_width": 0.5, "distribution": "triangular"},
        {"value": 1.0, "half_width": 0.5, "distribution": "arcsine"},
        {"value": 1.0, "half_width": 0.5, "distribution": "trapezoidal", "beta": 0.3},
    ],
)
def test_sampling_and_inverse_cdf_match_the_stated_distribution(spec: dict[str, object]) -> None:
    inp = Input.from_spec("x", spec)
    rng = np.random.default_rng(1)
    s = inp.sample(rng, 400_000)
    assert s.mean() == pytest.approx(1.0, abs=5 * inp.standard_uncertainty / math.sqrt(4e5))
    assert s.std() == pytest.approx(inp.standard_uncertainty, rel=0.01)
    q = inp.ppf(rng.random(400_000))
    assert stats.ks_2samp(s[:50_000], q[:50_000]).pvalue > 1e-4


def test_student_t_input_is_scaled_t_in_mcm() -> None:
    m = Model("y = x", [Input.student_t("x", 0.0, 1.0, dof=5)])
    mc = monte_carlo(m, trials=400_000, seed=2)["y"]
    assert mc.standard_uncertainty == pytest.approx(math.sqrt(5 / 3), rel=0.02)
    assert propagate(m)["y"].coverage_factor == pytest.approx(stats.t.ppf(0.975, 5))


def test_correlated_inputs_normal_t_and_copula() -> None:
    names = ["a", "b"]
    for dist in ("normal", "student_t", "rectangular"):
        spec = {"value": 0.0, "u": 1.0, "distribution": dist}
        if dist == "student_t":
            spec["dof"] = 30
        inputs = [Input.from_spec(n, dict(spec)) for n in names]
        m = Model({"a2": "a + 0*b", "b2": "b + 0*a"}, inputs, [("a", "b", 0.8)])
        mc = monte_carlo(m, trials=200_000, seed=4)
        assert mc.correlation is not None
        assert mc.correlation[0, 1] == pytest.approx(0.8, abs=0.02), dist


def test_singular_psd_correlation_is_accepted() -> None:
    m = Model("y = a - b", [Input.normal("a", 1.0, 0.1), Input.normal("b", 1.0, 0.1)], [("a", "b", 1.0)])
    assert propagate(m)["y"].standard_uncertainty == pytest.approx(0.0, abs=1e-15)
    assert monte_carlo(m, trials=1000, seed=1)["y"].standard_uncertainty == pytest.approx(0.0, abs=1e-12)


def test_intervals() -> None:
    y = np.arange(1000, dtype=float)
    lo, hi = symmetric_interval(y, 0.9)
    assert (lo, hi) == pytest.approx((49.95, 949.05))
    expo = np.random.default_rng(1).exponential(size=200_000)
    lo, hi = shortest_interval(expo, 0.95)
    assert lo == pytest.approx(0.0, abs=1e-3) and hi == pytest.approx(-math.log(0.05), rel=0.02)


def test_seed_is_recorded_and_reproducible() -> None:
    m = Model("y = a*b", [Input.normal("a", 1.0, 0.1), Input.rectangular("b", 2.0, 0.1)])
    r1 = monte_carlo(m, trials=5000)
    r2 = monte_carlo(m, trials=5000, seed=r1.seed)
    assert r1["y"].value == r2["y"].value and r1["y"].interval == r2["y"].interval


def test_numerical_tolerance_jcgm101_7_9_2() -> None:
    # JCGM 101 §7.9.2 example: u(y) = 0.028, n_dig = 2 -> δ = 0.0005
    assert numerical_tolerance(0.028, 2) == pytest.approx(0.0005)
    assert numerical_tolerance(2.0012, 3) == pytest.approx(0.005)
    assert numerical_tolerance(2.0012, 2) == pytest.approx(0.05)
    assert numerical_tolerance(9.996, 2) == pytest.approx(0.5)


def test_adaptive_uses_fewer_trials_than_fixed_million() -> None:
    m = Model("y = x1*x2/x3", [Input.normal("x1", 10, 0.1), Input.normal("x2", 5, 0.05),
                              Input.normal("x3", 2, 0.02)])
    res = monte_carlo(m, adaptive=True, significant_digits=2, seed=11)
    assert res.adaptive is not None and res.adaptive.converged
    assert res.trials < 1_000_000
    assert res.adaptive.block_size == 10_000


def test_validation_of_gum_h1_like_linear_case_passes() -> None:
    m = Model("y = a + b", [Input.normal("a", 0, 1), Input.normal("b", 0, 1)])
    g = propagate(m)["y"]
    mc = monte_carlo(m, trials=2_000_000, seed=9)["y"]
    v = validate_gum(g, mc, significant_digits=1)
    assert v.validated and "validated" in v.verdict


def test_vectorised_many_records_matches_known_formula() -> None:
    m = Model("y = x1*x2/x3", [Input.normal("x1", 10, 0.1), Input.normal("x2", 5, 0.05),
                              Input.normal("x3", 2, 0.02)])
    N = 10_000
    rng = np.random.default_rng(0)
    x1 = rng.uniform(9, 11, N)
    res = propagate_many(m, {"x1": x1}, {"x1": 0.01 * x1})
    rel = np.sqrt(0.01**2 + 0.01**2 + 0.01**2)
    np.testing.assert_allclose(res.standard_uncertainty["y"], res.value["y"] * rel, rtol=1e-12)
    assert res.to_dict()["y"]["effective_dof"][0] is None  # infinite → null


def test_several_outputs_may_use_earlier_outputs_and_cycles_are_rejected() -> None:
    inputs = [Input.normal("a", 2.0, 0.1)]
    m = Model({"z": "y*2", "y": "a**2"}, inputs)
    assert float(m.evaluate()["z"]) == pytest.approx(8.0)
    with pytest.raises(Exception, match="cycle"):
        Model({"z": "y*2", "y": "z+a"}, inputs)


def test_type_a_simultaneous_gum_h2_correlations() -> None:
    obs = {"V": [5.007, 4.994, 5.005, 4.990, 4.999], "I": [19.663, 19.639, 19.640, 19.685, 19.678],
           "phi": [1.0456, 1.0438, 1.0468, 1.0428, 1.0433]}
    inputs, corr = type_a_simultaneous(obs)
    r = {(a, b): v for a, b, v in corr}
    assert r[("V", "I")] == pytest.approx(-0.3553, abs=5e-5)
    assert r[("V", "phi")] == pytest.approx(0.8576, abs=5e-5)
    assert r[("I", "phi")] == pytest.approx(-0.6451, abs=5e-5)
    assert all(i.dof == 4 and i.ensemble for i in inputs)


@pytest.mark.parametrize(
    "u, digits, rule, expected",
    [
        (0.0932, 2, "half_even", "0.093"),
        (0.0935, 2, "half_even", "0.094"),
        (0.0925, 2, "half_even", "0.092"),
        (0.0921, 2, "up", "0.093"),
        (0.0996, 2, "half_even", "0.10"),
        (92.48, 2, "half_even", "92"),
        (1234.0, 2, "half_even", "1200"),
        (0.0932, 1, "half_even", "0.09"),
    ],
)
def test_round_uncertainty_jjf_1059_1(u: float, digits: int, rule: str, expected: str) -> None:
    assert round_uncertainty(u, digits, rule)[0] == expected  # type: ignore[arg-type]


def test_round_result_same_decimal_place() -> None:
    r = round_result(50.0008384, 0.0000925)
    assert (r.value, r.uncertainty) == ("50.000838", "0.000092")
    r = round_result(127.7322, 0.2)
    assert (r.value, r.uncertainty) == ("127.73", "0.20")
    r = round_result(1234567.0, 1234.0)
    assert (r.value, r.uncertainty) == ("1234600", "1200")
    assert format_result("l", 50.000838, 0.000093, 2.92, unit="mm") == "l = 50.000838 mm, U = 0.000093 mm, k = 2.92"
    zh = format_result("l", 50.000838, 0.000093, 2.92, unit="mm", coverage_probability=0.99, effective_dof=16.75,
                       language="zh")
    assert zh == "l = 50.000838 mm，U99 = 0.000093 mm，k = 2.92，ν_eff = 16。"


def test_histogram_svg_is_well_formed() -> None:
    m = Model("y = a*b", [Input.normal("a", 1.0, 0.1), Input.rectangular("b", 2.0, 0.5)])
    g = propagate(m)["y"]
    mc = monte_carlo(m, trials=50_000, seed=1, histogram_bins=60)["y"]
    svg = histogram_svg(mc, g, title="a < b & c")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "a &lt; b &amp; c" in svg
    assert "<polyline" in svg and "<path" in svg
    assert mc.histogram is not None
    width = mc.histogram.edges[1] - mc.histogram.edges[0]
    assert float(np.sum(mc.histogram.density) * width) == pytest.approx(1.0, abs=0.01)


def test_example_model_files_evaluate(tmp_path: Path) -> None:
    files = sorted((ROOT / "examples" / "uncertainty").glob("*.json"))
    assert len(files) >= 4
    for f in files:
        spec = json.loads(f.read_text(encoding="utf-8"))
        spec.pop("mcm", None)
        code, out, err = run_cli(tmp_path, spec, "--json")
        assert code == 0, (f, err)
        assert json.loads(out)["outputs"]


def test_cli_text_report_and_svg(tmp_path: Path) -> None:
    spec = json.loads((ROOT / "examples" / "uncertainty" / "gum-h1.json").read_text(encoding="utf-8"))
    spec["mcm"] = {"trials": 20_000, "seed": 1}
    svg = tmp_path / "h1.svg"
    code, out, err = run_cli(tmp_path, spec, "--svg", str(svg))
    assert code == 0, err
    assert "u_c = 31.6639 nm" in out and "ν_eff = 16.75" in out and "U99 = 92 nm" in out
    assert "§8 validation" in out
    ET.fromstring(svg.read_text(encoding="utf-8"))


def test_cli_adaptive_flag(tmp_path: Path) -> None:
    spec = {"model": "y = a + b", "inputs": {"a": {"value": 0, "u": 1}, "b": {"value": 0, "half_width": 1}}}
    code, out, err = run_cli(tmp_path, spec, "--json", "--adaptive")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["mcm"]["adaptive"]["converged"] is True
    assert doc["outputs"]["y"]["mcm"]["trials"] == doc["mcm"]["trials"]
    assert isinstance(doc["outputs"]["y"]["mcm"]["validation"]["validated"], bool)


@pytest.mark.parametrize("kind", ["normal", "exponential", "cauchy", "ties", "constant", "small"])
@pytest.mark.parametrize("p", [0.5, 0.6827, 0.95, 0.99])
def test_fast_symmetric_interval_equals_numpy_quantile(kind: str, p: float) -> None:
    rng = np.random.default_rng(42)
    y = {
        "normal": lambda: rng.standard_normal(400_003),
        "exponential": lambda: rng.exponential(size=400_000),
        "cauchy": lambda: rng.standard_cauchy(400_000),
        "ties": lambda: np.round(rng.standard_normal(400_000), 1),
        "constant": lambda: np.full(400_000, 3.0),
        "small": lambda: rng.standard_normal(1234),
    }[kind]()
    lo, hi = symmetric_interval(y, p)
    ref = np.quantile(y, [(1 - p) / 2, (1 + p) / 2])
    assert lo == pytest.approx(ref[0], abs=1e-14) and hi == pytest.approx(ref[1], abs=1e-14)
