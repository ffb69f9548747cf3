"""Issue 7 part 3: the other areas' tables (net-content inspections, campaign findings) are read only when
they exist — tested both ways on a private SQLite database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import jiliang.models_all  # noqa: F401  (every table in the metadata)
from jiliang.credit import service
from jiliang.credit.models import CreditDeclaration, CreditRecord, CreditScore, ModelUnit
from jiliang.instruments.models import CatalogueItem, ImportBatch, Instrument, VerificationEvent
from jiliang.organisations.models import Authorisation, Organisation
from jiliang.platform.db import Base
from jiliang.platform.models import Region

AS_OF = dt.date(2026, 11, 27)


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'credit.sqlite'}")
    tables = [
        m.__table__
        for m in (
            Region,
            Organisation,
            Authorisation,
            CatalogueItem,
            ImportBatch,
            Instrument,
            VerificationEvent,
            CreditDeclaration,
            CreditRecord,
            CreditScore,
            ModelUnit,
        )
    ]
    Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
    with Session(engine) as s, s.begin():
        s.add(Region(code="330106", name_zh="西湖区", level=3))
        s.add(Organisation(id=1, kind="enterprise", name="甲", credit_code="X" * 18, region_code="330106"))
        s.add(Organisation(id=2, kind="enterprise", name="乙", credit_code="Y" * 18, region_code="330106"))
    return engine


def _campaign_and_netcontent_tables(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE campaign_findings (id INTEGER PRIMARY KEY, enterprise_id INTEGER, region_code VARCHAR(6), "
                "found_on DATE, severity VARCHAR(10), status VARCHAR(10), category VARCHAR(30))"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE netcontent_inspections (id INTEGER PRIMARY KEY, record_key VARCHAR(36), revision INTEGER, "
                "superseded_by_id INTEGER, status VARCHAR(20), published BOOLEAN, producer_id INTEGER, "
                "region_code VARCHAR(6), inspected_on DATE, verdict VARCHAR(10), product_name VARCHAR(200), "
                "batch VARCHAR(100))"
            )
        )
        conn.execute(
            text(
                "INSERT INTO campaign_findings VALUES "
                "(1, 1, '330106', '2026-10-01', 'serious', 'open', 'cheating_device'),"
                "(2, 1, '330106', '2026-10-02', 'minor', 'rectified', 'seal_broken'),"
                "(3, 1, '330106', '2026-10-03', 'unheard', 'open', 'other'),"
                "(4, 2, '330106', '2026-10-04', 'major', 'closed', 'error_exceeds_mpe')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO netcontent_inspections VALUES "
                "(1, 'k-1', 1, 2, 'finalised', 0, 1, '330106', '2026-09-01', 'fail', '大米', 'B1'),"  # superseded
                "(2, 'k-1', 2, NULL, 'published', 1, 1, '330106', '2026-09-01', 'fail', '大米', 'B1'),"
                "(3, 'k-2', 1, NULL, 'draft', 0, 1, '330106', '2026-09-05', 'fail', '面粉', 'B2'),"  # draft
                "(4, 'k-3', 1, NULL, 'finalised', 0, 1, '330106', '2026-09-06', 'pass', '油', 'B3'),"  # pass
                "(5, 'k-4', 1, NULL, 'finalised', 0, 2, '330106', '2026-09-07', 'fail', '盐', 'B4')"
            )
        )


def test_without_the_other_areas_tables(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with Session(engine) as s:
        assert not service.has_table(s, "campaign_findings")
        assert not service.has_table(s, "netcontent_inspections")
        derived = service.derive_records(s, [1, 2], AS_OF)
    assert derived == {1: [], 2: []}


def test_with_the_other_areas_tables(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    _campaign_and_netcontent_tables(engine)
    with Session(engine) as s:
        assert service.has_table(s, "campaign_findings") and service.has_table(s, "netcontent_inspections")
        derived = service.derive_records(s, [1, 2], AS_OF)
    one = {(d.source_key, d.rule_id, d.points, d.event_on) for d in derived[1]}
    assert one == {
        ("campaign_findings:1", "CR-CF-SERIOUS", -25.0, dt.date(2026, 10, 1)),
        ("campaign_findings:2", "CR-CF-MINOR", -3.0, dt.date(2026, 10, 2)),
        ("netcontent_inspections:k-1", "CR-NC", -10.0, dt.date(2026, 9, 1)),  # one record for both revisions
    }
    two = {(d.source_key, d.rule_id, d.points) for d in derived[2]}
    assert two == {
        ("campaign_findings:4", "CR-CF-MAJOR", -10.0),
        ("netcontent_inspections:k-4", "CR-NC", -10.0),
    }
    # applied: 90 - 25 - 3 - 10 = 52 (D) and 90 - 10 - 10 = 70 (C); a second application changes nothing
    with Session(engine) as s, s.begin():
        orgs = [s.get(Organisation, 1), s.get(Organisation, 2)]
        c = service.apply_refresh(s, orgs, AS_OF)  # type: ignore[arg-type]
        assert (c.added, c.scores) == (5, 2)
    with Session(engine) as s, s.begin():
        scores = {sc.enterprise_id: (sc.score, sc.grade) for sc in s.query(CreditScore)}
        assert scores == {1: (52.0, "D"), 2: (70.0, "C")}
        assert service.risk_weights(s, [1, 2]) == {1: 5.8, 2: 4.0}
        c = service.apply_refresh(s, [s.get(Organisation, 1), s.get(Organisation, 2)], AS_OF)  # type: ignore[list-item]
        assert (c.added, c.removed, c.changed, c.scores, c.touched) == (0, 0, 0, 0, [])
    # the finding is withdrawn at the source: its record goes
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM campaign_findings WHERE id = 1"))
    with Session(engine) as s, s.begin():
        c = service.apply_refresh(s, [s.get(Organisation, 1)], AS_OF)  # type: ignore[list-item]
        assert (c.removed, c.scores) == (1, 1)
        assert s.query(CreditScore).filter_by(enterprise_id=1, is_current=True).one().score == 77.0
