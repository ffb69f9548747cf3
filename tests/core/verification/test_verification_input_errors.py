"""Bad input → VerificationInputError with row / field / reason; nothing is evaluated."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from jiliang.core.verification import VerificationInputError, evaluate_document, form_document

from ._helpers import nominal_doc

SCALE = {"accuracy_class": "III", "max_capacity": 15, "e": 5}
ENV = {"temperature": {"value": 20, "unit": "°C"}}
BASE = nominal_doc("JJG539-2016", "first", SCALE, ENV)


def errors_of(doc: Any) -> list[dict[str, Any]]:
    with pytest.raises(VerificationInputError) as exc:
        evaluate_document(doc)
    assert isinstance(exc.value, ValueError)
    for e in exc.value.errors:
        assert set(e) == {"row", "field", "reason"} and e["reason"]
    return list(exc.value.errors)


def mutate(fn: Any) -> dict[str, Any]:
    d = copy.deepcopy(BASE)
    fn(d)
    return d


def test_base_document_is_valid() -> None:
    assert evaluate_document(copy.deepcopy(BASE))["verdict"] == "pass"


@pytest.mark.parametrize(
    ("change", "row", "field", "words"),
    [
        (lambda d: d.update(procedure="JJG 1-1900"), None, "procedure", "unknown procedure"),
        (lambda d: d.update(stage="annual"), None, "stage", "must be one of"),
        (lambda d: d.update(decision_rule="coin"), None, "decision_rule", "must be one of"),
        (lambda d: d["points"].pop(0), None, "points", "'min'"),
        (
            lambda d: d["points"].append({"point": "extra", "unit": "kg", "readings": [1]}),
            9,
            "points[8].point",
            "unknown",
        ),
        (lambda d: d["points"].append(dict(d["points"][0])), 9, "points[8].point", "given twice"),
        (
            lambda d: d["points"][1].update(readings=[2.5, math.nan]),
            2,
            "points[1].readings[1]",
            "finite number",
        ),
        (lambda d: d["points"][1].update(readings=[2.5, "2.5"]), 2, "points[1].readings[1]", "finite number"),
        (lambda d: d["points"][1].update(readings=[2.5, True]), 2, "points[1].readings[1]", "finite number"),
        (
            lambda d: d["points"][1].update(readings=[2.5, math.inf]),
            2,
            "points[1].readings[1]",
            "finite number",
        ),
        (lambda d: d["points"][1].update(readings=[]), 2, "points[1].readings", "non-empty"),
        (lambda d: d["points"][1].update(readings=[2.5]), 2, "points[1].readings", "2 readings required"),
        (lambda d: d["points"][6].update(readings=[7.5, 7.5]), 7, "points[6].readings", "at least 3"),
        (lambda d: d["points"][5].update(readings=[5, 5, 5]), 6, "points[5].readings", "4 readings required"),
        (lambda d: d["points"][1].update(unit="kPa"), 2, "points[1].unit", "wrong quantity"),
        (lambda d: d["points"][1].update(unit="furlong"), 2, "points[1].unit", "invalid unit"),
        (lambda d: d["points"][1].pop("unit"), 2, "points[1].unit", "required"),
        (lambda d: d["points"][1].update(colour="red"), 2, "points[1].colour", "unknown field"),
        (lambda d: d["points"][4].update(readings=[150]), 5, "points[4].readings[0]", "measuring range"),
        (
            lambda d: d["points"][0].update(readings=[-0.1, 0.1]),
            1,
            "points[0].readings[0]",
            "measuring range",
        ),
        (lambda d: d["points"][1].update(changeover=[0.001]), 2, "points[1].changeover", "per reading"),
        (lambda d: d.update(environment={}), None, "environment.temperature", "missing"),
        (
            lambda d: d.update(environment={"temperature": {"value": 45, "unit": "°C"}}),
            None,
            "environment.temperature",
            "outside the allowed range",
        ),
        (
            lambda d: d.update(environment={"temperature": {"value": 20, "unit": "kg"}}),
            None,
            "environment.temperature.unit",
            "not convertible",
        ),
        (
            lambda d: d.update(environment={"temperature": {"value": "warm", "unit": "°C"}}),
            None,
            "environment.temperature.value",
            "finite number",
        ),
        (
            lambda d: d["environment"].update(pressure={"value": 1, "unit": "kPa"}),
            None,
            "environment.pressure",
            "unknown environmental",
        ),
        (
            lambda d: d["environment"].update(warm_up_time={"value": 10, "unit": "min"}),
            None,
            "environment.warm_up_time",
            "outside the allowed range",
        ),
        (
            lambda d: d.update(standards=[{"standard_uncertainty": -1, "unit": "g"}]),
            None,
            "standards[0].standard_uncertainty",
            "≥ 0",
        ),
        (
            lambda d: d.update(standards=[{"standard_uncertainty": 1}]),
            None,
            "standards[0].unit",
            "unit is required",
        ),
        (lambda d: d.update(points="all"), None, "points", "must be a list"),
        (lambda d: d.update(instrument=None), None, "instrument", "must be an object"),
    ],
)
def test_bad_input(change: Any, row: int | None, field: str, words: str) -> None:
    errs = errors_of(mutate(change))
    match = [e for e in errs if e["field"] == field]
    assert match, errs
    assert match[0]["row"] == row and words in match[0]["reason"], match


def test_all_problems_are_reported_together() -> None:
    def change(d: dict[str, Any]) -> None:
        d["environment"] = {}
        d["points"][1]["unit"] = "kPa"
        d["points"][2]["readings"] = [math.nan, 7.5]
        d["points"].pop()

    fields = {e["field"] for e in errors_of(mutate(change))}
    assert {"environment.temperature", "points[1].unit", "points[2].readings[0]", "points"} <= fields


def test_empty_optional_environment_field_is_missing() -> None:
    d = mutate(lambda d: d["environment"].update(warm_up_time={"value": None, "unit": "min"}))
    assert evaluate_document(d)["verdict"] == "pass"


def test_not_a_document() -> None:
    assert errors_of([1, 2])[0]["field"] == "document"
    assert errors_of({"stage": "first"})[0]["field"] == "procedure"


def test_form_bad_stage_and_instrument() -> None:
    with pytest.raises(VerificationInputError) as exc:
        form_document("JJG539-2016", stage="later", instrument=SCALE)
    assert exc.value.errors[0]["field"] == "stage"
    with pytest.raises(VerificationInputError) as exc:
        form_document("JJG539-2016", stage="first", instrument="III")  # type: ignore[arg-type]
    assert exc.value.errors[0]["field"] == "instrument"
    with pytest.raises(VerificationInputError):
        form_document("JJG 0", stage="first", instrument={})


def test_standard_in_wrong_unit() -> None:
    errs = errors_of(mutate(lambda d: d.update(standards=[{"standard_uncertainty": 1, "unit": "kPa"}])))
    assert errs[0]["field"] == "standards" and "not convertible" in errs[0]["reason"]


def test_relative_error_checks() -> None:
    base = {
        "procedure": "JJG443-2023",
        "stage": "first",
        "instrument": {"max_flow_rate": 60, "low_flow_rate": 10},
        "environment": {"ambient_temperature": {"value": 60, "unit": "°C"}},
        "points": [
            {"point": "Qmax", "unit": "L", "readings": [20, 20, 20], "reference": [0]},
            {"point": "Qlow", "unit": "%", "readings": [0, 0, 0]},
        ],
    }
    fields = {e["field"]: e["reason"] for e in errors_of(base)}
    assert "outside the allowed range" in fields["environment.ambient_temperature"]
    assert "positive" in fields["points[0].reference"]
    assert "not accepted" in fields["points[1].unit"]
