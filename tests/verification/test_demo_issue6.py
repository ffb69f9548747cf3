"""Issue 6: the verification demo seed (standards with an expired and a suspended one, work in many states)."""

from __future__ import annotations

from tests.platform.scope_issue2 import scalar


def test_demo_seed_builds_standards_and_work(vworld) -> None:  # type: ignore[no-untyped-def]
    summary = vworld["demo"]
    if summary is not None:  # seeded by the fixture (else by the demo build, checked from the tables below)
        assert summary["skipped"] == [], summary
        assert summary["standards"] == 7
    inst = vworld["institution_id"]
    assert (
        scalar(
            "SELECT count(*) FROM measurement_standards WHERE institution_id = :i AND identifier LIKE 'ZJ-%'",
            i=inst,
        )
        == 7
    )
    assert (
        scalar(
            "SELECT count(*) FROM measurement_standards WHERE identifier = 'ZJ-E-005-2017-02' AND status = 'suspended'"
        )
        == 1
    )
    # the M1 weights' certificates have all expired: history of two certificates kept
    assert (
        scalar(
            "SELECT count(*) FROM standard_certificates c JOIN measurement_standards s ON s.id = c.standard_id "
            "WHERE s.identifier = 'ZJ-M-M1-2015-03' AND c.valid_until < CURRENT_DATE"
        )
        == 2
    )
    statuses = {
        r: scalar("SELECT count(*) FROM work_orders WHERE institution_id = :i AND status = :s", i=inst, s=r)
        for r in ("received", "assigned", "in_progress", "recorded", "checked", "approved")
    }
    assert all(n >= 1 for n in statuses.values()), statuses
    assert (
        scalar("SELECT count(*) FROM verification_records WHERE verdict = 'fail' AND status = 'approved'")
        >= 1
    )
    assert (
        scalar("SELECT count(*) FROM verification_records WHERE revision = 2 AND supersedes_id IS NOT NULL")
        >= 1
    )
    assert scalar("SELECT count(*) FROM verification_records WHERE status = 'superseded'") >= 1
    assert scalar("SELECT count(*) FROM record_signatures WHERE meaning = 'approver'") >= 3
    # every demo record's signatures verify
    from sqlalchemy import select

    from jiliang.platform.db import read_session
    from jiliang.verification import service
    from jiliang.verification.models import VerificationRecord

    with read_session() as s:
        for rec in s.scalars(
            select(VerificationRecord).where(
                VerificationRecord.institution_id == inst, VerificationRecord.id <= vworld["max_record_id"]
            )
        ):
            assert service.verify_signatures(s, rec).valid, rec.id
