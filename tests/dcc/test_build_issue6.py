"""build_dcc: every generated DCC is valid against the shared v3.3.0 XSD, with D-SI units and U."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from jiliang.dcc.build import build_dcc, dsi_unit
from jiliang.dcc.content import ResultRow
from jiliang.dcc.errors import CertificateContentError
from jiliang.dcc.parse import parse_dcc
from jiliang.dcc.samples import sample_content
from jiliang.dcc.schema import validate

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}
KINDS = ("verification_certificate", "verification_result_notice", "calibration_certificate")


def _tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("revision", [0, 1])
def test_generated_dcc_is_schema_valid(kind: str, revision: int) -> None:
    xml = build_dcc(sample_content(kind=kind, revision=revision))
    assert validate(xml) == []
    root = _tree(xml)
    assert root.get("schemaVersion") == "3.3.0"
    assert root.findtext("dcc:administrativeData/dcc:coreData/dcc:uniqueIdentifier", namespaces=NS) == (
        "ZJJL2026-J0001" if revision == 0 else "ZJJL2026-J0001/R1"
    )


def test_revision_uses_report_amended_substituted() -> None:
    root = _tree(build_dcc(sample_content(revision=3)))
    ras = root.find("dcc:administrativeData/dcc:coreData/dcc:reportAmendedSubstituted", NS)
    assert ras is not None
    assert ras.findtext("dcc:typeOfChange", namespaces=NS) == "substituted"
    assert ras.findtext("dcc:replacedUniqueIdentifier", namespaces=NS) == "ZJJL2026-J0001/R2"
    assert _tree(build_dcc(sample_content())).find(".//dcc:reportAmendedSubstituted", NS) is None
    assert root.find(".//dcc:previousReport", NS) is None
    # with the hash of the superseded file: previousReport (hashType)
    c = sample_content(revision=1)
    digest = "ab" * 32
    xml = build_dcc(
        dataclasses.replace(c, supersedes=dataclasses.replace(c.supersedes, sha256=digest.upper()))
    )
    assert validate(xml) == []
    prev = _tree(xml).find("dcc:administrativeData/dcc:coreData/dcc:previousReport", NS)
    assert prev.findtext("dcc:referralID", namespaces=NS) == "ZJJL2026-J0001"
    assert (prev.findtext("dcc:procedure", namespaces=NS), prev.findtext("dcc:value", namespaces=NS)) == (
        "SHA-256",
        digest,
    )
    back = parse_dcc(xml)
    assert (back.replaces, back.type_of_change, back.previous_report) == (
        "ZJJL2026-J0001",
        "substituted",
        ("SHA-256", digest),
    )
    with pytest.raises(CertificateContentError, match="64 hexadecimal"):
        dataclasses.replace(c.supersedes, sha256="xyz")


def test_dsi_units_values_and_expanded_uncertainty() -> None:
    c = sample_content()
    root = _tree(build_dcc(c))
    units = {u.text for u in root.iter("{https://ptb.de/si}unit")}
    assert {"\\kilogram", "\\degreecelsius", "\\percent"} <= units
    measured = root.findall(".//dcc:quantity[@refType='basic_measuredValue']/si:real", NS)
    assert [m.findtext("si:value", namespaces=NS) for m in measured] == [r.measured for r in c.results]
    mu = measured[1].find("si:measurementUncertaintyUnivariate/si:expandedMU", NS)
    assert mu.findtext("si:valueExpandedMU", namespaces=NS) == "0.0012"
    assert mu.findtext("si:coverageFactor", namespaces=NS) == "2"
    assert mu.findtext("si:coverageProbability", namespaces=NS) == "0.95"
    upper = root.findall(".//dcc:quantity[@refType='basic_acceptanceLimitUpper']/si:real/si:value", NS)
    lower = root.findall(".//dcc:quantity[@refType='basic_acceptanceLimitLower']/si:real/si:value", NS)
    assert [u.text for u in upper] == ["0.005", "0.010", "0.015"]
    assert [u.text for u in lower] == ["-0.005", "-0.010", "-0.015"]


def test_conformity_statement_and_people() -> None:
    root = _tree(build_dcc(sample_content(kind="verification_result_notice")))
    st_ = root.find(".//dcc:statement[@refType='basic_conformity']", NS)
    assert st_.findtext("dcc:conformity", namespaces=NS) == "fail"
    assert "超出最大允许误差" in "".join(st_.find("dcc:declaration", NS).itertext())
    rows = root.findall(".//dcc:result", NS)
    assert [r.findtext(".//dcc:metaData/dcc:conformity", namespaces=NS) for r in rows] == [
        "pass",
        "pass",
        "fail",
    ]
    persons = root.findall(".//dcc:respPerson", NS)
    assert [p.findtext("dcc:role", namespaces=NS)[:3] for p in persons] == ["检定员", "核验员", "批准人"]
    assert [p.findtext("dcc:mainSigner", namespaces=NS) for p in persons] == [None, None, "true"]
    # a calibration certificate has no conformity statement unless one is given
    cal = _tree(build_dcc(sample_content(kind="calibration_certificate")))
    assert cal.find(".//dcc:statement[@refType='basic_conformity']", NS) is None
    assert "\\mega\\pascal" in {u.text for u in cal.iter("{https://ptb.de/si}unit")}


def test_unit_conversion_to_dsi() -> None:
    assert dsi_unit("kPa") == "\\kilo\\pascal"
    assert dsi_unit("kg") == "\\kilogram"
    assert dsi_unit("m3/h") == "\\metre\\tothe{3}\\hour\\tothe{-1}"
    assert dsi_unit("\\kilo\\pascal") == "\\kilo\\pascal"
    for bad in ("mmHg", "furlong", "\\notaunit"):
        with pytest.raises(CertificateContentError, match="D-SI"):
            dsi_unit(bad)
    c = sample_content()
    wrong = dataclasses.replace(c, results=(ResultRow(quantity="p", unit="mmHg", measured="120"),))
    with pytest.raises(CertificateContentError, match="mmHg"):
        build_dcc(wrong)


def test_embedded_pdf_document() -> None:
    xml = build_dcc(sample_content(), pdf=b"%PDF-1.7 fake")
    assert validate(xml) == []
    doc = _tree(xml).find("dcc:document", NS)
    assert doc.findtext("dcc:mimeType", namespaces=NS) == "application/pdf"
    assert doc.findtext("dcc:dataBase64", namespaces=NS) == "JVBERi0xLjcgZmFrZQ=="


def test_export_then_import_gives_the_same_numbers() -> None:
    """ISO/IEC 17025 §7.11.6 data-transfer check (research R14): export → XSD valid → re-import equal."""
    c = sample_content(kind="calibration_certificate")
    imported = parse_dcc(build_dcc(c))
    assert imported.unique_identifier == c.unique_identifier
    assert imported.laboratory == c.institution.name
    assert imported.issue_date == c.issued_on
    assert imported.recalibration_date == c.valid_until
    measured = [v for v in imported.results if v.ref_type == "basic_measuredValue"]
    assert [v.value_text for v in measured] == [r.measured for r in c.results]
    assert {(v.expanded_uncertainty, v.coverage_factor, v.unit_expression) for v in measured} == {
        (0.0016, 2.0, "MPa")
    }
    assert imported.items[0].identification("manufacturer") == c.instrument.serial_number


_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=30
)
_decimal = st.decimals(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, places=4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=_text,
    customer=_text,
    number=st.from_regex(r"[A-Z]{2,6}20[0-9]{2}-[A-Z0-9]{1,8}", fullmatch=True),
    values=st.lists(
        st.tuples(_decimal, _decimal, st.sampled_from(["kg", "kPa", "L", "℃", "m3/h", "%", "V"])),
        min_size=1,
        max_size=6,
    ),
    u=st.decimals(min_value=0, max_value=100, places=3),
    k=st.sampled_from(["1", "2", "2.58", "3"]),
)
def test_any_content_gives_a_valid_dcc(name, customer, number, values, u, k) -> None:  # type: ignore[no-untyped-def]
    base = sample_content(kind="calibration_certificate")
    rows = tuple(
        ResultRow(
            quantity=f"点 {i}",
            unit=unit,
            nominal=str(n),
            measured=str(m),
            error=str(m - n),
            expanded_uncertainty=str(u),
            coverage_factor=k,
        )
        for i, (n, m, unit) in enumerate(values)
    )
    c = dataclasses.replace(
        base,
        number=number,
        results=rows,
        instrument=dataclasses.replace(base.instrument, name=name),
        customer=dataclasses.replace(base.customer, name=customer),
        issued_on=dt.date(2026, 1, 31),
        performed_on=dt.date(2026, 1, 30),
        received_on=None,
        valid_until=None,
    )
    xml = build_dcc(c)
    assert validate(xml) == []
    back = parse_dcc(xml)
    assert [v.value_text for v in back.results if v.ref_type == "basic_measuredValue"] == [
        r.measured for r in rows
    ]
