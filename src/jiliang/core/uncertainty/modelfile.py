"""The JSON model format (``docs/uncertainty-model-format.md``) and its evaluation.

:func:`load_model` turns the parsed JSON mapping into a :class:`Model` plus options, validating
every field first (so that bad input is reported, naming the input, before anything is evaluated).
:func:`evaluate_spec` runs the GUM evaluation and, when asked, the Monte Carlo method and the
JCGM 101 §8 validation, and returns an :class:`Evaluation` whose :meth:`Evaluation.to_dict` is the
``--json`` output of ``jiliang uncertainty evaluate``.  Reading the file is the caller's job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jiliang.core.uncertainty.errors import ModelError
from jiliang.core.uncertainty.gum import GumResult, propagate
from jiliang.core.uncertainty.inputs import Input, type_a_simultaneous
from jiliang.core.uncertainty.model import Model
from jiliang.core.uncertainty.montecarlo import (
    DEFAULT_MAX_TRIALS,
    DEFAULT_TRIALS,
    McmResult,
    Validation,
    monte_carlo,
    validate_gum,
)
from jiliang.core.uncertainty.reporting import format_result, round_result
from jiliang.core.uncertainty.svg import histogram_svg
from jiliang.core.units import UnitError, format_unit, parse_unit

TOP_KEYS = frozenset(
    {
        "title",
        "description",
        "reference",
        "model",
        "output",
        "outputs",
        "units",
        "inputs",
        "simultaneous",
        "correlations",
        "coverage_probability",
        "k",
        "second_order",
        "dof_rounding",
        "mcm",
        "rounding",
    }
)
MCM_KEYS = frozenset({"trials", "adaptive", "seed", "significant_digits", "interval", "max_trials", "block_size"})


#: dimensionless markers accepted in "unit" besides the registry's units (GB 3101-1993: % = 0.01)
DIMENSIONLESS_UNITS = frozenset({"%", "1"})


def check_unit(unit: str, where: str, *, quantity: str, field: str) -> None:
    """Validate a unit string through :func:`jiliang.core.units.parse_unit` (legal units, GB 3100/3101).

    An unknown or malformed unit is a :class:`ModelError` whose message starts with ``where``
    (``inputs.V.unit``, ``units.P``). An empty string means "no unit"."""
    if not unit.strip() or unit.strip() in DIMENSIONLESS_UNITS:
        return
    try:
        parse_unit(unit)
    except UnitError as exc:
        raise ModelError(f"{where}: {exc}", quantity=quantity, field=field) from exc


def unit_text(unit: str | None, language: str) -> str | None:
    """The unit as written in results: international symbols (``"en"``) or Chinese symbols (``"zh"``)."""
    if unit is None or not unit.strip():
        return None
    if unit.strip() in DIMENSIONLESS_UNITS:
        return unit.strip()
    try:
        return format_unit(parse_unit(unit), "zh" if language == "zh" else "en")
    except UnitError:  # a unit given to the Model directly is not validated
        return unit


@dataclass(frozen=True)
class McmOptions:
    """Options of the ``"mcm"`` section."""

    trials: int = DEFAULT_TRIALS
    adaptive: bool = False
    seed: int | None = None
    significant_digits: int = 2
    interval: str = "symmetric"
    max_trials: int = DEFAULT_MAX_TRIALS
    block_size: int | None = None


@dataclass(frozen=True)
class ModelSpec:
    """A loaded model file: the model and the evaluation options."""

    model: Model
    title: str | None
    coverage_probability: float | None
    k: float | None
    second_order: bool
    dof_rounding: str
    mcm: McmOptions | None
    rounding_digits: int = 2
    rounding_rule: str = "half_even"


def _int(x: object, where: str, minimum: int = 0) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < minimum:
        raise ModelError(f"{where} must be an integer ≥ {minimum}, got {x!r}", field=where.split('.')[-1])
    return x


def _bool(x: object, where: str) -> bool:
    if not isinstance(x, bool):
        raise ModelError(f"{where} must be true or false, got {x!r}", field=where.split('.')[-1])
    return x


def load_model(spec: Mapping[str, Any]) -> ModelSpec:
    """Validate a model-file mapping and build the :class:`Model` (nothing is evaluated but the
    model value at the estimates, which must be finite)."""
    if not isinstance(spec, Mapping):
        raise ModelError("the model file must hold a JSON object", field="model")
    unknown = sorted(k for k in spec if k not in TOP_KEYS)
    if unknown:
        raise ModelError(f"unknown field(s) {', '.join(map(repr, unknown))} in the model file; allowed: "
                         + ", ".join(sorted(TOP_KEYS)), field=unknown[0])
    has_model, has_outputs = "model" in spec, "outputs" in spec
    if has_model == has_outputs:
        raise ModelError("the model file needs exactly one of 'model' (one expression) or 'outputs' "
                         "(name → expression)", field="model")
    raw_inputs = spec.get("inputs")
    if not isinstance(raw_inputs, Mapping) or not raw_inputs:
        raise ModelError("'inputs' must be an object mapping input names to their description", field="inputs")

    # simultaneous observations → Type A inputs with correlations (GUM 5.2.3, H.2)
    sim = spec.get("simultaneous", [])
    if not isinstance(sim, list) or any(not isinstance(g, list) for g in sim):
        raise ModelError("'simultaneous' must be a list of lists of input names", field="simultaneous")
    sim_inputs: dict[str, Input] = {}
    sim_corr: list[tuple[str, str, float]] = []
    for gi, group in enumerate(sim):
        obs: dict[str, Any] = {}
        dist = None
        for name in group:
            if not isinstance(name, str) or name not in raw_inputs:
                raise ModelError(f"'simultaneous' names unknown input {name!r}", quantity=str(name),
                                 field="simultaneous")
            if name in sim_inputs or name in obs:
                raise ModelError(f"input {name!r} appears twice in 'simultaneous'", quantity=name,
                                 field="simultaneous")
            d = raw_inputs[name]
            if not isinstance(d, Mapping) or "observations" not in d:
                raise ModelError(f"input {name!r} is listed in 'simultaneous' but has no 'observations'",
                                 quantity=name, field="observations")
            extra = [k for k in d if k not in ("observations", "distribution", "unit", "description")]
            if extra:
                raise ModelError(f"input {name!r}: with simultaneous observations give only 'observations' "
                                 f"(and 'distribution', 'unit', 'description'), not {extra[0]!r}",
                                 quantity=name, field=extra[0])
            obs[name] = d["observations"]
            if d.get("distribution") is not None:
                dist = d["distribution"]
        made, corr = type_a_simultaneous(obs, distribution=dist or "student_t", ensemble=f"simultaneous-{gi + 1}",
                                         units={n: raw_inputs[n].get("unit") for n in obs
                                                if raw_inputs[n].get("unit")})
        for inp in made:
            desc = raw_inputs[inp.name].get("description")
            sim_inputs[inp.name] = Input(**{**inp.__dict__, "description": desc})
        sim_corr.extend(corr)

    inputs: list[Input] = []
    for name, d in raw_inputs.items():
        inputs.append(sim_inputs[name] if name in sim_inputs else Input.from_spec(name, d))

    for name, d in raw_inputs.items():
        unit = d.get("unit") if isinstance(d, Mapping) else None
        if isinstance(unit, str):
            check_unit(unit, f"inputs.{name}.unit", quantity=str(name), field="unit")

    corr_raw = spec.get("correlations", [])
    if not isinstance(corr_raw, list):
        raise ModelError("'correlations' must be a list of [input_a, input_b, r]", field="correlations")
    sim_pairs = {frozenset((a, b)) for a, b, _ in sim_corr}
    for entry in corr_raw:
        if isinstance(entry, list) and len(entry) == 3 and frozenset(entry[:2]) in sim_pairs:
            raise ModelError(f"correlation {entry[:2]!r} is computed from the simultaneous observations; "
                             "do not give it in 'correlations'", quantity=str(entry[0]), field="correlations")
    correlations = [*sim_corr, *corr_raw]

    units = spec.get("units", {})
    if not isinstance(units, Mapping) or any(not isinstance(v, str) for v in units.values()):
        raise ModelError("'units' must map output names to unit strings", field="units")
    for u_name, u_text in units.items():
        check_unit(u_text, f"units.{u_name}", quantity=str(u_name), field="units")
    output = spec.get("output")
    if output is not None and not isinstance(output, str):
        raise ModelError("'output' must be a string", field="output")
    if has_model:
        expr = spec["model"]
        if not isinstance(expr, str):
            raise ModelError("'model' must be an expression string; use 'outputs' for several outputs",
                             field="model")
        model = Model(expr, inputs, correlations, output=output, units=units)
    else:
        outs = spec["outputs"]
        if not isinstance(outs, Mapping):
            raise ModelError("'outputs' must map output names to expressions", field="outputs")
        if output is not None:
            raise ModelError("'output' is only used with 'model'", field="output")
        model = Model(outs, inputs, correlations, units=units)
    for u_name in units:
        if u_name not in model.output_names:
            raise ModelError(f"'units' names unknown output {u_name!r}", quantity=u_name, field="units")

    p = spec.get("coverage_probability")
    k = spec.get("k")
    if p is not None and k is not None:
        raise ModelError("give 'coverage_probability' or 'k', not both", field="k")
    if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 1):
        raise ModelError(f"'coverage_probability' must be between 0 and 1, got {p!r}", field="coverage_probability")
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) or k <= 0):
        raise ModelError(f"'k' must be a number > 0, got {k!r}", field="k")
    second = _bool(spec.get("second_order", False), "second_order")
    dof_rounding = spec.get("dof_rounding", "truncate")
    if dof_rounding not in ("truncate", "none"):
        raise ModelError("'dof_rounding' must be 'truncate' or 'none'", field="dof_rounding")

    mcm_opts: McmOptions | None = None
    if "mcm" in spec:
        m = spec["mcm"]
        if not isinstance(m, Mapping):
            raise ModelError("'mcm' must be an object", field="mcm")
        bad = sorted(x for x in m if x not in MCM_KEYS)
        if bad:
            raise ModelError(f"unknown field(s) {', '.join(map(repr, bad))} in 'mcm'; allowed: "
                             + ", ".join(sorted(MCM_KEYS)), field=bad[0])
        interval = m.get("interval", "symmetric")
        if interval not in ("symmetric", "shortest"):
            raise ModelError("'mcm.interval' must be 'symmetric' or 'shortest'", field="interval")
        mcm_opts = McmOptions(
            trials=_int(m.get("trials", DEFAULT_TRIALS), "mcm.trials", 2),
            adaptive=_bool(m.get("adaptive", False), "mcm.adaptive"),
            seed=None if m.get("seed") is None else _int(m["seed"], "mcm.seed", 0),
            significant_digits=_int(m.get("significant_digits", 2), "mcm.significant_digits", 1),
            interval=interval,
            max_trials=_int(m.get("max_trials", DEFAULT_MAX_TRIALS), "mcm.max_trials", 2),
            block_size=None if m.get("block_size") is None else _int(m["block_size"], "mcm.block_size", 2),
        )
    rounding = spec.get("rounding", {})
    if not isinstance(rounding, Mapping):
        raise ModelError("'rounding' must be an object", field="rounding")
    r_digits = _int(rounding.get("significant_digits", 2), "rounding.significant_digits", 1)
    r_rule = rounding.get("rule", "half_even")
    if r_rule not in ("half_even", "up"):
        raise ModelError("'rounding.rule' must be 'half_even' or 'up'", field="rule")
    title = spec.get("title")
    return ModelSpec(
        model=model,
        title=title if isinstance(title, str) else None,
        coverage_probability=None if p is None else float(p),
        k=None if k is None else float(k),
        second_order=second,
        dof_rounding=dof_rounding,
        mcm=mcm_opts,
        rounding_digits=r_digits,
        rounding_rule=r_rule,
    )


def json_safe(x: Any) -> Any:
    """Replace non-finite floats (ν_eff = ∞, …) by ``None`` so that a document is strict JSON (RFC 8259)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, Mapping):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    return x


