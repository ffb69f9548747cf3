"""Issue 3: property tests — linear models are propagated exactly and Monte Carlo converges to them;
the adaptive procedure stops within its tolerance; results do not depend on the order of inputs."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.core.uncertainty import (
    Input,
    Model,
    monte_carlo,
    numerical_tolerance,
    propagate,
    propagate_many,
)

DISTS = ["normal", "rectangular", "triangular", "arcsine", "trapezoidal"]


@st.composite
def linear_models(draw: st.DrawFn, correlated: bool = False) -> tuple[Model, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 6))
    coef = np.array([draw(st.floats(-5, 5).filter(lambda c: abs(c) > 1e-3)) for _ in range(n)])
    inputs = []
    for i in range(n):
        x = draw(st.floats(-100, 100))
        u = draw(st.floats(1e-3, 10))
        dist = draw(st.sampled_from(DISTS))
        spec: dict[str, object] = {"value": x, "u": u, "distribution": dist}
        if dist == "trapezoidal":
            spec["beta"] = draw(st.floats(0, 1))
        if draw(st.booleans()):
            spec["dof"] = draw(st.integers(1, 50))
        inputs.append(Input.from_spec(f"x{i}", spec))
    corr: list[tuple[str, str, float]] = []
    R = np.eye(n)
    if correlated and n > 1:
        # a valid correlation matrix from a random factor
        F = np.array([[draw(st.floats(-1, 1)) for _ in range(n)] for _ in range(n)]) + 2 * np.eye(n)
        C = F @ F.T
        d = np.sqrt(np.diag(C))
        R = C / np.outer(d, d)
        corr = [(f"x{i}", f"x{j}", float(R[i, j])) for i in range(n) for j in range(i + 1, n)]
        inputs = [Input.normal(i.name, i.value, i.standard_uncertainty) for i in inputs]
        R = np.array(R)
    c0 = draw(st.floats(-10, 10))
    expr = " + ".join(f"({float(c)!r})*x{i}" for i, c in enumerate(coef)) + f" + ({c0!r})"
    model = Model("y = " + expr, inputs, corr)
    u = model.standard_uncertainties
    return model, coef, model.correlation * np.outer(u, u)


@settings(max_examples=60, deadline=None)
@given(linear_models(correlated=False))
def test_linear_propagation_is_exact(case: tuple[Model, np.ndarray, np.ndarray]) -> None:
    model, coef, V = case
    out = propagate(model)["y"]
    exact = math.sqrt(float(coef @ V @ coef))
    assert out.standard_uncertainty == __import__("pytest").approx(exact, rel=1e-12)
    np.testing.assert_allclose([r.sensitivity for r in out.budget], coef, rtol=1e-15)
    # second-order terms vanish for a linear model
    assert propagate(model, second_order=True)["y"].standard_uncertainty == out.standard_uncertainty


@settings(max_examples=40, deadline=None)
@given(linear_models(correlated=True))
def test_linear_propagation_with_correlations_is_exact(case: tuple[Model, np.ndarray, np.ndarray]) -> None:
    model, coef, V = case
    out = propagate(model)["y"]
    assert out.standard_uncertainty == __import__("pytest").approx(math.sqrt(float(coef @ V @ coef)), rel=1e-10)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(linear_models(correlated=True), st.integers(0, 2**32))
def test_mcm_converges_to_exact_linear_result(case: tuple[Model, np.ndarray, np.ndarray], seed: int) -> None:
    model, coef, V = case
    exact_u = math.sqrt(float(coef @ V @ coef))
    y = float(model.evaluate()["y"])
    M = 200_000
    mc = monte_carlo(model, trials=M, seed=seed)["y"]
    assert abs(mc.value - y) <= 5 * exact_u / math.sqrt(M) + 1e-9 * max(1.0, abs(y))
    assert abs(mc.standard_uncertainty - exact_u) <= 0.01 * exact_u


@settings(max_examples=10, deadline=None, derandomize=True)
@given(linear_models(correlated=False), st.integers(0, 2**32), st.integers(1, 2))
def test_adaptive_stops_within_tolerance(case: tuple[Model, np.ndarray, np.ndarray], seed: int,
                                         ndig: int) -> None:
    model, coef, V = case
    res = monte_carlo(model, adaptive=True, significant_digits=ndig, seed=seed, max_trials=5_000_000)
    info = res.adaptive
    assert info is not None and info.converged
    delta = info.tolerance["y"]
    # δ is the §7.9.2 tolerance of u(y) from all h·M values (the final u differs from it by < δ)
    assert delta in (numerical_tolerance(res["y"].standard_uncertainty, ndig),
                     numerical_tolerance(res["y"].standard_uncertainty * (1 + 1e-3), ndig),
                     numerical_tolerance(res["y"].standard_uncertainty * (1 - 1e-3), ndig))
    for key in ("y", "u", "low", "high"):
        assert info.twice_std["y"][key] <= delta
    assert res.trials == info.blocks * info.block_size
    exact_u = math.sqrt(float(coef @ V @ coef))
    assert abs(res["y"].standard_uncertainty - exact_u) <= 4 * delta


@settings(max_examples=40, deadline=None)
@given(linear_models(correlated=True), st.randoms(use_true_random=False), st.booleans())
def test_results_do_not_depend_on_input_order(case: tuple[Model, np.ndarray, np.ndarray], rnd: object,
                                              nonlinear: bool) -> None:
    import pytest

    model, _, _ = case
    names = list(model.input_names)
    expr = model.expressions["y"].source
    if nonlinear:
        expr = expr + " + " + " + ".join(f"0.01*{n}**2" for n in names) + f" + sin({names[0]})*{names[-1]}"
    shuffled = list(names)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    corr = [list(c) for c in model.correlations]
    rnd.shuffle(corr)  # type: ignore[attr-defined]
    m1 = Model("y = " + expr, [model.inputs[n] for n in names], corr)
    m2 = Model("y = " + expr, [model.inputs[n] for n in shuffled], [[b, a, r] for a, b, r in corr])
    g1, g2 = propagate(m1, second_order=nonlinear)["y"], propagate(m2, second_order=nonlinear)["y"]
    assert g2.value == pytest.approx(g1.value, rel=1e-12, abs=1e-12)
    assert g2.standard_uncertainty == pytest.approx(g1.standard_uncertainty, rel=1e-10)
    assert g2.effective_dof == pytest.approx(g1.effective_dof, rel=1e-10)
    b1 = {r.quantity: r for r in g1.budget}
    for r in g2.budget:
        assert r.sensitivity == pytest.approx(b1[r.quantity].sensitivity, rel=1e-12, abs=1e-15)
    mc1 = monte_carlo(m1, trials=2000, seed=5)["y"]
    mc2 = monte_carlo(m2, trials=2000, seed=5)["y"]
    assert mc2.value == pytest.approx(mc1.value, rel=1e-12, abs=1e-12)
    assert mc2.standard_uncertainty == pytest.approx(mc1.standard_uncertainty, rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 50), st.integers(0, 2**32))
def test_propagate_many_equals_record_by_record(n_records: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    inputs = [Input.normal("a", 2.0, 0.1, dof=5), Input.rectangular("b", 3.0, 0.2),
              Input.normal("c", 1.5, 0.05, dof=12)]
    model = Model({"y": "a*exp(b/10)/c + atan2(a, b)", "z": "y*sqrt(c)"}, inputs, [("a", "c", 0.3)])
    vals = {"a": rng.uniform(1, 3, n_records), "b": rng.uniform(2, 4, n_records), "c": rng.uniform(1, 2, n_records)}
    us = {"a": rng.uniform(0.01, 0.2, n_records), "c": rng.uniform(0.01, 0.1, n_records)}
    dof = {"a": rng.integers(2, 30, n_records).astype(float)}
    batch = propagate_many(model, vals, us, dof)
    for k in range(n_records):
        changed = model.with_inputs(
            a=Input.normal("a", vals["a"][k], us["a"][k], dof=dof["a"][k]),
            b=Input.rectangular("b", vals["b"][k], 0.2),
            c=Input.normal("c", vals["c"][k], us["c"][k], dof=12),
        )
        single = propagate(changed)
        for o in ("y", "z"):
            assert batch.value[o][k] == single[o].value
            np.testing.assert_allclose(batch.standard_uncertainty[o][k], single[o].standard_uncertainty, rtol=1e-12)
            np.testing.assert_allclose(batch.effective_dof[o][k], single[o].effective_dof, rtol=1e-10)
            np.testing.assert_allclose(batch.coverage_factor[o][k], single[o].coverage_factor, rtol=1e-12)
