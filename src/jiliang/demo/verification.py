"""Demo seed: the provincial institute's measurement standards and verification work in every state.

Through :mod:`jiliang.verification.service` only: a checker and an approver join the demo ``institution`` user
(who records as verifier); seven measurement standards (one with an expired certificate, one suspended); about a
dozen work orders from the register — received, assigned, in progress, recorded, checked, approved (ready for a
certificate), one sent back and corrected, one failing. Readings are generated from each procedure's form
(``jiliang.core.verification.form_document``) around the nominal values, errors within a fraction of the MPE
(or beyond it for the failing one); the verdicts come from ``evaluate_document``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select

from jiliang.instruments.models import Instrument
from jiliang.organisations.models import Authorisation, Organisation
from jiliang.platform import accounts
from jiliang.platform.access import SYSTEM, Principal
from jiliang.platform.db import read_session
from jiliang.platform.models import User
from jiliang.platform.web import principal_from_user
from jiliang.verification import service
from jiliang.verification.schemas import (
    AssignIn,
    CorrectionInput,
    RecordInput,
    RejectIn,
    SignIn,
    StandardCertificateCreate,
    StandardCreate,
    StandardStatusChange,
    WorkOrderCreate,
)

DEMO_PASSWORD = "jiliang-demo-2026"

#: instrument parameters per procedure for the demo (typical instruments of each kind)
SAMPLE_PARAMETERS: dict[str, dict[str, Any]] = {
    "JJG539-2016": {"accuracy_class": "III", "max_capacity": 15, "e": 5},
    "JJG52-2013": {
        "accuracy_class": "1.6",
        "pressure_unit": "MPa",
        "range_lower": 0,
        "range_upper": 1.6,
        "numbered_graduations": [0, 0.4, 0.8, 1.2, 1.6],
    },
    "JJG162-2019": {"accuracy_class": "2", "q3": 2.5, "ratio_r": 100},
    "JJG443-2023": {"max_flow_rate": 60, "low_flow_rate": 6},
    "JJG517-2016": {"test_distances": [1, 2, 3]},
}

STANDARDS: list[dict[str, Any]] = [
    {
        "name": "F1等级标准砝码组",
        "identifier": "ZJ-M-F1-2019-01",
        "quantity": "质量",
        "measuring_range": "1 mg – 20 kg",
        "uncertainty_or_class": "F1",
        "maker": "上海衡器厂(示例)",
    },
    {
        "name": "M1等级标准砝码组",
        "identifier": "ZJ-M-M1-2015-03",
        "quantity": "质量",
        "measuring_range": "1 g – 20 kg",
        "uncertainty_or_class": "M1",
        "maker": "上海衡器厂(示例)",
        "expired": True,
    },
    {
        "name": "0.25级精密压力表",
        "identifier": "ZJ-P-025-2021-07",
        "quantity": "压力",
        "measuring_range": "0 – 2.5 MPa",
        "uncertainty_or_class": "0.25级",
        "maker": "西安仪表厂(示例)",
    },
    {
        "name": "二等标准金属量器",
        "identifier": "ZJ-V-II-20L-02",
        "quantity": "容量",
        "measuring_range": "20 L",
        "uncertainty_or_class": "MPE ±0.025 %",
        "maker": "杭州量器厂(示例)",
    },
    {
        "name": "水表检定装置(称重法)",
        "identifier": "ZJ-W-BENCH-2020-01",
        "quantity": "容量",
        "measuring_range": "DN15 – DN50",
        "uncertainty_or_class": "U = 0.2 %, k = 2",
        "maker": "宁波水表(示例)",
    },
    {
        "name": "出租汽车计价器检定装置",
        "identifier": "ZJ-T-ROLLER-2018-05",
        "quantity": "长度(里程)",
        "measuring_range": "50 – 1500 r/min",
        "uncertainty_or_class": "MPE ±0.1 %",
        "maker": "苏州仪器(示例)",
    },
    {
        "name": "0.05级三相标准电能表",
        "identifier": "ZJ-E-005-2017-02",
        "quantity": "电能",
        "measuring_range": "3×(57.7–380) V, 0.01–100 A",
        "uncertainty_or_class": "0.05级",
        "maker": "深圳仪表(示例)",
        "suspended": True,
    },
]

# which standard serves which procedure (by identifier)
STANDARD_FOR = {
    "JJG539-2016": "ZJ-M-F1-2019-01",
    "JJG52-2013": "ZJ-P-025-2021-07",
    "JJG443-2023": "ZJ-V-II-20L-02",
    "JJG162-2019": "ZJ-W-BENCH-2020-01",
    "JJG517-2016": "ZJ-T-ROLLER-2018-05",
}


def _user(username: str) -> Principal:
    with read_session() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, username
        return principal_from_user(user)


def _ensure_user(username: str, display: str, org_id: int, region: str, duties: tuple[str, ...]) -> Principal:
    with read_session() as s:
        exists = s.scalar(select(User.id).where(User.username == username))
    if not exists:
        accounts.create_user(
            actor=SYSTEM,
            username=username,
            password=DEMO_PASSWORD,
            role="institution",
            display_name=display,
            region_code=region,
            organisation_id=org_id,
            duties=duties,
        )
    return _user(username)


def sample_document(
    form: dict[str, Any], rng: random.Random, *, fail: bool = False, standard_u: bool = True
) -> dict[str, Any]:
    """Readings around the nominal values: errors within 30 % of the MPE (or 1.6 MPE at one point if ``fail``)."""
    relative = form["error_model"] == "relative"
    env = {}
    for e in form["environment"]:
        if not e["required"]:
            continue
        lo, hi = e["min"], e["max"]
        lo = lo if lo is not None else (hi - 10 if hi is not None else 0)
        hi = hi if hi is not None else lo + 10
        env[e["name"]] = {"value": round((lo + hi) / 2, 1), "unit": e["unit"]}
    points = []
    smallest_half = None
    for i, p in enumerate(form["points"]):
        mpe = p["mpe"]
        lower, upper = (mpe.get("lower"), mpe.get("upper")) if mpe.get("available") else (None, None)
        if lower is None or upper is None:
            centre, half = 0.0, 0.0
        else:
            centre, half = (lower + upper) / 2, (upper - lower) / 2
            smallest_half = half if smallest_half is None else min(smallest_half, half)
        n = int(p["repeats"])
        ref = 20.0 if p["reference_required"] else float(p["nominal"])
        # one error per point (repeated readings agree, so repeatability and hysteresis checks pass)
        err = centre + (
            1.6 * half if (fail and i == len(form["points"]) // 2) else rng.uniform(-0.25, 0.25) * half
        )
        value = ref * (1 + err / 100) if relative else ref + err
        readings = [round(value, 6)] * n
        row: dict[str, Any] = {"point": p["id"], "readings": readings, "unit": p["unit"]}
        if p["reference_required"]:
            row["reference"] = [ref]
        points.append(row)
    doc: dict[str, Any] = {
        "procedure": form["procedure"],
        "stage": form["stage"],
        "instrument": {k["name"]: k["value"] for k in form["parameters"] if k["value"] is not None},
        "environment": env,
        "points": points,
    }
    if standard_u and smallest_half:
        unit = "%" if relative else form["points"][0]["unit"]
        doc["standards"] = [{"standard_uncertainty": round(smallest_half / 12, 8), "unit": unit}]
    return doc


def _authorised_instruments(s: Any, institution_id: int, today: dt.date) -> dict[str, list[Instrument]]:
    out: dict[str, list[Instrument]] = {}
    for code, _params in SAMPLE_PARAMETERS.items():
        proc = service._core().get_procedure(code)
        for cat in proc.catalogue_codes:
            auth = s.scalars(
                select(Authorisation).where(
                    Authorisation.institution_id == institution_id,
                    Authorisation.catalogue_code == cat,
                    Authorisation.valid_until >= today,
                )
            ).first()
            if auth is None:
                continue
            rows = s.scalars(
                select(Instrument)
                .where(
                    Instrument.catalogue_code == cat,
                    Instrument.status == "in_use",
                    Instrument.region_code >= auth.region_code[:2],
                    Instrument.region_code < auth.region_code[:2] + "\uffff",
                )
                .order_by(Instrument.id)
                .limit(6)
            ).all()
            if rows:
                out.setdefault(code, []).extend(rows)
    return out


def seed(*, rng: random.Random, today: dt.date) -> dict[str, Any]:
    """Standards and work of the provincial institute (the demo ``institution`` user's organisation)."""
    verifier = _user("institution")
    assert verifier.organisation_id is not None
    with read_session() as s:
        inst = s.get(Organisation, verifier.organisation_id)
        assert inst is not None
        region = inst.region_code
        candidates = _authorised_instruments(s, inst.id, today)
    checker = _ensure_user("verif_checker", "省计量院 核验员 李敏", inst.id, region, ("checker",))
    approver = _ensure_user("verif_approver", "省计量院 批准人 赵强", inst.id, region, ("approver",))
    # --- measurement standards
    std_ids: dict[str, int] = {}
    for spec in STANDARDS:
        data = StandardCreate(**{k: v for k, v in spec.items() if k not in ("expired", "suspended")})
        std = service.create_standard(principal=verifier, data=data)
        std_ids[spec["identifier"]] = std.id
        calibrated = today - dt.timedelta(days=rng.randint(30, 200))
        if spec.get("expired"):
            calibrated = today - dt.timedelta(days=500)
        # the previous certificate (history), then the current one
        service.add_standard_certificate(
            principal=verifier,
            standard_id=std.id,
            data=StandardCertificateCreate(
                certificate_no=f"国计{calibrated.year - 1}-{rng.randint(10000, 99999)}",
                issuing_lab="中国计量科学研究院(示例)",
                calibrated_on=calibrated - dt.timedelta(days=365),
                valid_until=calibrated - dt.timedelta(days=1),
            ),
        )
        service.add_standard_certificate(
            principal=verifier,
            standard_id=std.id,
            data=StandardCertificateCreate(
                certificate_no=f"国计{calibrated.year}-{rng.randint(10000, 99999)}",
                issuing_lab="中国计量科学研究院(示例)",
                calibrated_on=calibrated,
                valid_until=calibrated + dt.timedelta(days=364),
            ),
        )
        if spec.get("suspended"):
            service.set_standard_status(
                principal=verifier,
                standard_id=std.id,
                data=StandardStatusChange(status="suspended", reason="期间核查发现示值超差，停用待修"),
            )
    # --- work orders in several states
    states = [
        "received",
        "assigned",
        "draft",
        "recorded",
        "checked",
        "approved",
        "approved",
        "rejected",
        "fail",
    ]
    counts: dict[str, int] = {}
    errors: list[str] = []
    codes = sorted(candidates)
    used: set[int] = set()
    plan: list[tuple[str, str, Instrument]] = []
    for n, state in enumerate(states * 2):
        code = "JJG539-2016" if state == "fail" and "JJG539-2016" in candidates else codes[n % len(codes)]
        free = [i for i in candidates[code] if i.id not in used]
        if free:
            used.add(free[0].id)
            plan.append((state, code, free[0]))
    for state, code, instrument in plan:
        try:
            _one(state, code, instrument, verifier, checker, approver, std_ids, rng, today)
        except Exception as exc:  # noqa: BLE001 - a demo never stops on one awkward instrument
            errors.append(f"{code} {state}: {exc}")
            continue
        counts[state] = counts.get(state, 0) + 1
    return {"standards": len(std_ids), "work_orders": counts, "skipped": errors}


def _one(
    state: str,
    code: str,
    instrument: Instrument,
    verifier: Principal,
    checker: Principal,
    approver: Principal,
    std_ids: dict[str, int],
    rng: random.Random,
    today: dt.date,
) -> None:
    received = today - dt.timedelta(days=rng.randint(3, 20))
    wo = service.create_work_order(
        principal=verifier,
        data=WorkOrderCreate(
            kind="verification",
            instrument_id=instrument.id,
            stage="subsequent",
            received_on=received,
            due_by=received + dt.timedelta(days=10),
            instrument_params=SAMPLE_PARAMETERS[code],
        ),
    )
    if state == "received":
        return
    service.assign_work_order(
        principal=verifier, work_order_id=wo.id, data=AssignIn(assignee=verifier.username)
    )
    if state == "assigned":
        return
    form = service.make_form(wo.procedure_code, wo.stage, SAMPLE_PARAMETERS[code])
    doc = sample_document(form, rng, fail=state == "fail")
    std = std_ids.get(STANDARD_FOR.get(code, ""), std_ids["ZJ-M-F1-2019-01"])
    performed = min(today, received + dt.timedelta(days=rng.randint(0, 2)))
    data = RecordInput(performed_on=performed, document=doc, standard_ids=[std])
    rec = service.save_record(principal=verifier, work_order_id=wo.id, data=data)
    if state == "draft":
        return
    service.sign_record(
        principal=verifier, record_id=rec.id, data=SignIn(meaning="verifier", password=DEMO_PASSWORD)
    )
    if state == "recorded":
        return
    if state == "rejected":
        service.reject_record(
            principal=checker,
            record_id=rec.id,
            data=RejectIn(meaning="checker", password=DEMO_PASSWORD, reason="环境温度记录有误，请核对后更正"),
        )
        doc2 = sample_document(form, rng)
        rec = service.correct_record(
            principal=verifier,
            record_id=rec.id,
            data=CorrectionInput(
                performed_on=performed, document=doc2, standard_ids=[std], reason="更正环境温度记录并重新读数"
            ),
        )
        service.sign_record(
            principal=verifier, record_id=rec.id, data=SignIn(meaning="verifier", password=DEMO_PASSWORD)
        )
        return
    service.sign_record(
        principal=checker, record_id=rec.id, data=SignIn(meaning="checker", password=DEMO_PASSWORD)
    )
    if state == "checked":
        return
    service.sign_record(
        principal=approver, record_id=rec.id, data=SignIn(meaning="approver", password=DEMO_PASSWORD)
    )