@dataclass(frozen=True)
class Evaluation:
    """GUM result, optional MCM result and §8 validations of one model file."""

    spec: ModelSpec
    gum: GumResult
    mcm: McmResult | None = None
    validations: dict[str, Validation] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        s = self.spec
        outs: dict[str, Any] = {}
        for name in self.gum.output_names:
            g = self.gum[name]
            d = g.to_dict()
            r = round_result(g.value, g.expanded_uncertainty, s.rounding_digits, s.rounding_rule)  # type: ignore[arg-type]
            d["rounded"] = r.to_dict()
            kw: dict[str, Any] = {"unit": g.unit, "coverage_probability": g.coverage_probability,
                                  "effective_dof": g.dof_for_coverage if g.coverage_probability else None,
                                  "significant_digits": s.rounding_digits, "rule": s.rounding_rule}
            d["unit_en"] = unit_text(g.unit, "en")
            d["unit_zh"] = unit_text(g.unit, "zh")
            d["result_en"] = format_result(name, g.value, g.expanded_uncertainty, g.coverage_factor, **kw)
            d["result_zh"] = format_result(name, g.value, g.expanded_uncertainty, g.coverage_factor,
                                           language="zh", **kw)
            if self.mcm is not None:
                mo = self.mcm[name].to_dict()
                mo["seed"] = self.mcm.seed
                v = self.validations.get(name)
                mo["validation"] = v.to_dict() if v else None
                mo["verdict"] = v.verdict if v else None
                d["mcm"] = mo
            outs[name] = d
        doc: dict[str, Any] = {
            "title": s.title,
            "model": {o: e.source for o, e in s.model.expressions.items()} or repr(s.model.callable),
            "inputs": [s.model.inputs[n].to_dict() for n in s.model.input_names],
            "correlations": [list(c) for c in s.model.correlations],
            "coverage_probability": s.coverage_probability if s.k is None else None,
            "k": s.k,
            "second_order": self.gum.second_order,
            "outputs": outs,
        }
        if len(self.gum.output_names) > 1:
            doc["covariance"] = self.gum.covariance.tolist()
            doc["correlation"] = self.gum.correlation.tolist()
        if self.mcm is not None:
            doc["mcm"] = self.mcm.to_dict()
        return doc

    def to_json_dict(self) -> dict[str, Any]:
        """:meth:`to_dict` with non-finite numbers as ``None``: the strict-JSON ``--json`` document."""
        out: dict[str, Any] = json_safe(self.to_dict())
        return out

    def histogram_svgs(self, *, title: bool = False) -> dict[str, str]:
        """Output name → SVG histogram of the Monte Carlo values with the GUF overlaid (JCGM 101 §8).

        Empty when the Monte Carlo method did not run or ran without ``histogram_bins``.
        """
        if self.mcm is None:
            return {}
        out: dict[str, str] = {}
        for name in self.gum.output_names:
            m = self.mcm[name]
            if m.histogram is not None:
                out[name] = histogram_svg(m, self.gum[name], title=name if title else None)
        return out


