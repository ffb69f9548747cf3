"""Issue 6, parts 4 and 7: issuing certificates from approved records, the register update, corrections.

Every certificate here is made through the services: a work order received, readings recorded and
evaluated by ``jiliang.core.verification`` (JJG 539-2016 scales, JJG 52-2013 pressure gauges), the record
signed by verifier, checker and approver, then issued. Checked: the document kind follows the record
(pass → 检定证书, fail → 检定结果通知书, calibration → 校准证书); the DCC validates against the DCC
v3.3.0 schema and its signature verifies against the platform root; altering a signed byte is detected;
the register rolls the due date forward by the catalogue rule, suspends a failed instrument and notifies
its owner; a correction supersedes and stays retrievable; every refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select

from tests.certificates.conftest import World, count


def _xml(cert):  # type: ignore[no-untyped-def]
    from jiliang.certificates import service
    from jiliang.platform.access import SYSTEM

    return service.artefact(principal=SYSTEM, number=cert.number, what="dcc", revision=cert.revision).data


def _state() -> tuple[int, ...]:
    return (
        count("SELECT count(*) FROM certificates"),
        count("SELECT coalesce(sum(last_serial), 0) FROM certificate_counters"),
        count("SELECT count(*) FROM verification_events"),
        count("SELECT count(*) FROM audit_log"),
    )


def test_kinds_numbers_and_register(world: World) -> None:
    from jiliang.certificates import numbering
    from jiliang.instruments.models import CatalogueItem, Instrument, RecallNotice, VerificationEvent
    from jiliang.instruments.service import due_date
    from jiliang.platform.db import read_session
    from jiliang.verification.models import WorkOrder

    passed, failed, cal = world.certs["passed"], world.certs["failed"], world.certs["calibration"]
    assert (passed.kind, failed.kind, cal.kind) == (
        "verification_certificate",
        "verification_result_notice",
        "calibration_certificate",
    )
    assert (passed.conformity, failed.conformity, cal.conformity) == ("pass", "fail", "")
    for c in (passed, failed, cal):
        assert re.fullmatch(r"[0-9A-Z]{9}-\d{4}-\d{6}", c.number)
        assert c.number == numbering.format_number(c.number[:9], c.year, c.serial)
        assert c.revision == 0 and c.status == "issued"
    with read_session() as s:
        inst = s.get(Instrument, passed.instrument_id)
        item = s.get(CatalogueItem, inst.catalogue_code)
        assert inst.last_verified_on == world.performed and inst.last_result == "pass"
        assert inst.status == "in_use"
        # the due date rolls forward by the catalogue rule; the certificate states the same date
        assert (
            inst.next_due_on == due_date(item, inst.first_verified_on, world.performed) == passed.valid_until
        )
        event = s.scalar(select(VerificationEvent).where(VerificationEvent.certificate_no == passed.number))
        assert event is not None and event.result == "pass" and event.instrument_id == inst.id
        wo = s.get(WorkOrder, passed.work_order_id)
        assert wo.status == "certificate_issued" and wo.certificate_id == passed.id
        # the failed instrument is unfit for use and its owner has a notice
        bad = s.get(Instrument, failed.instrument_id)
        assert bad.status == "suspended" and bad.last_result == "fail"
        notice = s.scalar(
            select(RecallNotice).where(
                RecallNotice.instrument_id == bad.id, RecallNotice.kind == "failed_verification"
            )
        )
        assert notice is not None and notice.owner_id == bad.owner_id and notice.status == "open"
        # a calibration does not touch the mandatory-verification register
        gauge = s.get(Instrument, cal.instrument_id)
        assert gauge.last_verified_on != world.performed
        assert (
            s.scalar(select(VerificationEvent).where(VerificationEvent.certificate_no == cal.number)) is None
        )


def test_tallies_stay_consistent(world: World) -> None:
    from jiliang.instruments import tallies
    from jiliang.platform.db import read_session

    with read_session() as s:
        assert tallies.check(s) == []


def test_dcc_valid_signed_and_hashes(world: World) -> None:
    from jiliang.certificates import service
    from jiliang.dcc.content import CertificateContent
    from jiliang.dcc.schema import validate

    for key in ("passed", "failed", "calibration", "corrected"):
        cert = world.certs[key]
        xml = _xml(cert)
        assert validate(xml) == [], key
        assert hashlib.sha256(xml).hexdigest() == cert.dcc_sha256
        status = service.check_signature(xml)
        assert status.valid and status.status == "valid", (key, status)
        content = CertificateContent.from_dict(cert.content)
        assert content.kind == cert.kind and content.number == cert.number
        assert status.unique_identifier == content.unique_identifier


def test_altering_any_signed_byte_is_detected(world: World) -> None:
    from jiliang.certificates import service

    xml = _xml(world.certs["passed"])
    number = world.certs["passed"].number.encode()
    changed = xml.replace(number, number[:-1] + (b"9" if number[-1:] != b"9" else b"8"), 1)
    assert changed != xml
    assert service.check_signature(changed).status == "tampered"
    # a changed digit in a result
    m = re.search(rb"<si:value>([0-9.]+)</si:value>", xml)
    assert m
    value = m.group(1)
    flipped = xml.replace(b"<si:value>" + value + b"</si:value>", b"<si:value>" + value + b"1</si:value>", 1)
    assert service.check_signature(flipped).status == "tampered"


def test_pdf_stored_with_hash_and_marked_when_superseded(world: World) -> None:
    from jiliang.certificates import service
    from jiliang.platform.access import SYSTEM

    original = world.certs["original"]
    art = service.artefact(principal=SYSTEM, number=original.number, what="pdf", revision=0, marked=False)
    assert art.data.startswith(b"%PDF") and hashlib.sha256(art.data).hexdigest() == original.pdf_sha256
    marked = service.artefact(principal=SYSTEM, number=original.number, what="pdf", revision=0)
    assert marked.status == "superseded" and marked.data.startswith(b"%PDF") and marked.data != art.data
    current = service.artefact(principal=SYSTEM, number=original.number, what="pdf")
    assert current.revision == 1 and current.status == "issued"


def test_correction_supersedes_and_references(world: World) -> None:
    from jiliang.certificates import service
    from jiliang.platform.access import SYSTEM

    original, corrected = world.certs["original"], world.certs["corrected"]
    view = service.get_certificate(principal=SYSTEM, number=original.number)
    assert [c.revision for c in view.revisions] == [0, 1]
    assert [c.status for c in view.revisions] == ["superseded", "issued"]
    assert view.revisions[0].superseded_by_id == corrected.id
    assert corrected.supersedes_id == original.id and corrected.correction_reason == "更正型号规格"
    assert corrected.content["supersedes"]["number"] == original.number
    xml = _xml(corrected)
    assert b"reportAmendedSubstituted" in xml and original.number.encode() in xml
    # the old revision stays retrievable, byte for byte
    old = service.artefact(principal=SYSTEM, number=original.number, what="dcc", revision=0)
    assert hashlib.sha256(old.data).hexdigest() == original.dcc_sha256
    assert service.check_signature(old.data).valid


def test_refusals_write_nothing(world: World) -> None:
    from jiliang.certificates import service
    from jiliang.platform.access import SYSTEM
    from jiliang.platform.db import read_session
    from jiliang.platform.errors import Conflict, DomainError, Forbidden, NotFound
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    rid, _ = world.scale_record()
    with read_session() as s:
        enterprise = principal_from_user(s.scalar(select(User).where(User.username == "enterprise")))
        institution_all = principal_from_user(s.scalar(select(User).where(User.username == "institution")))
        regulator = principal_from_user(s.scalar(select(User).where(User.username == "regulator")))
    before = _state()
    cases = [
        (world.staff.verifier, Forbidden),  # staff without the duty approver
        (world.staff.checker, Forbidden),
        (world.other_staff.approver, Forbidden),  # an approver of another institution
        (enterprise, Forbidden),
        (regulator, Forbidden),
        (SYSTEM, Forbidden),  # administrators do not issue: only the institution's approver
    ]
    for principal, error in cases:
        with pytest.raises(error):
            service.issue_certificate(principal=principal, record_id=rid)
    for bad in (0, -1, 2**31, 999_999_999):
        with pytest.raises(NotFound):
            service.issue_certificate(principal=world.staff.approver, record_id=bad)
    # already issued
    with pytest.raises(Conflict):
        service.issue_certificate(principal=world.staff.approver, record_id=world.certs["passed"].record_id)
    assert _state() == before
    # the institution's all-duties demo user may issue its own institution's record
    cert = service.issue_certificate(principal=institution_all, record_id=rid)
    assert cert.kind == "verification_certificate"
    # a correction needs a reason and may not change the verdict; other staff may not correct
    before = _state()
    with pytest.raises(DomainError):
        service.correct_certificate(principal=world.staff.approver, number=cert.number, reason="  ")
    with pytest.raises(NotFound):  # not even visible to another institution
        service.correct_certificate(principal=world.other_staff.approver, number=cert.number, reason="x")
    with pytest.raises(Forbidden):
        service.correct_certificate(principal=world.staff.verifier, number=cert.number, reason="x")
    with pytest.raises(DomainError):
        service.correct_certificate(
            principal=world.staff.approver,
            number=cert.number,
            reason="x",
            record_id=world.certs["failed"].record_id,
        )
    with pytest.raises(NotFound):
        service.correct_certificate(principal=world.staff.approver, number="NOPE-2026-000001", reason="x")
    assert _state() == before


def test_unapproved_record_is_refused(world: World) -> None:
    from jiliang.certificates import service
    from jiliang.demo import certificates as demo
    from jiliang.platform.errors import Conflict
    from jiliang.verification import service as vs
    from jiliang.verification.schemas import AssignIn, RecordInput, WorkOrderCreate

    iid = demo.pick_instrument("0201", before=world.performed, skip=world.used)
    world.used.add(iid)
    wo = vs.create_work_order(
        principal=world.staff.approver,
        data=WorkOrderCreate(
            instrument_id=iid,
            stage="subsequent",
            received_on=world.performed,
            instrument_params=demo.SCALE_PARAMS,
        ),
    )
    vs.assign_work_order(
        principal=world.staff.approver,
        work_order_id=wo.id,
        data=AssignIn(assignee=world.staff.verifier.username),
    )
    rec = vs.save_record(
        principal=world.staff.verifier,
        work_order_id=wo.id,
        data=RecordInput(
            performed_on=world.performed,
            document=demo.readings_document(demo.SCALE_PROCEDURE, demo.SCALE_PARAMS),
            standard_ids=[world.weights],
        ),
    )
    before = _state()
    with pytest.raises(Conflict):
        service.issue_certificate(principal=world.staff.approver, record_id=rec.id)
    assert _state() == before


def test_failure_midway_rolls_back_number_and_register(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A DCC that does not validate is not issued: number, register, work order and audit untouched."""
    from jiliang.certificates import numbering, service
    from jiliang.instruments.models import Instrument
    from jiliang.platform.db import read_session
    from jiliang.verification.models import WorkOrder

    rid, iid = world.scale_record()
    with read_session() as s:
        inst_before = (s.get(Instrument, iid).last_verified_on, s.get(Instrument, iid).next_due_on)
        year = dt.datetime.now(dt.UTC).year
        serial_before = numbering.last_serial(s, world.staff.institution_id, year)
    before = _state()
    monkeypatch.setattr(service._DCC, "validate", lambda xml: ["element 'x': not expected"], raising=False)
    with pytest.raises(service.InvalidCertificate):
        service.issue_certificate(principal=world.staff.approver, record_id=rid)
    monkeypatch.undo()
    assert _state() == before
    with read_session() as s:
        assert numbering.last_serial(s, world.staff.institution_id, year) == serial_before
        inst = s.get(Instrument, iid)
        assert (inst.last_verified_on, inst.next_due_on) == inst_before
        wo = s.scalar(select(WorkOrder).where(WorkOrder.current_record_id == rid))
        assert wo.status == "approved" and wo.certificate_id is None
    # the next issuance takes the number the failed one gave back
    cert = service.issue_certificate(principal=world.staff.approver, record_id=rid)
    assert cert.serial == serial_before + 1


