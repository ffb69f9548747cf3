"""Conformity decisions and conformity risks (符合性判定).

Decision rules (each returns a frozen :class:`ConformityDecision` with the verdict, the rule name,
the clause, the limits used, an English reason code that user interfaces translate, and the
provenance of the rule in ``source_status``):

* :func:`decide_jjf1094` — JJF 1094-2002 《测量仪器特性评定》: if U95 ≤ MPEV/3 (ratio configurable,
  recorded in the decision) simple acceptance |Δ| ≤ MPEV; otherwise pass (|Δ| ≤ MPEV − U95), fail
  (|Δ| ≥ MPEV + U95) and undetermined (待定区) zones.
* :func:`decide_ilac_g8` — ILAC G8:09/2019 binary statements: simple acceptance (w = 0), guarded
  acceptance and guarded rejection with guard band w = r·U (r configurable, 1 by default).
* :func:`decide_ilac_g8_non_binary` — ILAC G8:09/2019 non-binary statement: pass, conditional pass,
  conditional fail, fail.
* :func:`overall_verdict` — the worst verdict over the points of a multi-point instrument.
* :func:`evaluate_document` — a JSON document of decisions and global risks (the CLI and API face).

Probabilities and risks (JCGM 106:2012):

* :func:`probability_of_conformity` — p_c of a measured value with a normal or t PDF, for one- and
  two-sided tolerance intervals; its complement is the specific risk.
* :func:`global_risks` — global consumer's risk (PFA), producer's risk (PFR), conditional PFA,
  P(accept) for a normal process and a normal measurement, with any guard band or acceptance limits.
* :func:`test_uncertainty_ratio`, :func:`measurement_capability_index`,
  :func:`process_standard_deviation_from_itp`, :func:`guard_band_factor`,
  :func:`guard_band_for_target_pfa`.

Example::

    >>> from jiliang.core.conformity import decide_jjf1094
    >>> decide_jjf1094(error=0.8, mpev=1.0, expanded_uncertainty=0.4).verdict
    <Verdict.UNDETERMINED: 'undetermined'>

Ratios such as TUR are defined differently in the literature: :func:`test_uncertainty_ratio` is the
Z540.3 ratio (T_U − T_L)/(2U); Deaver (2002) and the NCSLI RP-19 tables use σ_process/σ_test. The
risk functions take the standard deviations themselves, so either convention is set up explicitly.

Inputs are checked: a negative uncertainty, MPEV ≤ 0, a lower limit not below the upper limit,
non-finite numbers and similar raise :class:`ValueError` naming the argument. Pure computation.
"""

from ._common import ConformityDecision, Verdict, overall_verdict
from .documents import DECISION_RULES, ConformityDocumentError, evaluate_document
from .ilac_g8 import DecisionRule, decide_ilac_g8, decide_ilac_g8_non_binary
from .jcgm106 import (
    ConformityProbability,
    GlobalRisks,
    GuardBandMethod,
    global_risks,
    guard_band_factor,
    guard_band_for_target_pfa,
    measurement_capability_index,
    probability_of_conformity,
    process_standard_deviation_from_itp,
    test_uncertainty_ratio,
)
from .jjf1094 import JJF1094_DEFAULT_RATIO, decide_jjf1094

__all__ = [
    "DECISION_RULES",
    "JJF1094_DEFAULT_RATIO",
    "ConformityDecision",
    "ConformityDocumentError",
    "ConformityProbability",
    "DecisionRule",
    "GlobalRisks",
    "GuardBandMethod",
    "Verdict",
    "decide_ilac_g8",
    "decide_ilac_g8_non_binary",
    "decide_jjf1094",
    "evaluate_document",
    "global_risks",
    "guard_band_factor",
    "guard_band_for_target_pfa",
    "measurement_capability_index",
    "overall_verdict",
    "probability_of_conformity",
    "process_standard_deviation_from_itp",
    "test_uncertainty_ratio",
]
