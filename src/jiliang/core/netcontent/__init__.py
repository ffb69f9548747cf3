"""Prepackaged goods net-content inspection (定量包装商品净含量计量检验).

Implements, as pure computation:

* the tolerable deficiency T (允许短缺量) by nominal quantity and kind (mass, volume, length,
  area, count), with the boundary convention and rounding rules —
  《定量包装商品计量监督管理办法》 2005 附表3 (= 2023 Measures 附件3), OIML R 87;
* the sampling plan by lot size, the correction factor λ and the acceptance numbers —
  2005 Measures 附表4 = JJF 1070-2005 (versioned: ``plan_version``; OIML R 87 rows, unverified,
  for comparison);
* the lot verdict — 2005 Measures 第九条: the counts of packages short by more than T and by more
  than 2T against the acceptance numbers, and the mean criterion q̄ ≥ Qn − λ·s (not applied for
  lots of 1–10), with machine-readable reason codes and English text;
* tare (individual, or average tare from a tare sample) and volume from mass and density;
* label checks: the unit to state Qn in (附表1) and the minimum character height (附表2);
* :func:`evaluate_batch`: the same verdict vectorised with numpy over many lots of one product.

The legal tables are JSON package data (``jiliang.core.netcontent.data``); every row carries its
``source`` and ``source_status`` exactly as in the shared reference files, and every result
carries the status of the rows it used. Unverified rules ([U]) stay marked as such.

Quick use::

    >>> from jiliang.core import netcontent
    >>> netcontent.tolerable_deficiency(500, "mass", "g").value
    Decimal('15')
    >>> plan = netcontent.sampling_plan(80)
    >>> plan.sample_size, plan.correction_factor, plan.acceptance_number_t1
    (13, Decimal('0.848'), 1)
    >>> ev = netcontent.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=5,
    ...                              net=[501, 499, 500.5, 498, 502])
    >>> ev.verdict, [r.code for r in ev.reasons]
    ('pass', ['T1_COUNT_WITHIN_LIMIT', 'T2_COUNT_WITHIN_LIMIT', 'MEAN_NOT_APPLICABLE'])

All quantities are exact :class:`~decimal.Decimal` values in the base unit of the kind (g, mL,
m, m2, items); floats given as input are read through their shortest repr.
"""

from __future__ import annotations

from jiliang.core.netcontent.batch import BatchEvaluation, evaluate_batch
from jiliang.core.netcontent.errors import NetContentInputError
from jiliang.core.netcontent.evaluation import (
    MEAN_BELOW_LIMIT,
    MEAN_CRITERION_MET,
    MEAN_NOT_APPLICABLE,
    T1_COUNT_EXCEEDED,
    T1_COUNT_WITHIN_LIMIT,
    T2_COUNT_EXCEEDED,
    T2_COUNT_WITHIN_LIMIT,
    LotEvaluation,
    MeanCriterion,
    PackageClass,
    PackageResult,
    Reason,
    Verdict,
    classify_deficiency,
    evaluate_lot,
)
from jiliang.core.netcontent.labelling import (
    CharacterHeight,
    LabelCheck,
    LabelUnitRule,
    LabelUnits,
    check_label,
    label_units,
    min_character_height,
)
from jiliang.core.netcontent.lot import (
    DensityConversion,
    LotRecordEvaluation,
    evaluate_lot_record,
    evaluation_to_dict,
)
from jiliang.core.netcontent.sampling import (
    DEFAULT_PLAN_VERSION,
    PlanRow,
    SamplingPlan,
    plan_rows,
    plan_versions,
    sampling_plan,
)
from jiliang.core.netcontent.tare import (
    NetFromGross,
    TareMethod,
    TareSummary,
    average_tare,
    net_from_gross,
    volume_from_mass,
)
from jiliang.core.netcontent.tolerable_deficiency import (
    ROUNDING_MODES,
    DeficiencyRow,
    RoundingMode,
    TolerableDeficiency,
    deficiency_rows,
    tolerable_deficiency,
)
from jiliang.core.netcontent.units import BASE_UNITS, QUANTITY_KINDS, QuantityKind

__all__ = [
    "BASE_UNITS",
    "DEFAULT_PLAN_VERSION",
    "MEAN_BELOW_LIMIT",
    "MEAN_CRITERION_MET",
    "MEAN_NOT_APPLICABLE",
    "QUANTITY_KINDS",
    "ROUNDING_MODES",
    "T1_COUNT_EXCEEDED",
    "T1_COUNT_WITHIN_LIMIT",
    "T2_COUNT_EXCEEDED",
    "T2_COUNT_WITHIN_LIMIT",
    "BatchEvaluation",
    "CharacterHeight",
    "DeficiencyRow",
    "DensityConversion",
    "LabelCheck",
    "LabelUnitRule",
    "LabelUnits",
    "LotEvaluation",
    "LotRecordEvaluation",
    "MeanCriterion",
    "NetContentInputError",
    "NetFromGross",
    "PackageClass",
    "PackageResult",
    "PlanRow",
    "QuantityKind",
    "Reason",
    "RoundingMode",
    "SamplingPlan",
    "TareMethod",
    "TareSummary",
    "TolerableDeficiency",
    "Verdict",
    "average_tare",
    "check_label",
    "classify_deficiency",
    "deficiency_rows",
    "evaluate_batch",
    "evaluate_lot",
    "evaluate_lot_record",
    "evaluation_to_dict",
    "label_units",
    "min_character_height",
    "net_from_gross",
    "plan_rows",
    "plan_versions",
    "sampling_plan",
    "tolerable_deficiency",
    "volume_from_mass",
]