def test_visibility_of_certificates(world: World) -> None:
    from jiliang.certificates import service
    from jiliang.platform.access import PUBLIC
    from jiliang.platform.db import read_session
    from jiliang.platform.errors import Forbidden, NotFound
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    with read_session() as s:
        users = {u.username: principal_from_user(u) for u in s.scalars(select(User))}
    passed = world.certs["passed"]  # owner: the demo enterprise (Hangzhou)
    assert (
        service.get_certificate(principal=users["enterprise"], number=passed.number).current.id == passed.id
    )
    assert service.get_certificate(principal=users["regulator_hz"], number=passed.number)
    for who in ("enterprise_js", "regulator_js"):
        with pytest.raises(NotFound):
            service.get_certificate(principal=users[who], number=passed.number)
    with pytest.raises(NotFound):
        service.get_certificate(principal=world.other_staff.approver, number=passed.number)
    with pytest.raises(NotFound):
        service.get_certificate(principal=PUBLIC, number=passed.number)
    with pytest.raises(Forbidden):
        service.list_certificates(principal=PUBLIC)
    total, rows = service.list_certificates(principal=users["enterprise"], limit=500)
    assert rows and all(r.customer_id == users["enterprise"].organisation_id for r in rows)


def test_artefacts_are_rendered_before_the_write_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uncontended, the PDF and the signed DCC are rendered once, outside the write transaction (which
    would otherwise hold the counter's lock, or SQLite's write lock, while WeasyPrint lays out the PDF)."""
    from jiliang.certificates import service
    from jiliang.platform import db

    calls: list[bool] = []
    real = service.render_artefacts
    writing = {"now": False}
    real_write = db.write_session

    def tracking_write_session():  # type: ignore[no-untyped-def]
        from contextlib import contextmanager

        @contextmanager
        def cm():  # type: ignore[no-untyped-def]
            with real_write() as s:
                writing["now"] = True
                try:
                    yield s
                finally:
                    writing["now"] = False

        return cm()

    def render(session, content, institution_id):  # type: ignore[no-untyped-def]
        calls.append(writing["now"])
        return real(session, content, institution_id)

    monkeypatch.setattr(service, "render_artefacts", render)
    monkeypatch.setattr(service, "write_session", tracking_write_session)
    rid, _ = world.scale_record()
    cert = service.issue_certificate(principal=world.staff.approver, record_id=rid)
    assert calls == [False]
    assert service.check_signature(_xml(cert)).valid
