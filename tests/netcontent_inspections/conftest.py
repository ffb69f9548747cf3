"""Fixtures of the issue-7 tests: the net-content demo seed on top of the session demo database (once)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from tests.netcontent_inspections.helpers_issue7 import count


@pytest.fixture(scope="session")
def nc_demo(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Seed the net-content demo (unless demo.build already did) and return its summary."""
    from jiliang.demo import netcontent_inspections as demo

    if count("SELECT count(*) FROM netcontent_inspections WHERE measurement_source = 'demo'"):
        return {"seeded_by": "demo.build"}
    before = count("SELECT count(*) FROM audit_log")
    summary = demo.seed(rng=random.Random(7), today=dt.date.today())
    summary["audit_entries"] = count("SELECT count(*) FROM audit_log") - before
    return summary
