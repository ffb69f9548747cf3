"""Verification procedures (检定规程) as data: loading, lookup and display.

Each procedure is one JSON file in ``jiliang/core/verification/data`` (format: ``docs/verification-procedures.md``),
read with :mod:`importlib.resources` on first use and cached. Every rule in a file carries its clause and a
``source_status``: ``"verified"`` (value read in a public reproduction of the current regulation text, per the
project research notes), ``"unverified"`` (old edition, OIML counterpart, secondary source or background) or
``"unavailable"`` (the table is not known: evaluation returns an undecided state, never a made-up verdict).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from .errors import UnknownProcedureError

__all__ = [
    "SOURCE_STATUSES",
    "STAGES",
    "EnvironmentCondition",
    "MpeRule",
    "Parameter",
    "Procedure",
    "Regulation",
    "get_procedure",
    "list_procedures",
    "procedure_for_catalogue",
]

#: verification stages: 首次检定, 后续检定, 使用中检查
STAGES = ("first", "subsequent", "in_service")
SOURCE_STATUSES = ("verified", "unverified", "unavailable")
_DATA_PACKAGE = "jiliang.core.verification.data"


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Deep copy of frozen procedure data as plain JSON-able dicts and lists."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Regulation:
    """The verification regulation a procedure encodes (number, year, titles) and its provenance."""

    number: str
    year: int
    designation: str
    title_zh: str
    title_en: str
    clause: str
    source_status: str
    research_status: str


@dataclass(frozen=True)
class Parameter:
    """An instrument parameter the procedure needs (max capacity, e, accuracy class, range …)."""

    name: str
    label_zh: str
    label_en: str
    type: str
    unit: str | None
    required: bool
    choices: tuple[str, ...]
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class EnvironmentCondition:
    """An environmental (or preconditioning) condition of the verification with its allowed range."""

    name: str
    label_zh: str
    label_en: str
    unit: str
    min: float | None
    max: float | None
    required: bool
    clause: str
    source_status: str
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class MpeRule:
    """The maximum-permissible-error rule of one verification stage (``type`` selects the evaluator)."""

    stage: str
    type: str
    clause: str
    source_status: str
    research_status: str
    note: str
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class Procedure:
    """A machine-readable verification procedure; ``data`` is the whole (frozen) JSON document."""

    code: str
    regulation: Regulation
    catalogue_codes: tuple[str, ...]
    quantity: str
    quantity_zh: str
    unit: str
    error_model: str
    parameters: tuple[Parameter, ...]
    environment: tuple[EnvironmentCondition, ...]
    mpe: Mapping[str, MpeRule]
    data: Mapping[str, Any]

    @property
    def source_status(self) -> str:
        """``"verified"`` if every MPE rule is verified, ``"unavailable"`` if none is available,
        otherwise ``"unverified"``."""
        statuses = {r.source_status for r in self.mpe.values()} | {
            str(g.get("source_status", "unverified")) for g in self.data.get("group_checks", ())
        }
        if statuses == {"verified"}:
            return "verified"
        if {r.source_status for r in self.mpe.values()} == {"unavailable"}:
            return "unavailable"
        return "unverified"

    def status_counts(self) -> dict[str, int]:
        """How many rules (regulation identity, parameter rules, points, environment, MPE, group checks,
        standards) carry each source status."""
        counts = dict.fromkeys(SOURCE_STATUSES, 0)
        for item in _rules_with_status(self.data):
            counts[str(item["source_status"])] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description for display: the whole procedure data (every rule with its clause,
        ``source_status``, ``research_status`` and sources) plus the overall status and counts."""
        out: dict[str, Any] = thaw(self.data)
        out["source_status"] = self.source_status
        out["status_counts"] = self.status_counts()
        return out


