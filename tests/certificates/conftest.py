"""Fixtures of the certificates tests: staff of the provincial institute (one duty each), standards, and
certificates issued through the real services on the session demo database."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(os.environ.get("JILIANG_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
EXAMPLES = SHARED / "dcc" / "examples"
PREFIX = "certt"


@contextmanager
def fast_signatures() -> Iterator[None]:
    """Skip the Argon2 password re-check of record signatures while building fixtures (the signing flow
    itself is the verification area's, and is tested there; the browser test signs with passwords)."""
    from jiliang.platform import accounts

    original = accounts.authenticate
    accounts.authenticate = lambda **kw: None  # type: ignore[assignment]
    try:
        yield
    finally:
        accounts.authenticate = original  # type: ignore[assignment]


@dataclass
class World:
    staff: Any
    other_staff: Any
    weights: int
    gauge_standard: int
    performed: dt.date
    enterprise_id: int
    certs: dict[str, Any] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    def scale_record(
        self, *, owner: int | None = None, offset: float = 0.0, staff: Any = None
    ) -> tuple[int, int]:
        from jiliang.demo import certificates as demo

        iid = demo.pick_instrument("0201", owner_id=owner, before=self.performed, skip=self.used)
        self.used.add(iid)
        with fast_signatures():
            rid = demo.approved_record(
                staff or self.staff,
                standard_id=self.weights,
                performed_on=self.performed,
                instrument_id=iid,
                offset=offset,
            )
        return rid, iid


@pytest.fixture(scope="session")
def world(demo_db) -> World:  # type: ignore[no-untyped-def]
    from sqlalchemy import select, text

    from jiliang.certificates import service
    from jiliang.demo import certificates as demo
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    institution = demo.provincial_institution()
    performed = dt.date.today() - dt.timedelta(days=1)
    staff = demo.ensure_staff(institution, prefix=PREFIX)
    with read_session() as s:
        # the demo's Jiangsu institution: the first one (other tests in this worker may add more)
        other = s.execute(
            text(
                "SELECT id FROM organisations WHERE kind = 'institution' AND region_code LIKE '32%' ORDER BY id"
            )
        ).scalars().first()
        assert other is not None, "the demo has a Jiangsu institution"
        enterprise = s.scalar(select(User.organisation_id).where(User.username == "enterprise"))
    other_staff = demo.ensure_staff(int(other), prefix=PREFIX + "js")
    weights = demo.ensure_standard(
        staff, identifier="CERTT-WEIGHTS", name="F1 等级标准砝码组", quantity="mass", today=performed
    )
    gauge_std = demo.ensure_standard(
        staff,
        identifier="CERTT-PRESSURE",
        name="0.05 级精密压力表",
        quantity="pressure",
        today=performed,
        accuracy="0.05 级",
        measuring_range="0 – 2.5 MPa",
    )
    w = World(
        staff=staff,
        other_staff=other_staff,
        weights=weights,
        gauge_standard=gauge_std,
        performed=performed,
        enterprise_id=int(enterprise),
    )
    rid, iid = w.scale_record(owner=w.enterprise_id)
    w.certs["passed"] = service.issue_certificate(principal=staff.approver, record_id=rid)
    rid, iid = w.scale_record(offset=-0.03)
    w.certs["failed"] = service.issue_certificate(principal=staff.approver, record_id=rid)
    gauge = demo.pick_instrument("1401", before=performed, skip=w.used)
    w.used.add(gauge)
    with fast_signatures():
        rid = demo.approved_record(
            staff,
            standard_id=gauge_std,
            performed_on=performed,
            instrument_id=gauge,
            kind="calibration",
            procedure=demo.GAUGE_PROCEDURE,
            params=demo.GAUGE_PARAMS,
        )
    w.certs["calibration"] = service.issue_certificate(principal=staff.approver, record_id=rid)
    rid, iid = w.scale_record(owner=w.enterprise_id)
    original = service.issue_certificate(principal=staff.approver, record_id=rid)
    w.certs["original"] = original
    w.certs["corrected"] = service.correct_certificate(
        principal=staff.approver, number=original.number, reason="更正型号规格"
    )
    return w


def example(*parts: str) -> bytes:
    path = EXAMPLES.joinpath(*parts)
    assert path.is_file(), f"missing shared example {path}"
    return path.read_bytes()


def count(sql: str, **params: Any) -> int:
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)
