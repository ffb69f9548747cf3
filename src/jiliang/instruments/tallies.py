"""Incrementally maintained counts behind the regulator's dashboard.

Why: a dashboard over a province's (or the country's) instruments must not scan every instrument.
``instrument_tallies`` holds counts per (region, catalogue item, use, status, due bucket); every
service that changes an instrument applies +1/-1 deltas in its own transaction, and a daily roll
moves the due buckets forward by touching only the instruments whose bucket changes (those whose due
date crosses today, today + 30 days or today + 365 days). ``rebuild`` recomputes everything from the
register; ``check`` compares the two (``jiliang stats check``).

Due buckets relative to the state date A (the register's "today"):
``na`` (not in use), ``nodue`` (in use, no due date), ``overdue`` (due < A), ``due30`` (A <= due <=
A + 30 d), ``due365`` (A + 30 d < due <= A + 365 d), ``later``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, delete, extract, func, insert, or_, select
from sqlalchemy.orm import Session

from jiliang.instruments.models import (
    Instrument,
    InstrumentTally,
    TallyState,
    VerificationEvent,
    VerificationTally,
)

BUCKETS = ("na", "nodue", "overdue", "due30", "due365", "later")
SOON = dt.timedelta(days=30)
YEAR = dt.timedelta(days=365)
Key = tuple[str, str, str, str, str]


def bucket_of(status: str, due: dt.date | None, as_of: dt.date) -> str:
    if status != "in_use":
        return "na"
    if due is None:
        return "nodue"
    if due < as_of:
        return "overdue"
    if due <= as_of + SOON:
        return "due30"
    if due <= as_of + YEAR:
        return "due365"
    return "later"


def bucket_sql(as_of: dt.date) -> Any:
    """The same classification as :func:`bucket_of`, as a SQL expression over the instruments table."""
    return case(
        (Instrument.status != "in_use", "na"),
        (Instrument.next_due_on.is_(None), "nodue"),
        (Instrument.next_due_on < as_of, "overdue"),
        (Instrument.next_due_on <= as_of + SOON, "due30"),
        (Instrument.next_due_on <= as_of + YEAR, "due365"),
        else_="later",
    )


def key_of(inst: Any, as_of: dt.date) -> Key:
    """The tally key of an instrument (an ORM object or a mapping with the same fields)."""
    get = inst.get if isinstance(inst, dict) else lambda k: getattr(inst, k)
    return (get("region_code"), get("catalogue_code"), get("use"), get("status"),
            bucket_of(get("status"), get("next_due_on"), as_of))


def _upsert(session: Session, table: Any, keys: list[str], rows: list[dict[str, Any]], add: list[str]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    for i in range(0, len(rows), 2000):
        stmt = dialect_insert(table).values(rows[i : i + 2000])
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={c: getattr(table.c, c) + getattr(stmt.excluded, c) for c in add}
        )
        session.execute(stmt)


def apply(session: Session, deltas: Counter[Key]) -> None:
    rows = [
        {"region_code": k[0], "catalogue_code": k[1], "use": k[2], "status": k[3], "bucket": k[4], "n": n}
        for k, n in sorted(deltas.items()) if n
    ]
    _upsert(session, InstrumentTally.__table__, ["region_code", "catalogue_code", "use", "status", "bucket"],
            rows, ["n"])


def state_date(session: Session) -> dt.date | None:
    """The tallies' date, read with a share lock (PostgreSQL) so that a roll cannot run under us."""
    return session.scalar(select(TallyState.as_of).where(TallyState.id == 1).with_for_update(read=True))


def record_change(session: Session, before: Any | None, after: Any | None) -> None:
    """Apply one instrument's change (either side may be None) to the tallies, in the caller's transaction."""
    as_of = state_date(session)
    if as_of is None:
        return  # no tallies yet: the next rebuild counts this instrument
    deltas: Counter[Key] = Counter()
    if before is not None:
        deltas[key_of(before, as_of)] -= 1
    if after is not None:
        deltas[key_of(after, as_of)] += 1
    apply(session, deltas)


