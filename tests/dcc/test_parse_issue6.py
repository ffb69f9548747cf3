"""parse_dcc on every shared example: identifiers, laboratory, dates, items, values, units, U."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from jiliang.dcc.errors import UnsafeXmlError
from jiliang.dcc.parse import parse_dcc

from .conftest import all_examples, example

READABLE = [p for p in all_examples() if p.name != "invalid_schema.xml"]


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_every_shared_example_parses(path) -> None:  # type: ignore[no-untyped-def]
    d = parse_dcc(path.read_bytes())
    assert d.unique_identifier
    assert "Kalibrierfirma GmbH" in d.laboratory
    assert d.customer == "Kunde GmbH"
    assert d.begin_performance_date == dt.date(1957, 8, 13)
    assert d.items and d.items[0].identifications
    assert d.results and all(v.unit.startswith("\\") for v in d.values)
    assert d.conformity == ("pass",)
    assert d.signed == ("signed" in path.name or "signature" in path.name)
    json.dumps(d.to_dict(), ensure_ascii=False)


def test_invalid_schema_example_has_no_identifier() -> None:
    with pytest.raises(UnsafeXmlError, match="uniqueIdentifier is missing"):
        parse_dcc(example("v3.3.0/invalid_schema.xml"))


def test_v330_values_units_and_uncertainty() -> None:
    d = parse_dcc(example("v3.3.0/valid.xml"))
    assert d.unique_identifier == "1234" and d.schema_version == "3.3.0" and d.country == "DE"
    assert d.recalibration_date == dt.date(1959, 10, 22)
    item = d.items[0]
    assert item.identification("manufacturer") == "string-manufacturer-item"
    assert item.identification("customer") == "string-customer-item"
    errors = [v for v in d.results if v.ref_type == "basic_measurementError"]
    assert [v.value for v in errors] == [0.072, 0.089, 0.107, -0.009, -0.084]
    assert {
        (v.unit, v.unit_expression, v.expanded_uncertainty, v.coverage_factor, v.coverage_probability)
        for v in errors
    } == {("\\kelvin", "K", 0.061, 2.0, 0.95)}
    reference = [v for v in d.results if v.ref_type == "basic_referenceValue"]
    assert reference[0].value == 306.248 and reference[0].alternatives == ((33.098, "\\degreecelsius"),)
    limits = [v for v in d.values if v.metadata and v.ref_type == "basic_acceptanceLimitUpper"]
    assert [v.value for v in limits] == [0.23, 0.23, 0.23, 0.30, 0.30]


def test_humidity_example_v312() -> None:
    d = parse_dcc(example("v3.1.x/dcc_gp_humidity_v1.0.xml"))
    assert d.schema_version == "3.1.2"
    assert d.unique_identifier == "Id 123456789 HtW"
    assert len(d.items) == 2
    ref = [v for v in d.results if v.ref_type == "basic_referenceValue"]
    assert ref[0].value == 0.201 and ref[0].unit == "\\one" and ref[0].alternatives == ((20.1, "\\percent"),)


def test_manipulated_example_differs_only_in_the_laboratory_name() -> None:
    a = parse_dcc(example("v3.2.0/dcc_gp_temperature_typical_v12_v3.2.0_signed.xml"))
    b = parse_dcc(example("v3.2.0/dcc_gp_temperature_typical_v12_v3.2.0_signed_manipulated.xml"))
    assert a.laboratory == "Kalibrierfirma GmbH" and b.laboratory == "MANIPLUATION Kalibrierfirma GmbH"
    assert a.customer == b.customer and a.values == b.values