def _rules_with_status(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []

    def walk(v: Any) -> None:
        if isinstance(v, Mapping):
            if "source_status" in v:
                found.append(v)
            for k, w in v.items():
                if k != "sources":
                    walk(w)
        elif isinstance(v, tuple):
            for w in v:
                walk(w)

    walk(data)
    return found


def _check_statuses(code: str, data: Mapping[str, Any]) -> None:
    for rule in _rules_with_status(data):
        if rule["source_status"] not in SOURCE_STATUSES:
            raise RuntimeError(f"procedure {code}: bad source_status {rule['source_status']!r}")
        if rule["source_status"] == "verified" and not rule.get("sources"):
            raise RuntimeError(f"procedure {code}: a verified rule without sources: {dict(rule)}")
        if "clause" not in rule and rule is not data:
            raise RuntimeError(f"procedure {code}: a rule without clause: {dict(rule)}")


def _build(raw: dict[str, Any]) -> Procedure:
    data: Mapping[str, Any] = _freeze(raw)
    code = str(data["code"])
    _check_statuses(code, data)
    reg = data["regulation"]
    regulation = Regulation(
        number=reg["number"],
        year=int(reg["year"]),
        designation=reg["designation"],
        title_zh=reg["title_zh"],
        title_en=reg["title_en"],
        clause=reg["clause"],
        source_status=reg["source_status"],
        research_status=reg["research_status"],
    )
    params = tuple(
        Parameter(
            name=p["name"],
            label_zh=p["label_zh"],
            label_en=p["label_en"],
            type=p["type"],
            unit=p.get("unit"),
            required=bool(p.get("required", False)),
            choices=tuple(p.get("choices", ())),
            spec=p,
        )
        for p in data["parameters"]
    )
    env = tuple(
        EnvironmentCondition(
            name=e["name"],
            label_zh=e["label_zh"],
            label_en=e["label_en"],
            unit=e["unit"],
            min=e.get("min"),
            max=e.get("max"),
            required=bool(e["required"]),
            clause=e["clause"],
            source_status=e["source_status"],
            spec=e,
        )
        for e in data["environment"]
    )
    mpe: dict[str, MpeRule] = {}
    for stage in STAGES:
        r = data["mpe"][stage]
        mpe[stage] = MpeRule(
            stage=stage,
            type=r["type"],
            clause=r["clause"],
            source_status=r["source_status"],
            research_status=r.get("research_status", ""),
            note=r.get("note", ""),
            spec=r,
        )
        if r["type"] == "unavailable" and r["source_status"] != "unavailable":
            raise RuntimeError(
                f"procedure {code}: an unavailable MPE rule must have source_status unavailable"
            )
    return Procedure(
        code=code,
        regulation=regulation,
        catalogue_codes=tuple(data["catalogue_codes"]),
        quantity=data["quantity"],
        quantity_zh=data["quantity_zh"],
        unit=data["unit"],
        error_model=data["error_model"],
        parameters=params,
        environment=env,
        mpe=MappingProxyType(mpe),
        data=data,
    )


@cache
def _load_all() -> tuple[Procedure, ...]:
    out = []
    folder = resources.files(_DATA_PACKAGE)
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".json"))
    for name in names:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        out.append(_build(json.loads(text)))
    out.sort(key=lambda p: (int(p.regulation.number.split()[-1]), p.code))
    codes = [p.code for p in out]
    if len(set(codes)) != len(codes):
        raise RuntimeError(f"duplicate procedure codes: {codes}")
    return tuple(out)


def list_procedures() -> tuple[Procedure, ...]:
    """All encoded verification procedures, in a fixed order."""
    return _load_all()


def get_procedure(code: str) -> Procedure:
    """The procedure with this code (``"JJG539-2016"``; case, spaces and the year are tolerated:
    ``"JJG 539-2016"``, ``"jjg539"``).

    Raises:
        UnknownProcedureError: no such procedure.
    """
    if not isinstance(code, str):
        raise UnknownProcedureError(
            [{"row": None, "field": "procedure", "reason": f"not a string: {code!r}"}]
        )
    key = code.replace(" ", "").upper()
    for p in _load_all():
        if key in (p.code.upper(), p.code.upper().split("-")[0]):
            return p
    known = ", ".join(p.code for p in _load_all())
    raise UnknownProcedureError(
        [{"row": None, "field": "procedure", "reason": f"unknown procedure {code!r}; known: {known}"}]
    )


def procedure_for_catalogue(catalogue_code: str) -> Procedure | None:
    """The procedure that applies to a catalogue item (codes of ``jiliang/instruments/data``), or None."""
    for p in _load_all():
        if catalogue_code in p.catalogue_codes:
            return p
    return None
