"""Measurement models Y = f(X₁, …, X_N) with one or several outputs (GUM 4.1, JCGM 102).

A :class:`Model` joins the model equations (safe expression strings or a Python callable), the
input quantities (:class:`~jiliang.core.uncertainty.inputs.Input`) and the correlation
coefficients between inputs.  The constructor validates everything — names, numbers, the
correlation matrix (positive semi-definite) and the model value at the estimates — so that a bad
model fails before anything is reported.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from jiliang.core.uncertainty.autodiff import Dual, Jet
from jiliang.core.uncertainty.errors import EvaluationError, ExpressionError, ModelError
from jiliang.core.uncertainty.expression import (
    Expression,
    check_quantity_name,
    parse_expression,
    split_assignment,
)
from jiliang.core.uncertainty.inputs import Input

ModelSpec = str | Mapping[str, str] | Callable[..., Any]


class Model:
    """A measurement model with its input quantities.

    Parameters
    ----------
    model:
        * an expression string, e.g. ``"x1*x2/x3"`` or ``"P = V**2/R"`` (single output), or
        * a mapping output name → expression; an expression may use outputs defined before it, or
        * a Python callable whose parameter names are input names; it must work on numpy arrays
          (use ``np.sqrt`` etc.) and return one value, a tuple (in the order of ``outputs``) or a
          mapping.
    inputs:
        the input quantities (a sequence of :class:`Input` or a mapping name → Input).
    correlations:
        ``(name_a, name_b, r)`` triples; unlisted pairs are uncorrelated.
    outputs:
        output names for a callable (default ``("y",)``).
    output:
        output name for a single expression without ``"name ="`` (default ``"y"``).
    units:
        optional output name → unit string, carried into the results.
    """

    def __init__(
        self,
        model: ModelSpec,
        inputs: Sequence[Input] | Mapping[str, Input],
        correlations: Sequence[Sequence[Any]] = (),
        *,
        outputs: Sequence[str] | None = None,
        output: str | None = None,
        units: Mapping[str, str] | None = None,
    ) -> None:
        inp_list = list(inputs.values()) if isinstance(inputs, Mapping) else list(inputs)
        if not inp_list:
            raise ModelError("a model needs at least one input quantity", field="inputs")
        names: list[str] = []
        for inp in inp_list:
            if not isinstance(inp, Input):
                raise ModelError(f"inputs must be Input objects, got {type(inp).__name__}", field="inputs")
            if inp.name in names:
                raise ModelError(f"input {inp.name!r} is defined twice", quantity=inp.name, field="inputs")
            names.append(inp.name)
        self.inputs: dict[str, Input] = {i.name: i for i in inp_list}
        self.input_names: tuple[str, ...] = tuple(names)
        self.callable: Callable[..., Any] | None = None
        self.expressions: dict[str, Expression] = {}
        self.units: dict[str, str] = dict(units or {})

        if callable(model) and not isinstance(model, str):
            self.callable = model
            outs = tuple(outputs) if outputs else ("y",)
            for o in outs:
                check_quantity_name(o, "output")
            self.output_names: tuple[str, ...] = outs
            self._callable_params = self._inspect_callable(model)
        elif isinstance(model, str):
            if outputs:
                raise ModelError("'outputs' is for callables; use a mapping for several expressions",
                                 field="outputs")
            name, expr = split_assignment(model)
            if name is not None and output is not None and name != output:
                raise ModelError(f"expression defines {name!r} but output={output!r}", quantity=name,
                                 field="output")
            out = name or output or "y"
            check_quantity_name(out, "output")
            self.output_names = (out,)
            self.expressions = {out: parse_expression(expr, output=out)}
        elif isinstance(model, Mapping):
            if not model:
                raise ModelError("the model has no outputs", field="outputs")
            exprs: dict[str, Expression] = {}
            for out, src in model.items():
                check_quantity_name(out, "output")
                if not isinstance(src, str):
                    raise ExpressionError(f"expression for output {out!r} must be a string", quantity=out,
                                          field="expression")
                exprs[out] = parse_expression(src, output=out)
            self.output_names = tuple(model)
            self.expressions = self._order_outputs(exprs)
        else:
            raise ModelError(f"model must be an expression string, a mapping or a callable, got "
                             f"{type(model).__name__}", field="model")

        for o in self.output_names:
            if o in self.inputs:
                raise ModelError(f"output {o!r} has the same name as an input", quantity=o, field="outputs")
        if len(set(self.output_names)) != len(self.output_names):
            raise ModelError("output names must be unique", field="outputs")

        self._check_names()
        self.correlation = self._correlation_matrix(correlations)
        self.correlations: tuple[tuple[str, str, float], ...] = tuple(
            (names[i], names[j], float(self.correlation[i, j]))
            for i in range(len(names))
            for j in range(i + 1, len(names))
            if self.correlation[i, j] != 0.0
        )
        self._check_ensembles()
        self._check_at_estimates()

    # -- construction helpers ---------------------------------------------------------------------
    def _inspect_callable(self, func: Callable[..., Any]) -> tuple[str, ...]:
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            return self.input_names
        params: list[str] = []
        var_kw = False
        for p in sig.parameters.values():
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                var_kw = True
            elif p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
                params.append(p.name)
            elif p.kind is inspect.Parameter.VAR_POSITIONAL:
                raise ModelError("a model callable must take the inputs as named parameters, not *args",
                                 field="model")
        if var_kw:
            return self.input_names
        unknown = [p for p in params if p not in self.inputs]
        if unknown:
            raise ModelError(f"model callable parameter(s) {', '.join(map(repr, unknown))} are not inputs; "
                             f"inputs are {', '.join(self.input_names)}", quantity=unknown[0], field="model")
        return tuple(params)

    def _order_outputs(self, exprs: dict[str, Expression]) -> dict[str, Expression]:
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(o: str, stack: list[str]) -> None:
            if state.get(o) == 2:
                return
            if state.get(o) == 1:
                cycle = " → ".join([*stack[stack.index(o):], o])
                raise ModelError(f"outputs depend on each other in a cycle: {cycle}", quantity=o, field="outputs")
            state[o] = 1
            for dep in sorted(exprs[o].names):
                if dep in exprs:
                    visit(dep, [*stack, o])
            state[o] = 2
            order.append(o)

        for o in exprs:
            visit(o, [])
        return {o: exprs[o] for o in order}

    def _check_names(self) -> None:
        known = set(self.inputs) | set(self.expressions)
        for out, expr in self.expressions.items():
            unknown = sorted(expr.names - known)
            if unknown:
                raise ExpressionError(
                    f"unknown symbol {unknown[0]!r} in the expression for output {out!r}"
                    + (f" (also {', '.join(map(repr, unknown[1:]))})" if len(unknown) > 1 else "")
                    + f"; inputs are {', '.join(self.input_names)}",
                    quantity=unknown[0],
                    field="expression",
                )

    def _correlation_matrix(self, correlations: Sequence[Sequence[Any]]) -> np.ndarray:
        n = len(self.input_names)
        idx = {name: i for i, name in enumerate(self.input_names)}
        R = np.eye(n)
        seen: dict[tuple[int, int], float] = {}
        if isinstance(correlations, (str, bytes)) or not isinstance(correlations, (Sequence, np.ndarray)):
            raise ModelError("correlations must be a list of [input_a, input_b, r]", field="correlations")
        for entry in correlations:
            if not isinstance(entry, (Sequence, np.ndarray)) or isinstance(entry, str) or len(entry) != 3:
                raise ModelError(f"correlation entry {entry!r} must be [input_a, input_b, r]", field="correlations")
            a, b, r = entry
            for nm in (a, b):
                if nm not in idx:
                    raise ModelError(f"correlation [{a!r}, {b!r}, …] names unknown input {nm!r}",
                                     quantity=str(nm), field="correlations")
            if a == b:
                raise ModelError(f"correlation of input {a!r} with itself", quantity=str(a), field="correlations")
            if isinstance(r, bool) or not isinstance(r, (int, float, np.integer, np.floating)) or not math.isfinite(
                float(r)
            ):
                raise ModelError(f"correlation coefficient r({a}, {b}) must be a number, got {r!r}",
                                 quantity=str(a), field="correlations")
            rv = float(r)
            if not -1.0 <= rv <= 1.0:
                raise ModelError(f"correlation coefficient r({a}, {b}) = {rv:g} is outside [−1, 1]",
                                 quantity=str(a), field="correlations")
            i, j = sorted((idx[a], idx[b]))
            if (i, j) in seen and seen[(i, j)] != rv:
                raise ModelError(f"correlation r({a}, {b}) is given twice with different values",
                                 quantity=str(a), field="correlations")
            seen[(i, j)] = rv
            R[i, j] = R[j, i] = rv
        if seen:
            w, v = np.linalg.eigh(R)
            if w[0] < -1e-10:
                # name the inputs carrying the negative eigenvalue
                vec = v[:, 0]
                involved = [self.input_names[i] for i in np.argsort(-np.abs(vec)) if abs(vec[i]) > 1e-6]
                raise ModelError(
                    "the correlation matrix is not positive semi-definite (smallest eigenvalue "
                    f"{w[0]:.4g}); check the correlations between {', '.join(involved)}",
                    quantity=involved[0] if involved else None,
                    field="correlations",
                )
        return R

    def _check_ensembles(self) -> None:
        groups: dict[str, list[Input]] = {}
        for inp in self.inputs.values():
            if inp.ensemble is not None:
                groups.setdefault(inp.ensemble, []).append(inp)
        for g, members in groups.items():
            dofs = {m.dof for m in members}
            if len(dofs) != 1:
                raise ModelError(f"inputs of ensemble {g!r} must have the same degrees of freedom",
                                 quantity=members[0].name, field="dof")

    def _check_at_estimates(self) -> None:
        env = {n: np.float64(i.value) for n, i in self.inputs.items()}
        with np.errstate(all="ignore"):
            if self.callable is None:
                for out, expr in self.expressions.items():
                    expr.check_finite_at(env)
                    env[out] = np.float64(expr(env))
            else:
                res = self.evaluate(env)
                for out, v in res.items():
                    if not np.all(np.isfinite(v)):
                        raise EvaluationError(f"the model callable gives a non-finite value for output {out!r} "
                                              "at the estimates", quantity=out, field="value")

    # -- evaluation -------------------------------------------------------------------------------
    @property
    def estimates(self) -> np.ndarray:
        """Input estimates xᵢ in input order."""
        return np.array([self.inputs[n].value for n in self.input_names])

    @property
    def standard_uncertainties(self) -> np.ndarray:
        """Standard uncertainties u(xᵢ) in input order."""
        return np.array([self.inputs[n].standard_uncertainty for n in self.input_names])

    @property
    def covariance(self) -> np.ndarray:
        """Input covariance matrix U_x = D R D."""
        u = self.standard_uncertainties
        return np.asarray(self.correlation * np.outer(u, u))

    def _run(self, env: dict[str, Any]) -> dict[str, Any]:
        """Evaluate all outputs for ``env`` (numbers, arrays, Jets or Duals)."""
        if self.callable is None:
            local = dict(env)
            for out, expr in self.expressions.items():
                local[out] = expr(local)
            return {o: local[o] for o in self.output_names}
        kwargs = {p: env[p] for p in self._callable_params}
        try:
            res = self.callable(**kwargs)
        except TypeError as exc:
            raise ModelError(f"the model callable failed: {exc}", field="model") from exc
        if isinstance(res, Mapping):
            missing = [o for o in self.output_names if o not in res]
            if missing:
                raise ModelError(f"the model callable did not return output(s) {', '.join(missing)}",
                                 quantity=missing[0], field="outputs")
            return {o: res[o] for o in self.output_names}
        if isinstance(res, (tuple, list)):
            if len(res) != len(self.output_names):
                raise ModelError(f"the model callable returned {len(res)} values for "
                                 f"{len(self.output_names)} outputs", field="outputs")
            return dict(zip(self.output_names, res, strict=True))
        if len(self.output_names) != 1:
            raise ModelError(f"the model callable returned one value for {len(self.output_names)} outputs",
                             field="outputs")
        return {self.output_names[0]: res}

    def evaluate(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Output values for the given input values (arrays allowed; missing inputs take their estimate)."""
        env: dict[str, Any] = {}
        for n, inp in self.inputs.items():
            v = (values or {}).get(n, inp.value)
            env[n] = np.asarray(v, dtype=float) if np.ndim(v) else np.float64(v)
        if values:
            extra = [k for k in values if k not in self.inputs]
            if extra:
                raise ModelError(f"unknown input {extra[0]!r}", quantity=extra[0])
        with np.errstate(all="ignore"):
            return self._run(env)

    def _run_jets(self, values: list[Any], *, second_order: bool) -> dict[str, Any]:
        jets = Jet.variables(values, second_order=second_order)
        env: dict[str, Any] = dict(zip(self.input_names, jets, strict=True))
        with np.errstate(all="ignore"):
            return self._run(env)

    def _run_duals(self, values: list[Any], seed: int) -> dict[str, Any]:
        jets = Jet.variables(values, second_order=True)
        env: dict[str, Any] = {
            n: Dual(j, 1.0 if i == seed else 0.0) for i, (n, j) in enumerate(zip(self.input_names, jets, strict=True))
        }
        with np.errstate(all="ignore"):
            return self._run(env)

    def with_inputs(self, **changes: Input) -> Model:
        """A copy of the model with some inputs replaced (same equations and correlations)."""
        new = [changes.get(n, self.inputs[n]) for n in self.input_names]
        model: ModelSpec = self.callable if self.callable is not None else {
            o: self.expressions[o].source for o in self.output_names
        }
        return Model(model, new, [list(c) for c in self.correlations], outputs=self.output_names
                     if self.callable is not None else None, units=self.units)

    def __repr__(self) -> str:
        eqs = "; ".join(f"{o} = {e.source}" for o, e in self.expressions.items()) or repr(self.callable)
        return f"Model({eqs!r}, inputs={list(self.input_names)})"
