"""Issue 6: certificate numbers are unique and gapless per institution and year under concurrency.

Twenty threads allocate a number and insert a certificate row in one transaction each; some of them fail
after the number was allocated (the failure a broken DCC or PDF would cause). The survivors must hold
serials 1..n without a gap and the counter must equal n: a failed transaction gives its number back.
The test runs on the session database: SQLite by default, PostgreSQL when JILIANG_DATABASE_URL is set
(``make test`` runs both).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time

import pytest
from sqlalchemy import delete, select, text

YEAR = 2091  # a year no other test issues in: the counter starts at zero


def _institution() -> tuple[int, str]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        row = conn.execute(
            text(
                "SELECT o.id, o.credit_code FROM organisations o JOIN users u ON u.organisation_id = o.id "
                "WHERE u.username = 'institution'"
            )
        ).one()
    return int(row[0]), str(row[1])


def _allocate_and_insert(institution_id: int, code: str, year: int, fail: bool) -> str:
    from jiliang.certificates import numbering
    from jiliang.certificates.models import Certificate
    from jiliang.platform.db import write_session

    with write_session() as s:
        serial = numbering.next_serial(s, institution_id, year)
        number = numbering.format_number(code, year, serial)
        s.add(
            Certificate(
                number=number,
                revision=0,
                institution_id=institution_id,
                year=year,
                serial=serial,
                kind="calibration_certificate",
                region_code="330000",
                status="issued",
                conformity="",
                performed_on=dt.date(2026, 11, 1),
                correction_reason="",
                content={},
                dcc_xml=b"<x/>",
                pdf=b"%PDF",
                dcc_sha256=hashlib.sha256(b"<x/>").hexdigest(),
                pdf_sha256=hashlib.sha256(b"%PDF").hexdigest(),
                issued_by="numbering-test",
            )
        )
        s.flush()
        time.sleep(0.005)  # hold the row lock while "rendering", as a real issuance does
        if fail:
            raise RuntimeError("the issuance fails after its number was allocated")
    return number


def _cleanup(institution_id: int, year: int) -> None:
    from jiliang.certificates.models import Certificate, CertificateCounter
    from jiliang.platform.db import write_session

    with write_session() as s:
        s.execute(
            delete(Certificate).where(Certificate.institution_id == institution_id, Certificate.year == year)
        )
        s.execute(
            delete(CertificateCounter).where(
                CertificateCounter.institution_id == institution_id, CertificateCounter.year == year
            )
        )


@pytest.mark.parametrize("failing", [(), (3, 7, 8, 15)])
def test_twenty_concurrent_issuances_are_unique_and_gapless(demo_db, failing) -> None:  # type: ignore[no-untyped-def]
    from jiliang.certificates import numbering
    from jiliang.certificates.models import Certificate, CertificateCounter
    from jiliang.platform.db import read_session

    institution_id, credit = _institution()
    code = numbering.institution_code(credit)
    year = YEAR + len(failing)
    _cleanup(institution_id, year)
    barrier = threading.Barrier(20)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait()
        try:
            n = _allocate_and_insert(institution_id, code, year, fail=i in failing)
            with lock:
                numbers.append(n)
        except RuntimeError as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert len(errors) == len(failing)
        assert len(numbers) == 20 - len(failing)
        assert len(set(numbers)) == len(numbers)
        expected = [numbering.format_number(code, year, n) for n in range(1, len(numbers) + 1)]
        assert sorted(numbers) == expected  # consecutive from 1: no gap left by the failed ones
        with read_session() as s:
            stored = s.scalars(
                select(Certificate.serial)
                .where(Certificate.institution_id == institution_id, Certificate.year == year)
                .order_by(Certificate.serial)
            ).all()
            counter = s.get(CertificateCounter, (institution_id, year))
        assert list(stored) == list(range(1, len(numbers) + 1))
        assert counter is not None and counter.last_serial == len(numbers)
    finally:
        _cleanup(institution_id, year)


def test_number_format_and_institution_code() -> None:
    from jiliang.certificates import numbering
    from jiliang.platform.errors import DomainError

    # GB 32100: positions 9-17 are the organisation code
    assert numbering.institution_code("12330000470003257X") == "47000325" + "7"
    assert numbering.format_number("470003257", 2026, 42) == "470003257-2026-000042"
    with pytest.raises(DomainError):
        numbering.institution_code("1234")
