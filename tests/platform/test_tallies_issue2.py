"""The dashboard's tallies stay equal to a fresh count through every kind of write and day roll (issue 2)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from jiliang.instruments import dashboard, service, tallies
from jiliang.instruments.models import Instrument, TallyState
from jiliang.instruments.schemas import InstrumentCreate, InstrumentUpdate, VerificationCreate
from jiliang.organisations.models import Organisation
from jiliang.platform.access import SYSTEM, Principal
from jiliang.platform.db import read_session, write_session

REGULATOR = Principal(user_id=None, username="tally-test", role="regulator", region_code="330000")


def _check() -> list[str]:
    with read_session() as s:
        return tallies.check(s)


def test_bucket_of_edges() -> None:
    today = dt.date(2026, 6, 15)
    assert tallies.bucket_of("scrapped", today, today) == "na"
    assert tallies.bucket_of("in_use", None, today) == "nodue"
    assert tallies.bucket_of("in_use", today - dt.timedelta(days=1), today) == "overdue"
    assert tallies.bucket_of("in_use", today, today) == "due30"
    assert tallies.bucket_of("in_use", today + dt.timedelta(days=30), today) == "due30"
    assert tallies.bucket_of("in_use", today + dt.timedelta(days=31), today) == "due365"
    assert tallies.bucket_of("in_use", today + dt.timedelta(days=365), today) == "due365"
    assert tallies.bucket_of("in_use", today + dt.timedelta(days=366), today) == "later"


def test_writes_keep_tallies_exact(demo_db) -> None:  # type: ignore[no-untyped-def]
    assert _check() == []
    with read_session() as s:
        owner = s.scalars(select(Organisation).where(Organisation.kind == "enterprise",
                                                     Organisation.region_code.like("33%"))).first()
        institution = s.scalars(select(Organisation).where(Organisation.kind == "institution")).first()
        item = "0301" if s.get(Instrument, 1) is None else s.get(Instrument, 1).catalogue_code
    assert owner is not None and institution is not None
    inst = service.register_instrument(principal=SYSTEM, data=InstrumentCreate(
        catalogue_code=item, owner_id=owner.id, serial_number="TALLY-1", use="trade_settlement",
        first_verified_on=dt.date.today() - dt.timedelta(days=800),
        last_verified_on=dt.date.today() - dt.timedelta(days=400)))
    assert _check() == []
    service.update_instrument(principal=SYSTEM, instrument_id=inst.id, data=InstrumentUpdate(status="suspended"))
    assert _check() == []
    service.update_instrument(principal=SYSTEM, instrument_id=inst.id, data=InstrumentUpdate(status="in_use"))
    service.record_verification(principal=SYSTEM, instrument_id=inst.id, data=VerificationCreate(
        verified_on=dt.date.today(), result="pass", institution_id=institution.id))
    assert _check() == []


def test_roll_forward_matches_fresh_count_and_dashboard(demo_db) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    try:
        for days in (1, 2, 31, 40, 200, 370):
            with write_session() as s:
                assert tallies.roll(s, today + dt.timedelta(days=days))
            assert _check() == [], days
            # the dashboard read from the tallies equals the dashboard counted from the register
            with read_session() as s:
                as_of = s.scalar(select(TallyState.as_of))
            fast = dashboard.build(principal=REGULATOR, today=as_of)
            with write_session() as s:
                state = s.get(TallyState, 1)
                state.as_of = as_of - dt.timedelta(days=1)  # makes build() count the register
            slow = dashboard.build(principal=REGULATOR, today=as_of)
            with write_session() as s:
                s.get(TallyState, 1).as_of = as_of
            assert fast.totals == slow.totals and fast.by_item == slow.by_item and fast.by_region == slow.by_region
    finally:
        with write_session() as s:
            tallies.roll(s, today)  # backwards: rebuilds
        assert _check() == []
