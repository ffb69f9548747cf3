"""Metrology comparisons and proficiency testing: the analysis (计量比对与能力验证 — 分析).

Pure computation, no I/O. Inputs are :class:`LabResult` records (or arrays for proficiency
testing); outputs are frozen dataclasses that record every convention used.

Reference values (KCRV / consensus)::

    from jiliang.core.comparison import LabResult, weighted_mean, unilateral_doe
    results = [LabResult("NIM", 0.8196, 0.0033), LabResult("PTB", 0.8186, 0.0038), ...]
    ref = weighted_mean(results)                  # Cox 2002 Procedure A, χ² test, Birge ratio
    doe = unilateral_doe(results, ref)            # d_i, U(d_i) with the covariance term, E_n
    pairs = bilateral_doe(doe)

Methods: :func:`weighted_mean`, :func:`procedure_b`, :func:`largest_consistent_subset`,
:func:`arithmetic_mean`, :func:`median_reference`, :func:`dersimonian_laird`, :func:`paule_mandel`,
:func:`linear_pool`, :func:`hierarchical_bayes`; :func:`reference_value` selects one by name.

Proficiency testing (ISO 13528:2022): :func:`algorithm_a`, :func:`q_hampel`, :func:`q_method`,
:func:`hampel`, :func:`made`, :func:`niqr`, :func:`uncertainty_of_assigned_value`,
:func:`censored_values`, :func:`pt_scores` and the single scores, :func:`homogeneity_check`,
:func:`stability_check`.

Charts (SVG strings): :func:`comparison_plot_svg`, :func:`doe_plot_svg`, :func:`score_chart_svg`,
:func:`bilateral_matrix_svg`.

Methods, options, defaults and sources: docs/comparison-analysis.md.
"""

from jiliang.core.comparison._inputs import ComparisonInputError, LabResult, lab_results, validate_results
from jiliang.core.comparison._mc import MonteCarloInfo
from jiliang.core.comparison.bayes import hierarchical_bayes
from jiliang.core.comparison.equivalence import (
    BilateralDoE,
    DoEEntry,
    UnilateralDoE,
    bilateral_doe,
    unilateral_doe,
)
from jiliang.core.comparison.homogeneity import (
    HomogeneityCheck,
    StabilityCheck,
    homogeneity_check,
    stability_check,
)
from jiliang.core.comparison.reference import (
    METHODS,
    ConsistencyCheck,
    ReferenceValue,
    arithmetic_mean,
    birge_ratio,
    canonical_method,
    cochran_q,
    consistency_check,
    dersimonian_laird,
    largest_consistent_subset,
    linear_pool,
    median_reference,
    paule_mandel,
    procedure_b,
    reference_value,
    weighted_mean,
)
from jiliang.core.comparison.robust import (
    CensoredValues,
    RobustEstimate,
    algorithm_a,
    censored_values,
    classical_estimate,
    hampel,
    made,
    median,
    niqr,
    q_hampel,
    q_method,
    robust_estimate,
    uncertainty_of_assigned_value,
)
from jiliang.core.comparison.scores import (
    QUESTIONABLE,
    SATISFACTORY,
    UNSATISFACTORY,
    PTScores,
    classify_en,
    classify_z,
    difference,
    en_number,
    percent_difference,
    pt_scores,
    signal,
    z_prime_score,
    z_score,
    zeta_score,
)
from jiliang.core.comparison.svg import (
    bilateral_matrix_svg,
    comparison_plot_svg,
    doe_plot_svg,
    score_chart_svg,
)

__all__ = [
    "METHODS",
    "QUESTIONABLE",
    "SATISFACTORY",
    "UNSATISFACTORY",
    "BilateralDoE",
    "CensoredValues",
    "ComparisonInputError",
    "ConsistencyCheck",
    "DoEEntry",
    "HomogeneityCheck",
    "LabResult",
    "MonteCarloInfo",
    "PTScores",
    "ReferenceValue",
    "RobustEstimate",
    "StabilityCheck",
    "UnilateralDoE",
    "algorithm_a",
    "arithmetic_mean",
    "bilateral_doe",
    "bilateral_matrix_svg",
    "birge_ratio",
    "canonical_method",
    "censored_values",
    "classical_estimate",
    "classify_en",
    "classify_z",
    "cochran_q",
    "comparison_plot_svg",
    "consistency_check",
    "dersimonian_laird",
    "difference",
    "doe_plot_svg",
    "en_number",
    "hampel",
    "hierarchical_bayes",
    "homogeneity_check",
    "lab_results",
    "largest_consistent_subset",
    "linear_pool",
    "made",
    "median",
    "median_reference",
    "niqr",
    "paule_mandel",
    "percent_difference",
    "procedure_b",
    "pt_scores",
    "q_hampel",
    "q_method",
    "reference_value",
    "robust_estimate",
    "score_chart_svg",
    "signal",
    "stability_check",
    "uncertainty_of_assigned_value",
    "unilateral_doe",
    "validate_results",
    "weighted_mean",
    "z_prime_score",
    "z_score",
    "zeta_score",
]