def evaluate_spec(
    spec: Mapping[str, Any] | ModelSpec,
    *,
    mcm: bool | None = None,
    adaptive: bool | None = None,
    second_order: bool | None = None,
    histogram_bins: int | None = None,
) -> Evaluation:
    """Evaluate a model file: GUM always; MCM when the file has an ``"mcm"`` section or ``mcm=True``.

    ``adaptive=True`` forces the adaptive procedure; ``second_order`` overrides the file.
    """
    ms = spec if isinstance(spec, ModelSpec) else load_model(spec)
    so = ms.second_order if second_order is None else second_order
    gum = propagate(
        ms.model,
        coverage_probability=ms.coverage_probability if ms.k is None else None,
        k=ms.k,
        second_order=so,
        dof_rounding=ms.dof_rounding,  # type: ignore[arg-type]
    )
    run_mcm = (ms.mcm is not None) if mcm is None else mcm
    if adaptive:
        run_mcm = True
    if not run_mcm:
        return Evaluation(spec=ms, gum=gum)
    opts = ms.mcm or McmOptions()
    p = ms.coverage_probability if ms.coverage_probability is not None else 0.95
    res = monte_carlo(
        ms.model,
        trials=opts.trials,
        seed=opts.seed,
        coverage_probability=p,
        interval=opts.interval,  # type: ignore[arg-type]
        adaptive=opts.adaptive if adaptive is None else adaptive,
        significant_digits=opts.significant_digits,
        max_trials=opts.max_trials,
        block_size=opts.block_size,
        histogram_bins=histogram_bins,
    )
    vals = {o: validate_gum(gum[o], res[o], opts.significant_digits) for o in ms.model.output_names}
    return Evaluation(spec=ms, gum=gum, mcm=res, validations=vals)
