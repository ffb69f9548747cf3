"""Issue 6 acceptance: 20 concurrent issuances give 20 unique, gapless numbers — through the real issuing
service (approved records, content, signed and schema-validated DCC, register update, audit), with some
issuances failing after their number was allocated. Runs on the session database (SQLite by default,
PostgreSQL with JILIANG_DATABASE_URL; ``make test`` runs both).

The PDF renderer is replaced by a stub here: it takes seconds per certificate under WeasyPrint, and the
numbering does not depend on it (the other tests render real PDFs).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from tests.certificates.conftest import World

pytestmark = pytest.mark.slow


def test_twenty_concurrent_real_issuances(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from jiliang.certificates import numbering, service
    from jiliang.certificates.models import Certificate
    from jiliang.instruments import tallies
    from jiliang.platform.db import read_session

    records = [world.scale_record()[0] for _ in range(20)]
    failing = set(records[3::5])  # 4 of them fail after their number was allocated
    monkeypatch.setattr(
        service._DCC,
        "certificate_pdf",
        lambda content, **kw: b"%PDF-1.7 stub " + content.number.encode(),
        raising=False,
    )
    real_render = service.render_artefacts

    def render(session, content, institution_id):  # type: ignore[no-untyped-def]
        art = real_render(session, content, institution_id)
        if getattr(current, "record_id", None) in failing:
            raise service.InvalidCertificate("injected failure after numbering", field="dcc")
        return art

    current = threading.local()  # the record being issued by this thread
    lock = threading.Lock()
    original_content = service._content_from_record

    def content_from_record(session, approved, **kw):  # type: ignore[no-untyped-def]
        current.record_id = approved.record_id
        return original_content(session, approved, **kw)

    monkeypatch.setattr(service, "render_artefacts", render)
    monkeypatch.setattr(service, "_content_from_record", content_from_record)
    year = dt.datetime.now(dt.UTC).year
    with read_session() as s:
        start = numbering.last_serial(s, world.staff.institution_id, year)
    barrier = threading.Barrier(len(records))
    issued: dict[int, str] = {}
    failed: list[int] = []

    def worker(rid: int) -> None:
        barrier.wait()
        try:
            cert = service.issue_certificate(principal=world.staff.approver, record_id=rid)
            with lock:
                issued[rid] = cert.number
        except service.InvalidCertificate:
            with lock:
                failed.append(rid)

    threads = [threading.Thread(target=worker, args=(rid,)) for rid in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sorted(failed) == sorted(failing)
    assert len(issued) == 16 and len(set(issued.values())) == 16
    code = next(iter(issued.values()))[:9]
    expected = [numbering.format_number(code, year, n) for n in range(start + 1, start + 17)]
    assert sorted(issued.values()) == expected  # consecutive, no gap left by the 4 failures
    with read_session() as s:
        assert numbering.last_serial(s, world.staff.institution_id, year) == start + 16
        rows = s.scalars(select(Certificate).where(Certificate.record_id.in_(records))).all()
        assert {r.record_id: r.number for r in rows} == issued
        assert tallies.check(s) == []
