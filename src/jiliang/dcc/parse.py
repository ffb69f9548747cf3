"""Read another laboratory's DCC into plain data for a calibration record (issue 6, part 6).

The file is parsed by :func:`jiliang.dcc.safe.parse_xml` (no DTD, no entities, no network, size limit).
Supported: DCC 3.1.x-3.3.0 with D-SI 2.1.0/2.2.1 quantities — ``si:real``, ``si:hybrid`` (the first
representation is taken, the others are kept as alternatives), ``si:list`` of reals and the vector form
``si:realListXMLList`` (expanded to one value per element; a single unit or uncertainty applies to all).
Uncertainties: ``measurementUncertaintyUnivariate/expandedMU`` (D-SI 2.2) and the deprecated
``expandedUnc`` (D-SI ≤ 2.1), and their ``XMLList`` forms. Quantities inside ``measurementMetaData``
(acceptance limits, calibration points) are returned separately from the results proper.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree

from jiliang.core.units.dsi import from_dsi
from jiliang.core.units.errors import UnitError
from jiliang.dcc.errors import UnsafeXmlError
from jiliang.dcc.safe import parse_xml
from jiliang.dcc.schema import DCC_NS, DS_NS, SI_NS

_D = f"{{{DCC_NS}}}"
_S = f"{{{SI_NS}}}"


@dataclass(frozen=True)
class Identification:
    issuer: str
    value: str
    name: str


@dataclass(frozen=True)
class ImportedItem:
    name: str
    manufacturer: str
    model: str
    identifications: tuple[Identification, ...]

    def identification(self, issuer: str) -> str | None:
        return next((i.value for i in self.identifications if i.issuer == issuer), None)


@dataclass(frozen=True)
class ImportedValue:
    """One numerical value with its unit and (if stated) expanded uncertainty."""

    result: str  # name of the dcc:result
    quantity: str  # name of the dcc:quantity (or its refType when unnamed)
    ref_type: str
    index: int  # position in a list / XMLList vector
    value: float
    value_text: str
    unit: str  # D-SI string as written
    unit_expression: str | None  # the same unit in jiliang.core.units notation, when it has one
    expanded_uncertainty: float | None
    coverage_factor: float | None
    coverage_probability: float | None
    metadata: bool = False  # True for quantities inside measurementMetaData (limits, calibration points)
    alternatives: tuple[tuple[float, str], ...] = ()  # the other si:hybrid representations (value, unit)


@dataclass(frozen=True)
class ImportedCalibration:
    """The content of a DCC relevant for a calibration record of an instrument."""

    unique_identifier: str
    schema_version: str | None
    country: str | None
    laboratory: str
    laboratory_code: str | None
    customer: str | None
    issue_date: dt.date | None
    begin_performance_date: dt.date | None
    end_performance_date: dt.date | None
    receipt_date: dt.date | None
    items: tuple[ImportedItem, ...]
    responsible_persons: tuple[str, ...]
    conformity: tuple[str, ...]  # statement-level conformity values (pass, fail, ...)
    recalibration_date: dt.date | None
    replaces: str | None  # reportAmendedSubstituted/replacedUniqueIdentifier
    type_of_change: str | None
    previous_report: tuple[str, str] | None  # (procedure, value) of coreData/previousReport, e.g. SHA-256
    values: tuple[ImportedValue, ...]
    signed: bool

    @property
    def results(self) -> tuple[ImportedValue, ...]:
        """The measured values proper (without metadata quantities)."""
        return tuple(v for v in self.values if not v.metadata)

    def to_dict(self) -> dict[str, Any]:
        def conv(x: Any) -> Any:
            if isinstance(x, dt.date):
                return x.isoformat()
            if isinstance(x, dict):
                return {k: conv(v) for k, v in x.items()}
            if isinstance(x, list | tuple):
                return [conv(v) for v in x]
            return x

        return conv(asdict(self))  # type: ignore[no-any-return]


def _txt(el: etree._Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _name(el: etree._Element | None, prefer: str = "zh") -> str:
    """Text of a dcc:textType: the preferred language, else English, else the first content."""
    if el is None:
        return ""
    contents = el.findall(f"{_D}content")
    for lang in (prefer, "en", None):
        for c in contents:
            if lang is None or c.get("lang") == lang:
                text = _txt(c)
                if text:
                    return text
    return ""


def _date(el: etree._Element | None) -> dt.date | None:
    text = _txt(el)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _unit_expression(dsi: str) -> str | None:
    try:
        return str(from_dsi(dsi))
    except (UnitError, KeyError, ValueError):
        return None


def _uncertainty(real: etree._Element) -> tuple[list[str], list[str], list[str]]:
    """(U values, k values, p values) of a real or realListXMLList, either D-SI generation."""
    for path_u, path_k, path_p in (
        (
            "measurementUncertaintyUnivariate/expandedMU/valueExpandedMU",
            "measurementUncertaintyUnivariate/expandedMU/coverageFactor",
            "measurementUncertaintyUnivariate/expandedMU/coverageProbability",
        ),
        ("expandedUnc/uncertainty", "expandedUnc/coverageFactor", "expandedUnc/coverageProbability"),
        (
            "measurementUncertaintyUnivariateXMLList/expandedMUXMLList/valueExpandedMUXMLList",
            "measurementUncertaintyUnivariateXMLList/expandedMUXMLList/coverageFactorXMLList",
            "measurementUncertaintyUnivariateXMLList/expandedMUXMLList/coverageProbabilityXMLList",
        ),
        (
            "expandedUncXMLList/uncertaintyXMLList",
            "expandedUncXMLList/coverageFactorXMLList",
            "expandedUncXMLList/coverageProbabilityXMLList",
        ),
    ):
        u = real.find("/".join(_S + p for p in path_u.split("/")))
        if u is not None:
            k = real.find("/".join(_S + p for p in path_k.split("/")))
            p = real.find("/".join(_S + p for p in path_p.split("/")))
            return _txt(u).split(), _txt(k).split(), _txt(p).split()
    return [], [], []


def _pick(values: list[str], i: int) -> float | None:
    if not values:
        return None
    return _float(values[i] if i < len(values) else values[-1] if len(values) == 1 else "")


def _reals(node: etree._Element) -> list[tuple[str, str, float | None, float | None, float | None]]:
    """(value text, unit, U, k, p) for an si:real or si:realListXMLList element."""
    out = []
    if node.tag == f"{_S}real":
        u, k, p = _uncertainty(node)
        out.append(
            (
                _txt(node.find(f"{_S}value")),
                _txt(node.find(f"{_S}unit")),
                _pick(u, 0),
                _pick(k, 0),
                _pick(p, 0),
            )
        )
    elif node.tag == f"{_S}realListXMLList":
        values = _txt(node.find(f"{_S}valueXMLList")).split()
        units = _txt(node.find(f"{_S}unitXMLList")).split()
        u, k, p = _uncertainty(node)
        for i, v in enumerate(values):
            unit = units[i] if i < len(units) else (units[0] if len(units) == 1 else "")
            out.append((v, unit, _pick(u, i), _pick(k, i), _pick(p, i)))
    return out


def _quantity_values(q: etree._Element) -> list[tuple[list[tuple[str, str, Any, Any, Any]], list[Any]]]:
    """For a dcc:quantity: the primary representation and the alternatives (si:hybrid)."""
    for child in q:
        if child.tag in (f"{_S}real", f"{_S}realListXMLList"):
            return [(_reals(child), [])]
        if child.tag == f"{_S}list":
            reals = [r for el in child.findall(f"{_S}real") for r in _reals(el)]
            return [(reals, [])]
        if child.tag == f"{_S}hybrid":
            reps = [_reals(el) for el in child if el.tag in (f"{_S}real", f"{_S}realListXMLList")]
            if reps:
                return [(reps[0], reps[1:])]
    return []


def parse_dcc(xml: bytes) -> ImportedCalibration:
    """Parse a DCC (safely) into an :class:`ImportedCalibration`; raises UnsafeXmlError if unreadable."""
    root = parse_xml(xml).getroot()
    if root.tag != f"{_D}digitalCalibrationCertificate":
        raise UnsafeXmlError(f"not a DCC: the root element is {root.tag}")
    adm = root.find(f"{_D}administrativeData")
    if adm is None:
        raise UnsafeXmlError("not a DCC: administrativeData is missing")
    core = adm.find(f"{_D}coreData")

    def core_el(name: str) -> etree._Element | None:
        return core.find(f"{_D}{name}") if core is not None else None

    unique = _txt(core_el("uniqueIdentifier"))
    if not unique:
        raise UnsafeXmlError("not a usable DCC: coreData/uniqueIdentifier is missing")
    items = []
    for item in adm.findall(f"{_D}items/{_D}item"):
        items.append(
            ImportedItem(
                name=_name(item.find(f"{_D}name")),
                manufacturer=_name(item.find(f"{_D}manufacturer/{_D}name")),
                model=_txt(item.find(f"{_D}model")),
                identifications=tuple(
                    Identification(
                        _txt(i.find(f"{_D}issuer")), _txt(i.find(f"{_D}value")), _name(i.find(f"{_D}name"))
                    )
                    for i in item.findall(f"{_D}identifications/{_D}identification")
                ),
            )
        )
    lab = adm.find(f"{_D}calibrationLaboratory")
    persons = tuple(
        _name(p.find(f"{_D}person/{_D}name")) for p in adm.findall(f"{_D}respPersons/{_D}respPerson")
    )
    statements = adm.findall(f"{_D}statements/{_D}statement")
    conformity = tuple(
        _txt(s.find(f"{_D}conformity")) for s in statements if s.find(f"{_D}conformity") is not None
    )
    recal = next(
        (
            _date(s.find(f"{_D}date"))
            for s in statements
            if "basic_recalibration" in (s.get("refType") or "").split() and s.find(f"{_D}date") is not None
        ),
        None,
    )
    ras = core_el("reportAmendedSubstituted")
    prev = core_el("previousReport")

    values: list[ImportedValue] = []
    for result in root.iterfind(f"{_D}measurementResults/{_D}measurementResult/{_D}results/{_D}result"):
        result_name = _name(result.find(f"{_D}name")) or (result.get("refType") or "")
        for q in result.iter(f"{_D}quantity"):
            in_meta = any(a.tag == f"{_D}measurementMetaData" for a in q.iterancestors())
            qname = _name(q.find(f"{_D}name")) or (q.get("refType") or "")
            for primary, alternatives in _quantity_values(q):
                for idx, (vtext, unit, u, k, p) in enumerate(primary):
                    value = _float(vtext)
                    if value is None:
                        continue
                    alts = tuple(
                        (fv, alt[idx][1])
                        for alt in alternatives
                        if idx < len(alt) and (fv := _float(alt[idx][0])) is not None
                    )
                    values.append(
                        ImportedValue(
                            result=result_name,
                            quantity=qname,
                            ref_type=q.get("refType") or "",
                            index=idx,
                            value=value,
                            value_text=vtext,
                            unit=unit,
                            unit_expression=_unit_expression(unit),
                            expanded_uncertainty=u,
                            coverage_factor=k,
                            coverage_probability=p,
                            metadata=in_meta,
                            alternatives=alts,
                        )
                    )
    return ImportedCalibration(
        unique_identifier=unique,
        schema_version=root.get("schemaVersion"),
        country=_txt(core_el("countryCodeISO3166_1")) or None,
        laboratory=_name(lab.find(f"{_D}contact/{_D}name")) if lab is not None else "",
        laboratory_code=(_txt(lab.find(f"{_D}calibrationLaboratoryCode")) or None)
        if lab is not None
        else None,
        customer=_name(adm.find(f"{_D}customer/{_D}name")) or None,
        issue_date=_date(core_el("issueDate")),
        begin_performance_date=_date(core_el("beginPerformanceDate")),
        end_performance_date=_date(core_el("endPerformanceDate")),
        receipt_date=_date(core_el("receiptDate")),
        items=tuple(items),
        responsible_persons=tuple(p for p in persons if p),
        conformity=conformity,
        recalibration_date=recal,
        replaces=_txt(ras.find(f"{_D}replacedUniqueIdentifier")) or None if ras is not None else None,
        type_of_change=_txt(ras.find(f"{_D}typeOfChange")) or None if ras is not None else None,
        previous_report=(_txt(prev.find(f"{_D}procedure")), _txt(prev.find(f"{_D}value")))
        if prev is not None
        else None,
        values=tuple(values),
        signed=root.find(f"{{{DS_NS}}}Signature") is not None,
    )
