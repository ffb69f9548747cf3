"""Shared helpers for the verification tests: build documents from the generated form."""

from __future__ import annotations

from typing import Any

from jiliang.core.verification import evaluate_document, form_document


def nominal_doc(
    code: str, stage: str, instrument: dict[str, Any], environment: dict[str, Any]
) -> dict[str, Any]:
    """A document whose every reading equals the nominal value (error 0) in the form's units."""
    form = form_document(code, stage=stage, instrument=instrument)
    points = []
    for p in form["points"]:
        row: dict[str, Any] = {"point": p["id"], "unit": p["unit"], "readings": [p["nominal"]] * p["repeats"]}
        if p["unit"] == "%":
            row["readings"] = [0.0] * p["repeats"]
        points.append(row)
    return {
        "procedure": code,
        "stage": stage,
        "instrument": instrument,
        "environment": environment,
        "points": points,
    }


def set_point(doc: dict[str, Any], point: str, **fields: Any) -> dict[str, Any]:
    for row in doc["points"]:
        if row["point"] == point:
            row.update(fields)
            return doc
    raise KeyError(point)


def point(result: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in result["points"] if p["point"] == pid)


def evaluate(doc: dict[str, Any]) -> dict[str, Any]:
    return evaluate_document(doc)
