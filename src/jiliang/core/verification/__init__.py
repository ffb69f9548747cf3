"""Machine-readable verification procedures (检定规程) and the evaluation of verification records.

Procedures are DATA (``data/*.json``, one file per regulation), each rule with its clause and a
``source_status`` (``verified`` / ``unverified`` / ``unavailable``); see ``docs/verification-procedures.md``.
Encoded: JJG 539-2016 digital indicating scales (OIML R 76 error bands in e), JJG 443-2023 fuel dispensers,
JJG 162-2019 water meters, JJG 52-2013 pressure gauges, JJG 517-2016 taximeters (installed distance
error), JJG 692-2010 automated and JJG 270-2008 mercury/aneroid sphygmomanometers, JJG 596-2012 electronic
AC energy meters.

* :func:`list_procedures`, :func:`get_procedure`, :func:`procedure_for_catalogue` — the procedures.
* :func:`form_document` — the data-entry form for an instrument and a stage (first / subsequent /
  in-service).
* :func:`evaluate_document` — errors, expanded uncertainty (GUM, k = 2, :mod:`jiliang.core.uncertainty`),
  MPE of the stage and the conformity decision (JJF 1094-2002 by default; ILAC G8 simple or guarded
  acceptance as options, :mod:`jiliang.core.conformity`); units checked and converted with
  :mod:`jiliang.core.units`. A rule whose table is unavailable gives ``"undecided"``, never a verdict.

Pure computation; package data is read with :mod:`importlib.resources`.
"""

from .errors import InputErrorRow, UnknownProcedureError, VerificationInputError
from .evaluation import DECISION_RULES, evaluate_document, form_document
from .procedures import (
    SOURCE_STATUSES,
    STAGES,
    EnvironmentCondition,
    MpeRule,
    Parameter,
    Procedure,
    Regulation,
    get_procedure,
    list_procedures,
    procedure_for_catalogue,
)

__all__ = [
    "DECISION_RULES",
    "SOURCE_STATUSES",
    "STAGES",
    "EnvironmentCondition",
    "InputErrorRow",
    "MpeRule",
    "Parameter",
    "Procedure",
    "Regulation",
    "UnknownProcedureError",
    "VerificationInputError",
    "evaluate_document",
    "form_document",
    "get_procedure",
    "list_procedures",
    "procedure_for_catalogue",
]
