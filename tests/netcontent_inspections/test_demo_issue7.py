"""Issue 7: the net-content demo seed (through the services) gives realistic, consistent data."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from jiliang.core import netcontent as nc
from jiliang.platform.db import get_engine, read_session


def _demo_rows() -> list[dict[str, Any]]:
    with get_engine().connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text(
                    "SELECT id, record_key, revision, status, published, superseded_by_id, region_code, product_category, "
                    "inspected_on, verdict, measurements, result, producer_id, label_passed FROM netcontent_inspections "
                    "WHERE measurement_source = 'demo'"
                )
            ).mappings()
        ]


def test_demo_seed_spreads_over_categories_regions_and_months(nc_demo) -> None:  # type: ignore[no-untyped-def]
    rows = _demo_rows()
    current = [r for r in rows if r["superseded_by_id"] is None]
    assert 40 <= len(current) <= 60
    assert len({r["product_category"] for r in current}) >= 10
    assert len({r["region_code"][:4] for r in current}) >= 5
    assert len({str(r["inspected_on"])[:7] for r in current}) >= 8
    fails = sum(r["verdict"] == "fail" for r in current)
    assert 0.08 * len(current) <= fails <= 0.4 * len(current)
    assert sum(bool(r["published"]) for r in current) >= 15
    assert any(r["status"] == "draft" for r in current)
    assert any(r["revision"] == 2 for r in rows) and any(r["superseded_by_id"] for r in rows)
    assert any(
        r["label_passed"] is not None and not r["label_passed"] for r in current
    )  # some labels have too small characters
    with get_engine().connect() as conn:
        own = conn.execute(text("SELECT organisation_id FROM users WHERE username = 'enterprise'")).scalar()
        cmarks = conn.execute(
            text("SELECT count(*) FROM cmark_declarations WHERE status = 'active'")
        ).scalar()
    assert any(r["producer_id"] == own and r["published"] for r in current)
    assert cmarks >= 10


def test_demo_verdicts_are_the_cores(nc_demo) -> None:  # type: ignore[no-untyped-def]
    """Every stored verdict re-computes from the stored inputs (nothing was computed outside the core)."""
    for r in _demo_rows():
        lot = r["measurements"] if isinstance(r["measurements"], dict) else json.loads(r["measurements"])
        stored = r["result"] if isinstance(r["result"], dict) else json.loads(r["result"])
        assert nc.evaluation_to_dict(nc.evaluate_lot_record(lot)) == stored, r["id"]
        assert stored["verdict"] == r["verdict"]


def test_audit_chain_still_verifies(nc_demo) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform import audit

    with read_session() as s:
        n, problems = audit.verify(s)
    assert n > 0 and problems == []
