"""Demo certificates, made through the real services: work orders received, readings recorded, records
signed by a verifier, a checker and an approver (three people), certificates issued and one corrected.

``seed`` adds to the base demo: a passed verification of a scale (检定证书), a failed one (检定结果通知书,
the scale is suspended and its owner notified), a calibration of a pressure gauge (校准证书) and a
certificate superseded by a corrected revision. The helpers (:func:`ensure_staff`, :func:`ensure_standard`,
:func:`approved_record`) are used by the tests of the certificates area too.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from jiliang.platform.access import SYSTEM, Principal

STAFF_PASSWORD = "jiliang-demo-2026"
SCALE_PROCEDURE = "JJG539-2016"
GAUGE_PROCEDURE = "JJG52-2013"
SCALE_PARAMS: dict[str, Any] = {"accuracy_class": "III", "max_capacity": 30, "e": 10}
GAUGE_PARAMS: dict[str, Any] = {
    "accuracy_class": "1.6",
    "pressure_unit": "MPa",
    "range_lower": 0,
    "range_upper": 1.6,
    "numbered_graduations": [0, 0.4, 0.8, 1.2, 1.6],
}


@dataclass(frozen=True)
class Staff:
    institution_id: int
    verifier: Principal
    checker: Principal
    approver: Principal
    password: str


def _principal(username: str) -> Principal:
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    with read_session() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return principal_from_user(user)


def ensure_staff(institution_id: int, prefix: str = "cert", password: str = STAFF_PASSWORD) -> Staff:
    """Three staff of the institution, one duty each (a record needs three different signers)."""
    from jiliang.platform import accounts
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    people = {
        "verifier": (f"{prefix}_verifier", "张伟"),
        "checker": (f"{prefix}_checker", "李娜"),
        "approver": (f"{prefix}_approver", "王强"),
    }
    from jiliang.organisations.models import Organisation

    with read_session() as s:
        org = s.get(Organisation, institution_id)
        assert org is not None
        region = org.region_code
    out = {}
    for duty, (username, name) in people.items():
        with read_session() as s:
            exists = s.scalar(select(User.id).where(User.username == username))
        if not exists:
            accounts.create_user(
                actor=SYSTEM,
                username=username,
                password=password,
                role="institution",
                display_name=name,
                region_code=region,
                organisation_id=institution_id,
                duties=(duty,),
            )
        out[duty] = _principal(username)
    return Staff(institution_id=institution_id, password=password, **out)


def ensure_standard(
    staff: Staff,
    *,
    identifier: str,
    name: str,
    quantity: str,
    today: dt.date,
    accuracy: str = "F1",
    measuring_range: str = "",
) -> int:
    """A measurement standard of the institution with a certificate valid over ``today``.

    ``quantity`` is a quantity code (``mass``, ``pressure``; the pages translate it), ``accuracy`` the class
    or uncertainty of the standard (``F1`` for weights, ``0.05 级`` for a precision pressure gauge).
    """
    from jiliang.platform.db import read_session
    from jiliang.verification import service as vs
    from jiliang.verification.models import MeasurementStandard
    from jiliang.verification.schemas import StandardCertificateCreate, StandardCreate

    with read_session() as s:
        found = s.scalar(
            select(MeasurementStandard.id).where(
                MeasurementStandard.institution_id == staff.institution_id,
                MeasurementStandard.identifier == identifier,
            )
        )
    if found:
        return int(found)
    std = vs.create_standard(
        principal=staff.approver,
        data=StandardCreate(
            name=name,
            identifier=identifier,
            quantity=quantity,
            measuring_range=measuring_range,
            uncertainty_or_class=accuracy,
            maker="示例计量器具厂",
            model="STD-1",
        ),
    )
    vs.add_standard_certificate(
        principal=staff.approver,
        standard_id=std.id,
        data=StandardCertificateCreate(
            certificate_no=f"{identifier}-CAL",
            issuing_lab="中国计量科学研究院（示例）",
            calibrated_on=today - dt.timedelta(days=120),
            valid_until=today + dt.timedelta(days=245),
        ),
    )
    return int(std.id)


def readings_document(
    procedure: str,
    params: dict[str, Any],
    *,
    offset: float = 0.0,
    stage: str = "subsequent",
    unit_uncertainty: str = "kg",
) -> dict[str, Any]:
    """A filled data-entry form: every test point read at its nominal value plus ``offset``."""
    from jiliang.core.verification.evaluation import form_document

    form = form_document(procedure, stage=stage, instrument=params)
    points = []
    for p in form["points"]:
        nominal = float(p["nominal"])
        row: dict[str, Any] = {
            "point": p["id"],
            "readings": [round(nominal + offset, 6)] * int(p["repeats"]),
            "unit": p["unit"],
        }
        if p.get("reference_required"):
            row["reference"] = [nominal] * int(p["repeats"])
        points.append(row)
    return {
        "procedure": procedure,
        "stage": stage,
        "instrument": dict(params),
        "environment": {"temperature": {"value": 20.5, "unit": "°C"}},
        "points": points,
        "standards": [
            {"standard_uncertainty": 0.0005 if unit_uncertainty == "kg" else 0.001, "unit": unit_uncertainty}
        ],
    }


def approved_record(
    staff: Staff,
    *,
    standard_id: int,
    performed_on: dt.date,
    instrument_id: int | None = None,
    kind: str = "verification",
    procedure: str = SCALE_PROCEDURE,
    params: dict[str, Any] | None = None,
    offset: float = 0.0,
    customer_id: int | None = None,
    instrument_name: str = "",
    serial_number: str = "",
) -> int:
    """Receive → assign → record → sign as verifier, checker, approver. Returns the approved record's id."""
    from jiliang.verification import service as vs
    from jiliang.verification.schemas import AssignIn, RecordInput, SignIn, WorkOrderCreate

    params = dict(params if params is not None else SCALE_PARAMS)
    wo = vs.create_work_order(
        principal=staff.approver,
        data=WorkOrderCreate(
            kind=kind,
            instrument_id=instrument_id,
            customer_id=customer_id,
            procedure_code=procedure,
            stage="subsequent",
            received_on=performed_on - dt.timedelta(days=1),
            instrument_params=params,
            instrument_name=instrument_name,
            serial_number=serial_number,
        ),
    )
    vs.assign_work_order(
        principal=staff.approver, work_order_id=wo.id, data=AssignIn(assignee=staff.verifier.username)
    )
    unit = "MPa" if procedure == GAUGE_PROCEDURE else "kg"
    rec = vs.save_record(
        principal=staff.verifier,
        work_order_id=wo.id,
        data=RecordInput(
            performed_on=performed_on,
            document=readings_document(procedure, params, offset=offset, unit_uncertainty=unit),
            standard_ids=[standard_id],
        ),
    )
    for meaning, who in (
        ("verifier", staff.verifier),
        ("checker", staff.checker),
        ("approver", staff.approver),
    ):
        vs.sign_record(principal=who, record_id=rec.id, data=SignIn(meaning=meaning, password=staff.password))
    return int(rec.id)