def record_many(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Count new instruments (bulk import)."""
    as_of = state_date(session)
    if as_of is None:
        return
    apply(session, Counter(key_of(r, as_of) for r in rows))


def record_verification(session: Session, region_code: str, day: dt.date, result: str) -> None:
    _upsert(session, VerificationTally.__table__, ["region_code", "month"],
            [{"region_code": region_code, "month": day.strftime("%Y-%m"), "n": 1,
              "failed": 1 if result == "fail" else 0}], ["n", "failed"])


def rebuild(session: Session, as_of: dt.date) -> None:
    """Recompute both tally tables from the register (O(number of instruments); run rarely)."""
    session.execute(delete(InstrumentTally))
    session.execute(delete(VerificationTally))
    bucket = bucket_sql(as_of)
    session.execute(
        insert(InstrumentTally).from_select(
            ["region_code", "catalogue_code", "use", "status", "bucket", "n"],
            select(Instrument.region_code, Instrument.catalogue_code, Instrument.use, Instrument.status, bucket,
                   func.count()).group_by(Instrument.region_code, Instrument.catalogue_code, Instrument.use,
                                          Instrument.status, bucket),
        )
    )
    year = extract("year", VerificationEvent.verified_on)
    month = extract("month", VerificationEvent.verified_on)
    counts: Counter[tuple[str, str]] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    for region, y, m, n, f in session.execute(
        select(VerificationEvent.region_code, year, month, func.count(),
               func.sum(case((VerificationEvent.result == "fail", 1), else_=0)))
        .group_by(VerificationEvent.region_code, year, month)
    ):
        key = (region, f"{int(y):04d}-{int(m):02d}")
        counts[key] += int(n)
        failed[key] += int(f or 0)
    if counts:
        session.execute(insert(VerificationTally), [
            {"region_code": k[0], "month": k[1], "n": n, "failed": failed[k]} for k, n in counts.items()
        ])
    state = session.get(TallyState, 1, with_for_update=True)
    if state is None:
        session.add(TallyState(id=1, as_of=as_of))
    else:
        state.as_of = as_of
    session.flush()


def roll(session: Session, today: dt.date) -> bool:
    """Move the due buckets forward to ``today``; True when anything was done.

    Only instruments whose due date lies in [A, T), (A + 30, T + 30] or (A + 365, T + 365] change
    bucket (A the old date, T today); they are counted by old and new bucket and moved. A gap of more
    than a year, or a date moving backwards, rebuilds instead.
    """
    state = session.get(TallyState, 1, with_for_update=True)
    if state is None:
        rebuild(session, today)
        return True
    old = state.as_of
    if old == today:
        return False
    if today < old or (today - old) > YEAR:
        rebuild(session, today)
        return True
    due = Instrument.next_due_on
    window = or_(
        and_(due >= old, due < today),
        and_(due > old + SOON, due <= today + SOON),
        and_(due > old + YEAR, due <= today + YEAR),
    )
    old_b, new_b = bucket_sql(old), bucket_sql(today)
    deltas: Counter[Key] = Counter()
    for region, item, use, status, b0, b1, n in session.execute(
        select(Instrument.region_code, Instrument.catalogue_code, Instrument.use, Instrument.status, old_b, new_b,
               func.count())
        .where(Instrument.status == "in_use", window)
        .group_by(Instrument.region_code, Instrument.catalogue_code, Instrument.use, Instrument.status, old_b, new_b)
    ):
        if b0 != b1:
            deltas[(region, item, use, status, b0)] -= int(n)
            deltas[(region, item, use, status, b1)] += int(n)
    apply(session, deltas)
    state.as_of = today
    session.flush()
    return True


def ensure_current(today: dt.date) -> None:
    """Roll the tallies forward to ``today`` in a transaction of its own (a no-op when already there)."""
    from jiliang.platform.db import read_session, write_session

    with read_session() as s:
        if s.scalar(select(TallyState.as_of).where(TallyState.id == 1)) == today:
            return
    with write_session() as s:
        roll(s, today)


def check(session: Session) -> list[str]:
    """Differences between the maintained tallies and a fresh count (empty when they agree)."""
    as_of = session.scalar(select(TallyState.as_of).where(TallyState.id == 1))
    if as_of is None:
        return ["no tally state: run a rebuild"]
    bucket = bucket_sql(as_of)
    fresh = {
        tuple(r[:5]): int(r[5])
        for r in session.execute(
            select(Instrument.region_code, Instrument.catalogue_code, Instrument.use, Instrument.status, bucket,
                   func.count()).group_by(Instrument.region_code, Instrument.catalogue_code, Instrument.use,
                                          Instrument.status, bucket)
        )
    }
    kept = {
        (t.region_code, t.catalogue_code, t.use, t.status, t.bucket): t.n
        for t in session.scalars(select(InstrumentTally))
    }
    problems = []
    for key in sorted(set(fresh) | set(kept)):
        if fresh.get(key, 0) != kept.get(key, 0):
            problems.append(f"{key}: kept {kept.get(key, 0)}, counted {fresh.get(key, 0)}")
    return problems


__all__ = ["BUCKETS", "apply", "bucket_of", "check", "rebuild", "record_change", "record_many",
           "record_verification", "roll"]
