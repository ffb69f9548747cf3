"""Certificate numbers: per institution and year, unique and gapless under concurrency.

Format: ``{institution code}-{year}-{serial:06d}``, e.g. ``MA27U6J13-2026-000042``. The institution code is
positions 9-17 of the institution's unified social credit code (GB 32100-2015: the organisation code
part, which identifies the organisation nationally and never changes), so numbers of different
institutions never collide and a number names its issuer. The serial starts at 1 each calendar year
(the year of issue, UTC) and is allocated from ``certificate_counters`` by an ``UPDATE ... RETURNING`` on
the (institution, year) row *inside the issuing transaction*: the row lock it takes (the same lock as
``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write transactions are serialised by ``BEGIN IMMEDIATE``,
see ``jiliang.platform.db``) is held until that transaction commits or rolls back, so two issuances never
get the same serial and a failed issuance gives its serial back (no gaps).

Revisions of a corrected certificate keep the number (``revision`` 1, 2, ... after the original 0); the
DCC identifier of a revision is ``{number}/R{revision}`` (``jiliang.dcc.content.unique_identifier``).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jiliang.certificates.models import CertificateCounter
from jiliang.platform.errors import Conflict, DomainError

MAX_SERIAL = 999_999


def institution_code(credit_code: str) -> str:
    """Positions 9-17 of a GB 32100 unified social credit code (the organisation code)."""
    code = (credit_code or "").strip().upper()
    if len(code) != 18:
        raise DomainError("the institution has no valid unified social credit code", field="institution_id")
    return code[8:17]


def format_number(code: str, year: int, serial: int) -> str:
    return f"{code}-{year:04d}-{serial:06d}"


def next_serial(session: Session, institution_id: int, year: int) -> int:
    """Allocate the next serial of (institution, year) in the caller's transaction (row-locked)."""
    dialect = session.get_bind().dialect.name
    values = {"institution_id": institution_id, "year": year, "last_serial": 0}
    if dialect == "postgresql":
        session.execute(pg_insert(CertificateCounter).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(CertificateCounter).values(**values).on_conflict_do_nothing())
    elif session.get(CertificateCounter, (institution_id, year)) is None:  # pragma: no cover - other engines
        session.add(CertificateCounter(**values))
        session.flush()
    serial = session.execute(
        update(CertificateCounter)
        .where(CertificateCounter.institution_id == institution_id, CertificateCounter.year == year)
        .values(last_serial=CertificateCounter.last_serial + 1)
        .returning(CertificateCounter.last_serial)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if serial > MAX_SERIAL:
        raise Conflict(
            f"the certificate numbers of {year} are exhausted for this institution", field="number"
        )
    return int(serial)


def last_serial(session: Session, institution_id: int, year: int) -> int:
    value = session.scalar(
        select(CertificateCounter.last_serial).where(
            CertificateCounter.institution_id == institution_id, CertificateCounter.year == year
        )
    )
    return int(value or 0)