def pick_instrument(
    catalogue_code: str,
    *,
    owner_id: int | None = None,
    region_prefix: str = "33",
    before: dt.date,
    skip: set[int] | None = None,
) -> int:
    """An in-use instrument of the item last verified before ``before`` (so a new verification follows it)."""
    from jiliang.instruments.models import Instrument
    from jiliang.platform.db import read_session

    stmt = select(Instrument.id).where(
        Instrument.catalogue_code == catalogue_code,
        Instrument.status == "in_use",
        Instrument.region_code.like(region_prefix + "%"),
        (Instrument.last_verified_on.is_(None)) | (Instrument.last_verified_on < before),
    )
    if owner_id is not None:
        stmt = stmt.where(Instrument.owner_id == owner_id)
    if skip:
        stmt = stmt.where(Instrument.id.not_in(skip))
    with read_session() as s:
        found = s.scalar(stmt.order_by(Instrument.id).limit(1))
    if found is None:
        raise LookupError(f"no in-use instrument of item {catalogue_code} to verify")
    return int(found)


def provincial_institution() -> int:
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    with read_session() as s:
        org = s.scalar(select(User.organisation_id).where(User.username == "institution"))
    assert org is not None
    return int(org)


def seed(*, rng: random.Random, today: dt.date) -> dict[str, Any]:
    """Issued certificates for the demo (see the module docstring). Returns their numbers.

    ``rng`` is unused: the demo certificates are the same whatever the seed (one of each kind)."""
    from jiliang.certificates import service
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    performed = min(today, dt.date.today()) - dt.timedelta(days=2)
    try:  # a tiny demo (tests) may lack the scales and gauges the demo certificates are issued for
        for item, wanted in (("0201", 3), ("1401", 1)):
            taken: set[int] = set()
            for _ in range(wanted):
                taken.add(pick_instrument(item, before=performed, skip=taken))
    except LookupError as exc:
        return {"skipped": str(exc)}
    institution_id = provincial_institution()
    staff = ensure_staff(institution_id)
    weights = ensure_standard(
        staff,
        identifier="DEMO-F1-WEIGHTS",
        name="F1 等级标准砝码组",
        quantity="mass",
        today=performed,
        accuracy="F1",
        measuring_range="1 mg – 20 kg",
    )
    gauge_std = ensure_standard(
        staff,
        identifier="DEMO-PRESSURE-0.05",
        name="0.05 级精密压力表",
        quantity="pressure",
        today=performed,
        accuracy="0.05 级",
        measuring_range="0 – 2.5 MPa",
    )
    with read_session() as s:
        enterprise = s.scalar(select(User.organisation_id).where(User.username == "enterprise"))
    used: set[int] = set()
    out: dict[str, Any] = {}

    def scale(owner: int | None, offset: float) -> int:
        try:
            iid = pick_instrument("0201", owner_id=owner, before=performed, skip=used)
        except LookupError:  # the demo enterprise has no (more) scales: any owner's scale will do
            iid = pick_instrument("0201", before=performed, skip=used)
        used.add(iid)
        return approved_record(
            staff, standard_id=weights, performed_on=performed, instrument_id=iid, offset=offset
        )

    passed = service.issue_certificate(principal=staff.approver, record_id=scale(enterprise, 0.0))
    out["passed"] = passed.number
    failed = service.issue_certificate(principal=staff.approver, record_id=scale(None, -0.03))
    out["failed"] = failed.number
    gauge = pick_instrument("1401", before=performed, skip=used)
    used.add(gauge)
    calibration = service.issue_certificate(
        principal=staff.approver,
        record_id=approved_record(
            staff,
            standard_id=gauge_std,
            performed_on=performed,
            instrument_id=gauge,
            kind="calibration",
            procedure=GAUGE_PROCEDURE,
            params=GAUGE_PARAMS,
        ),
    )
    out["calibration"] = calibration.number
    original = service.issue_certificate(principal=staff.approver, record_id=scale(enterprise, 0.0))
    corrected = service.correct_certificate(
        principal=staff.approver,
        number=original.number,
        reason="更正证书上的型号规格（原证书笔误）",
    )
    out["superseded"] = original.number
    out["superseded_revision"] = corrected.revision
    return out
