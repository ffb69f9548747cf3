"""Measurement uncertainty evaluation: GUM law of propagation and Monte Carlo (JJF 1059.1, JJF 1059.2).

Pure computation: no file, database or network I/O.  Documents implemented: JCGM 100:2008 (GUM) =
JJF 1059.1-2012, JCGM 101:2008 (GUM Supplement 1) = JJF 1059.2-2012, and the multivariate
propagation of JCGM 102 (GUM H.2).

Quick start::

    from jiliang.core.uncertainty import Input, Model, propagate, monte_carlo, validate_gum

    model = Model(
        "P = V**2 / R",
        [Input.normal("V", 10.0, 0.01, dof=9),                 # u given, 9 dof
         Input.rectangular("R", 100.0, half_width=0.05),        # u = a/√3
        ],
    )
    gum = propagate(model, coverage_probability=0.95)          # or k=2
    out = gum["P"]
    out.value, out.standard_uncertainty, out.effective_dof, out.coverage_factor, out.expanded_uncertainty
    out.budget                                                 # BudgetRow per input
    mcm = monte_carlo(model, trials=10**6, seed=1)             # or adaptive=True, significant_digits=2
    check = validate_gum(out, mcm["P"])                        # JCGM 101 §8: check.validated, check.verdict

Public API
----------
Models and inputs
    :class:`Model` — expression string (``"y = …"``), mapping of outputs → expressions, or a
    Python callable using numpy functions; inputs; correlations ``[(a, b, r), …]``.
    :class:`Input` — ``Input.normal``, ``rectangular``, ``triangular``, ``arcsine``,
    ``trapezoidal``, ``student_t``, ``from_observations`` (Type A), ``from_spec`` (model-file dict).
    :func:`type_a_simultaneous` — Type A inputs and correlations from simultaneous observations.
    :func:`parse_expression` — the safe expression parser (AST whitelist, no ``eval``).
Law of propagation (GUM clause 5)
    :func:`propagate` → :class:`GumResult` (per output :class:`OutputResult` with the
    :class:`BudgetRow` budget; output covariance and correlation matrices).
    Sensitivities by automatic differentiation; ``second_order=True`` adds the GUM 5.1.2 note terms;
    Welch–Satterthwaite ν_eff (ensembles per Willink 2007); k from the t-distribution or stated.
    :func:`propagate_many` → :class:`BatchResult` — one model over many records, vectorised.
    :func:`coverage_factor`, :func:`dof_for_coverage`.
Monte Carlo (JCGM 101)
    :func:`monte_carlo` → :class:`McmResult` (per output :class:`McmOutput`): fixed or adaptive
    (§7.9), symmetric or shortest intervals, recorded seed, correlated inputs.
    :func:`validate_gum` → :class:`Validation` (§8, d_low / d_high against δ).
    :func:`numerical_tolerance` (§7.9.2), :func:`symmetric_interval`, :func:`shortest_interval`.
    :func:`histogram_svg` — histogram with the GUF density overlaid (SVG string).
Reporting (JJF 1059.1 §5.3)
    :func:`round_result`, :func:`round_uncertainty`, :func:`format_result` (English / Chinese).
Model files (``docs/uncertainty-model-format.md``)
    :func:`load_model`, :func:`evaluate_spec` → :class:`Evaluation` (``to_json_dict()`` is the CLI's
    ``--json`` output and the API's answer; ``histogram_svgs()`` the MCM histograms);
    :func:`json_safe` (non-finite numbers → ``None``).
Errors
    :class:`ModelError` (bad input; ``.quantity`` names the input), :class:`ExpressionError`,
    :class:`EvaluationError` (division by zero, domain error at the estimates, …).
"""

from jiliang.core.uncertainty.errors import EvaluationError, ExpressionError, ModelError
from jiliang.core.uncertainty.expression import Expression, parse_expression
from jiliang.core.uncertainty.gum import (
    BatchResult,
    BudgetRow,
    GumResult,
    OutputResult,
    coverage_factor,
    dof_for_coverage,
    propagate,
    propagate_many,
)
from jiliang.core.uncertainty.inputs import DISTRIBUTIONS, Input, type_a_simultaneous
from jiliang.core.uncertainty.model import Model
from jiliang.core.uncertainty.modelfile import Evaluation, ModelSpec, evaluate_spec, json_safe, load_model
from jiliang.core.uncertainty.montecarlo import (
    AdaptiveInfo,
    McmOutput,
    McmResult,
    Validation,
    monte_carlo,
    numerical_tolerance,
    shortest_interval,
    symmetric_interval,
    validate_gum,
)
from jiliang.core.uncertainty.reporting import RoundedResult, format_result, round_result, round_uncertainty
from jiliang.core.uncertainty.svg import histogram_svg

__all__ = [
    "DISTRIBUTIONS",
    "AdaptiveInfo",
    "BatchResult",
    "BudgetRow",
    "Evaluation",
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "GumResult",
    "Input",
    "McmOutput",
    "McmResult",
    "Model",
    "ModelError",
    "ModelSpec",
    "OutputResult",
    "RoundedResult",
    "Validation",
    "coverage_factor",
    "dof_for_coverage",
    "evaluate_spec",
    "format_result",
    "histogram_svg",
    "json_safe",
    "load_model",
    "monte_carlo",
    "numerical_tolerance",
    "parse_expression",
    "propagate",
    "propagate_many",
    "round_result",
    "round_uncertainty",
    "shortest_interval",
    "symmetric_interval",
    "type_a_simultaneous",
    "validate_gum",
]
