"""Helpers for the issue-3 budget tests: a small model, and budgets of other institutions written straight to
the database (so that visibility can be checked without a second institution login)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

SMALL_MODEL: dict[str, Any] = {
    "title": "Power dissipated in a resistor",
    "model": "P = V**2 / R",
    "units": {"P": "W"},
    "inputs": {"V": {"value": 10.0, "u": 0.01, "dof": 9, "unit": "V"},
               "R": {"value": 100.0, "half_width": 0.05, "distribution": "rectangular", "unit": "Ω"}},
    "coverage_probability": 0.95,
}


def insert_budget(organisation_id: int, region_code: str, name: str) -> int:
    """A budget row of any institution, inserted directly (test setup, not a use case)."""
    import datetime as dt

    from jiliang.platform.db import get_engine
    from jiliang.uncertainty_budgets.models import UncertaintyBudget

    at = dt.datetime(2026, 11, 27)
    row = {"lineage": uuid.uuid4().hex, "revision": 1, "organisation_id": organisation_id, "region_code": region_code,
           "name": name, "attached_kind": "procedure", "attached_ref": "JJG 0000-2026", "change_note": "",
           "model": SMALL_MODEL, "result": {"outputs": {}}, "evaluated_at": at, "engine_version": "test",
           "created_by": "test", "created_at": at}
    with get_engine().begin() as conn:
        result = conn.execute(UncertaintyBudget.__table__.insert().values(**row))
        return int(result.inserted_primary_key[0])


def institution(where: str) -> tuple[int, str]:
    """(id, region) of an institution whose region code matches the LIKE pattern, other than the demo user's."""
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        own = conn.execute(text("SELECT organisation_id FROM users WHERE username = 'institution'")).scalar_one()
        row = conn.execute(text("SELECT id, region_code FROM organisations WHERE kind = 'institution' AND "
                                "region_code LIKE :p AND id != :own ORDER BY id"), {"p": where, "own": own}).first()
    assert row is not None, where
    return int(row[0]), str(row[1])
