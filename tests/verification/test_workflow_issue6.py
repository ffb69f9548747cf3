"""Issue 6 (parts 2 and 3): measurement standards and the verification work through the API.

A scale (JJG 539-2016) from the register is received by the provincial institute, assigned to its verifier,
recorded against the procedure's form, signed by verifier, checker and approver (three people, passwords
re-entered), and handed to the certificates area. Every bad input of the issue that belongs here answers a
clear 4xx with row/field/reason and writes nothing (rows and audit entries counted before and after).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORD, auth
from tests.platform.scope_issue2 import scalar

TODAY = dt.date.today()
PARAMS = {"accuracy_class": "III", "max_capacity": 15, "e": 5}
TABLES = (
    "measurement_standards",
    "standard_certificates",
    "work_orders",
    "verification_records",
    "record_standards",
    "record_signatures",
    "instruments",
    "audit_log",
)


def counts() -> dict[str, int]:
    return {t: int(scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}


def token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/tokens", json={"username": username, "password": DEMO_PASSWORD, "name": "t"})
    assert r.status_code == 200, r.text
    return auth(r.json()["token"])


@pytest.fixture(scope="module")
def people(app, vworld) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        return {
            u: token(c, u)
            for u in (
                "institution",
                "verif_checker",
                "verif_approver",
                "verif_verifier2",
                "verif_nodutyclerk",
                "verif_js_staff",
                "enterprise",
                "enterprise_js",
                "regulator",
                "regulator_hz",
                "regulator_js",
                "admin",
            )
        }


def make_standard(
    c: TestClient, h: dict[str, str], identifier: str, *, valid_until: dt.date, calibrated_on: dt.date
) -> int:
    r = c.post(
        "/api/v1/verification/standards",
        headers=h,
        json={
            "name": "E2等级标准砝码组(测试)",
            "identifier": identifier,
            "quantity": "mass",
            "measuring_range": "1 mg – 20 kg",
            "uncertainty_or_class": "E2",
        },
    )
    assert r.status_code == 201, r.text
    sid = int(r.json()["id"])
    r = c.post(
        f"/api/v1/verification/standards/{sid}/certificates",
        headers=h,
        json={
            "certificate_no": f"CERT-{identifier}",
            "issuing_lab": "中国计量科学研究院",
            "calibrated_on": calibrated_on.isoformat(),
            "valid_until": valid_until.isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    return sid


@pytest.fixture(scope="module")
def setup(app, vworld, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Standards (valid, expired, suspended), an authorisation for scales and a scale of the register."""
    from jiliang.organisations import service as org_service
    from jiliang.organisations.schemas import AuthorisationCreate
    from jiliang.platform.access import SYSTEM

    inst_id = vworld["institution_id"]
    org_service.add_authorisation(
        principal=SYSTEM,
        institution_id=inst_id,
        data=AuthorisationCreate(
            catalogue_code="0201",
            region_code="330000",
            valid_until=TODAY + dt.timedelta(days=400),
            annual_capacity=1,
        ),
    )
    h = people["institution"]
    with TestClient(app) as c:
        good = make_standard(
            c,
            h,
            "T-GOOD",
            calibrated_on=TODAY - dt.timedelta(days=100),
            valid_until=TODAY + dt.timedelta(days=200),
        )
        expired = make_standard(
            c,
            h,
            "T-EXPIRED",
            calibrated_on=TODAY - dt.timedelta(days=500),
            valid_until=TODAY - dt.timedelta(days=135),
        )
        suspended = make_standard(
            c,
            h,
            "T-SUSP",
            calibrated_on=TODAY - dt.timedelta(days=10),
            valid_until=TODAY + dt.timedelta(days=300),
        )
        r = c.post(
            f"/api/v1/verification/standards/{suspended}/status",
            headers=h,
            json={"status": "suspended", "reason": "期间核查超差"},
        )
        assert r.status_code == 200 and r.json()["status"] == "suspended", r.text
    with_scales = []
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        taken = {
            r[0]
            for r in conn.execute(
                text("SELECT instrument_id FROM work_orders WHERE instrument_id IS NOT NULL")
            )
        }
        for row in conn.execute(
            text(
                "SELECT id, code, owner_id, region_code FROM instruments WHERE catalogue_code = '0201' "
                "AND status = 'in_use' AND region_code LIKE '33%' ORDER BY id"
            )
        ):
            if row[0] not in taken:
                with_scales.append(dict(row._mapping))
    assert len(with_scales) >= 6
    return {
        "good": good,
        "expired": expired,
        "suspended": suspended,
        "scales": with_scales,
        "inst_id": inst_id,
    }


_next_scale = iter(range(1000))


def receive(
    c: TestClient, people: dict[str, Any], setup: dict[str, Any], *, assign: str | None = "institution"
) -> dict[str, Any]:
    scale = setup["scales"][next(_next_scale)]
    h = people["institution"]
    r = c.post(
        "/api/v1/verification/work-orders",
        headers=h,
        json={
            "instrument_code": scale["code"],
            "kind": "verification",
            "stage": "subsequent",
            "received_on": TODAY.isoformat(),
            "instrument_params": PARAMS,
        },
    )
    assert r.status_code == 201, r.text
    wo = r.json()
    assert (
        wo["status"] == "received"
        and wo["procedure_code"] == "JJG539-2016"
        and wo["customer_id"] == scale["owner_id"]
    )
    if assign:
        r = c.post(
            f"/api/v1/verification/work-orders/{wo['id']}/assign", headers=h, json={"assignee": assign}
        )
        assert r.status_code == 200, r.text
        wo = r.json()
    return wo


def scale_document(c: TestClient, h: dict[str, str], wo_id: int, *, offset: float = 0.0) -> dict[str, Any]:
    r = c.get(f"/api/v1/verification/work-orders/{wo_id}/form", headers=h)
    assert r.status_code == 200, r.text
    form = r.json()["form"]
    ids = [p["id"] for p in form["points"]]
    assert ids[0] == "min" and "max" in ids and "rep_max" in ids, ids
    return {
        "procedure": "JJG539-2016",
        "stage": "subsequent",
        "instrument": PARAMS,
        "environment": {"temperature": {"value": 21.5, "unit": "°C"}},
        "points": [
            {"point": p["id"], "readings": [round(p["nominal"] + offset, 4)] * p["repeats"], "unit": "kg"}
            for p in form["points"]
        ],
        "standards": [{"standard_uncertainty": 0.0001, "unit": "kg"}],
    }


def save(c: TestClient, h: dict[str, str], wo_id: int, doc: dict[str, Any], standards: list[int]) -> Any:
    return c.post(
        f"/api/v1/verification/work-orders/{wo_id}/record",
        headers=h,
        json={"performed_on": TODAY.isoformat(), "document": doc, "standard_ids": standards},
    )


def sign(c: TestClient, h: dict[str, str], rid: int, meaning: str, password: str = DEMO_PASSWORD) -> Any:
    return c.post(
        f"/api/v1/verification/records/{rid}/signatures",
        headers=h,
        json={"meaning": meaning, "password": password},
    )


# ----------------------------------------------------------------------------------------------------
# the whole flow
# ----------------------------------------------------------------------------------------------------
def test_full_flow_receive_record_sign_approve(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.db import write_session
    from jiliang.verification import service

    with TestClient(app) as c:
        audit0 = scalar("SELECT count(*) FROM audit_log")
        wo = receive(c, people, setup)
        assert wo["status"] == "assigned" and wo["assigned_to"] == "institution"
        h = people["institution"]
        doc = scale_document(c, h, wo["id"], offset=0.001)
        r = save(c, h, wo["id"], doc, [setup["good"]])
        assert r.status_code == 201, r.text
        rec = r.json()
        assert rec["status"] == "draft" and rec["revision"] == 1 and not rec["locked"]
        assert rec["verdict"] == "pass"
        ev = rec["evaluation"]
        first = ev["points"][0]
        # JJG 539 / OIML R 76: class III, e = 5 g, a load of 0.1 kg (20 e) lies in 0..500 e: MPE ±0.5 e = ±2.5 g
        assert first["point"] == "min" and first["mpe"] == pytest.approx(0.0025)
        assert first["error"] == pytest.approx(0.001) and first["decision"] == "pass"
        assert first["clause"] and first["source_status"] in ("verified", "unverified", "unavailable")
        assert first["expanded_uncertainty"] > 0 and first["coverage_factor"] == 2.0
        assert len(rec["content_hash"]) == 64 and rec["signatures_valid"]
        assert rec["standards"][0]["certificate_no"] == "CERT-T-GOOD"
        wo_now = c.get(f"/api/v1/verification/work-orders/{wo['id']}", headers=h).json()
        assert wo_now["status"] == "in_progress" and wo_now["current_record_id"] == rec["id"]
        # the draft may still change (same revision)
        r = save(c, h, wo["id"], scale_document(c, h, wo["id"]), [setup["good"]])
        assert r.status_code == 201 and r.json()["id"] == rec["id"] and r.json()["revision"] == 1
        old_hash = rec["content_hash"]
        assert r.json()["content_hash"] != old_hash
        rid = rec["id"]
        # three signatures by three people
        r = sign(c, h, rid, "verifier")
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "signed" and body["locked"]
        assert (
            body["signatures"][0]["meaning"] == "verifier"
            and body["signatures"][0]["username"] == "institution"
        )
        assert body["signatures"][0]["content_hash"] == body["content_hash"] == body["computed_hash"]
        r = sign(c, people["verif_checker"], rid, "checker")
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "checked"
        r = sign(c, people["verif_approver"], rid, "approver")
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "approved" and [s["meaning"] for s in body["signatures"]] == [
            "verifier",
            "checker",
            "approver",
        ]
        assert body["signatures_valid"]
        assert c.get(f"/api/v1/verification/work-orders/{wo['id']}", headers=h).json()["status"] == "approved"
        # no more signatures
        assert sign(c, people["verif_approver"], rid, "approver").status_code == 409
    # the certificates area's view of it, and the status it sets
    with write_session() as s:
        ar = service.get_approved_record(s, rid)
        assert ar.verdict == "pass" and ar.kind == "verification" and ar.procedure_code == "JJG539-2016"
        assert [x["meaning"] for x in ar.signatures] == ["verifier", "checker", "approver"]
        assert ar.standards[0]["certificate_no"] == "CERT-T-GOOD" and ar.instrument["code"]
        assert ar.evaluation["points"][0]["mpe"] == pytest.approx(0.0025)
        service.mark_certificate_issued(s, rid, 424242, actor="certificates-test")
    assert scalar("SELECT status FROM work_orders WHERE id = :i", i=wo["id"]) == "certificate_issued"
    assert scalar("SELECT certificate_id FROM work_orders WHERE id = :i", i=wo["id"]) == 424242
    # every step is in the audit log
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        acts = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT action FROM audit_log WHERE id > :a AND object_type IN ('work_order', 'verification_record') ORDER BY id"
                ),
                {"a": audit0},
            )
        ]
    for needed in (
        "receive",
        "assign",
        "record",
        "sign:verifier",
        "sign:checker",
        "sign:approver",
        "status:certificate_issued",
    ):
        assert needed in acts, (needed, acts)


# ----------------------------------------------------------------------------------------------------
# bad input: a clear 4xx, nothing written
# ----------------------------------------------------------------------------------------------------
@pytest.fixture()
def open_order(app, people, setup) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        return receive(c, people, setup)


def _errors(r: Any) -> list[dict[str, Any]]:
    body = r.json()
    return list(body.get("errors") or body.get("details") or [])


def test_reading_outside_the_range_is_refused(app, people, setup, open_order) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    with TestClient(app) as c:
        doc = scale_document(c, h, open_order["id"])
        i = [p["point"] for p in doc["points"]].index("max")
        doc["points"][i]["readings"] = [40.0]  # Max is 15 kg
        before = counts()
        r = save(c, h, open_order["id"], doc, [setup["good"]])
        assert r.status_code == 422, r.text
        errs = _errors(r)
        assert any(
            e["row"] == i + 1
            and e["field"] == f"points[{i}].readings[0]"
            and "outside the measuring range" in e["reason"]
            for e in errs
        ), errs
        assert counts() == before


def test_missing_environment_value_is_refused(app, people, setup, open_order) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    with TestClient(app) as c:
        doc = scale_document(c, h, open_order["id"])
        doc["environment"] = {}
        before = counts()
        r = save(c, h, open_order["id"], doc, [setup["good"]])
        assert r.status_code == 422, r.text
        assert {
            "row": 0,
            "field": "environment.temperature",
            "reason": "required environmental value is missing",
            "value": "",
        } in _errors(r)
        # outside the allowed conditions: not a valid verification either
        doc["environment"] = {"temperature": {"value": 55, "unit": "°C"}}
        r = save(c, h, open_order["id"], doc, [setup["good"]])
        assert r.status_code == 422 and "outside the allowed range" in r.text
        assert counts() == before


def test_wrong_unit_is_refused(app, people, setup, open_order) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    with TestClient(app) as c:
        doc = scale_document(c, h, open_order["id"])
        doc["points"][0]["unit"] = "m"
        doc["environment"] = {"temperature": {"value": 20, "unit": "kg"}}
        before = counts()
        r = save(c, h, open_order["id"], doc, [setup["good"]])
        assert r.status_code == 422, r.text
        fields = {(e["row"], e["field"]) for e in _errors(r)}
        assert (1, "points[0].unit") in fields and (0, "environment.temperature.unit") in fields, fields
        assert counts() == before


def test_expired_or_suspended_standard_is_refused(app, people, setup, open_order) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    with TestClient(app) as c:
        doc = scale_document(c, h, open_order["id"])
        before = counts()
        r = save(c, h, open_order["id"], doc, [setup["good"], setup["expired"], setup["suspended"]])
        assert r.status_code == 422, r.text
        errs = _errors(r)
        assert any(
            e["row"] == 2 and "T-EXPIRED" in e["reason"] and "expired on" in e["reason"] for e in errs
        ), errs
        assert any(e["row"] == 3 and "T-SUSP" in e["reason"] and "suspended" in e["reason"] for e in errs), (
            errs
        )
        # another institution's standard is not usable
        js_std = scalar(
            "SELECT min(id) FROM measurement_standards WHERE institution_id != :i", i=setup["inst_id"]
        )
        if js_std is None:  # the JS institute keeps one so that the check below has something to refuse
            with TestClient(app) as c2:
                js_std = make_standard(
                    c2,
                    people["verif_js_staff"],
                    "JS-1",
                    calibrated_on=TODAY - dt.timedelta(days=5),
                    valid_until=TODAY + dt.timedelta(days=5),
                )
            before = counts()
        r = save(c, h, open_order["id"], doc, [js_std])
        assert r.status_code == 422 and "is not one of the institution's" in r.text
        assert counts() == before
        # the standard detail says why it is not usable
        r = c.get(f"/api/v1/verification/standards/{setup['expired']}", headers=h)
        assert (
            r.status_code == 200 and not r.json()["usable_today"] and "expired" in r.json()["usable_reason"]
        )


def _signed_record(app, people, setup) -> tuple[dict[str, Any], int]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        wo = receive(c, people, setup)
        h = people["institution"]
        r = save(c, h, wo["id"], scale_document(c, h, wo["id"]), [setup["good"]])
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        assert sign(c, h, rid, "verifier").status_code == 201
    return wo, rid


def test_signer_without_the_duty_wrong_password_same_person(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    wo, rid = _signed_record(app, people, setup)
    with TestClient(app) as c:
        before = counts()
        # a verifier who is not a checker
        r = sign(c, people["verif_verifier2"], rid, "checker")
        assert (
            r.status_code == 403
            and r.json()["field"] == "meaning"
            and "do not hold the duty checker" in r.json()["message"]
        )
        # a clerk with no duty at all
        r = sign(c, people["verif_nodutyclerk"], rid, "checker")
        assert r.status_code == 403 and "do not hold the duty" in r.json()["message"]
        # the right duty, the wrong password
        r = sign(c, people["verif_checker"], rid, "checker", password="not-my-password")
        assert r.status_code == 403 and r.json()["field"] == "password", r.text
        # the verifier holds the checker duty too, but may not check his own record
        r = sign(c, people["institution"], rid, "checker")
        assert r.status_code == 403 and "different person" in r.json()["message"], r.text
        # an unknown meaning
        r = sign(c, people["verif_checker"], rid, "boss")
        assert r.status_code == 422
        # out of order: the approver before the checker
        r = sign(c, people["verif_approver"], rid, "approver")
        assert r.status_code == 409, r.text
        # staff of another institution do not even see it
        assert sign(c, people["verif_js_staff"], rid, "checker").status_code == 404
        # an enterprise (the customer sees the record) may not sign
        assert sign(c, people["enterprise"], rid, "checker").status_code in (403, 404)
        assert counts() == before
        # the checker signs; then the approver may not be the checker
        assert sign(c, people["verif_checker"], rid, "checker").status_code == 201
        before = counts()
        r = sign(c, people["institution"], rid, "approver")
        assert r.status_code == 403 and "different person" in r.json()["message"]
        assert counts() == before


def test_a_signed_record_cannot_be_edited(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.db import write_session
    from jiliang.platform.errors import Conflict
    from jiliang.verification.models import VerificationRecord

    wo, rid = _signed_record(app, people, setup)
    h = people["institution"]
    with TestClient(app) as c:
        before = counts()
        r = save(c, h, wo["id"], scale_document(c, h, wo["id"], offset=0.002), [setup["good"]])
        assert r.status_code == 409 and "make a correction" in r.json()["message"], r.text
        assert counts() == before
    # below the service: the ORM refuses to change a locked revision
    with pytest.raises(Conflict):
        with write_session() as s:
            rec = s.get(VerificationRecord, rid)
            rec.document = {**rec.document, "environment": {"temperature": {"value": 30, "unit": "°C"}}}
            s.flush()
    with pytest.raises(Conflict):
        with write_session() as s:
            rec = s.get(VerificationRecord, rid)
            rec.locked = False
            s.flush()
    assert scalar("SELECT locked FROM verification_records WHERE id = :i", i=rid) in (1, True)


def test_tampering_is_detected_and_blocks_signing(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.db import get_engine, write_session
    from jiliang.platform.errors import Conflict
    from jiliang.verification import service

    wo, rid = _signed_record(app, people, setup)
    with get_engine().begin() as conn:  # an attacker with database access, bypassing the service
        conn.execute(text("UPDATE verification_records SET verdict = 'fail' WHERE id = :i"), {"i": rid})
    with TestClient(app) as c:
        body = c.get(f"/api/v1/verification/records/{rid}", headers=people["institution"]).json()
        assert not body["signatures_valid"] and body["computed_hash"] != body["content_hash"]
        r = sign(c, people["verif_checker"], rid, "checker")
        assert r.status_code == 409 and "altered" in r.json()["message"]
    with write_session() as s:
        with pytest.raises(Conflict):
            service.get_approved_record(s, rid)
        rec = s.get(service.VerificationRecord, rid)
        report = service.verify_signatures(s, rec)
        assert not report.valid and not report.signatures[0].valid


def test_standard_suspended_after_recording_blocks_checking(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    with TestClient(app) as c:
        sid = make_standard(
            c,
            h,
            "T-LATER",
            calibrated_on=TODAY - dt.timedelta(days=30),
            valid_until=TODAY + dt.timedelta(days=30),
        )
        wo = receive(c, people, setup)
        r = save(c, h, wo["id"], scale_document(c, h, wo["id"]), [sid])
        rid = r.json()["id"]
        assert sign(c, h, rid, "verifier").status_code == 201
        r = c.post(
            f"/api/v1/verification/standards/{sid}/status",
            headers=h,
            json={"status": "suspended", "reason": "超差"},
        )
        assert r.status_code == 200
        before = counts()
        r = sign(c, people["verif_checker"], rid, "checker")
        assert r.status_code == 422 and "T-LATER" in r.text and "suspended" in r.text, r.text
        assert counts() == before
        page = c.get(f"/api/v1/verification/records/{rid}", headers=h).json()
        assert page["standards"][0]["usable"] is False
        # returned to service, the record can be checked
        r = c.post(f"/api/v1/verification/standards/{sid}/status", headers=h, json={"status": "in_service"})
        assert r.status_code == 200
        assert sign(c, people["verif_checker"], rid, "checker").status_code == 201


def test_rejection_and_correction_make_a_new_revision(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    wo, rid = _signed_record(app, people, setup)
    h = people["institution"]
    with TestClient(app) as c:
        r = c.post(
            f"/api/v1/verification/records/{rid}/reject",
            headers=people["verif_checker"],
            json={"meaning": "checker", "password": DEMO_PASSWORD, "reason": "环境温度未记录小数"},
        )
        assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
        w = c.get(f"/api/v1/verification/work-orders/{wo['id']}", headers=h).json()
        assert w["status"] == "in_progress" and w["rejection_reason"] == "环境温度未记录小数"
        # a correction needs a reason
        doc = scale_document(c, h, wo["id"], offset=-0.001)
        body = {"performed_on": TODAY.isoformat(), "document": doc, "standard_ids": [setup["good"]]}
        assert (
            c.post(f"/api/v1/verification/records/{rid}/corrections", headers=h, json=body).status_code == 422
        )
        # only the assigned verifier corrects
        body["reason"] = "更正读数"
        assert (
            c.post(
                f"/api/v1/verification/records/{rid}/corrections", headers=people["verif_checker"], json=body
            ).status_code
            == 403
        )
        r = c.post(f"/api/v1/verification/records/{rid}/corrections", headers=h, json=body)
        assert r.status_code == 201, r.text
        new = r.json()
        assert (
            new["revision"] == 2
            and new["supersedes_id"] == rid
            and new["status"] == "draft"
            and not new["signatures"]
        )
        old = c.get(f"/api/v1/verification/records/{rid}", headers=h).json()
        assert old["status"] == "superseded" and old["signatures_valid"] and len(old["signatures"]) == 1
        # the old revision cannot be corrected again, nor signed
        assert (
            c.post(f"/api/v1/verification/records/{rid}/corrections", headers=h, json=body).status_code == 409
        )
        assert sign(c, people["verif_checker"], rid, "checker").status_code == 409
        # the new revision needs all signatures again
        assert sign(c, h, new["id"], "verifier").status_code == 201
        assert sign(c, people["verif_checker"], new["id"], "checker").status_code == 201
        assert sign(c, people["verif_approver"], new["id"], "approver").status_code == 201


def test_work_order_rules(app, people, setup, vworld) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    with TestClient(app) as c:
        before = counts()
        # an enterprise or a regulator does not receive instruments
        payload = {"instrument_code": setup["scales"][-1]["code"], "received_on": TODAY.isoformat()}
        for who in ("enterprise", "regulator"):
            assert (
                c.post("/api/v1/verification/work-orders", headers=people[who], json=payload).status_code
                == 403
            )
        # the Jiangsu institute holds no authorisation for a Zhejiang scale
        r = c.post("/api/v1/verification/work-orders", headers=people["verif_js_staff"], json=payload)
        assert r.status_code == 403 and "authorisation" in r.json()["message"], r.text
        # unknown instrument, a future date, bad parameters, an unknown procedure
        r = c.post(
            "/api/v1/verification/work-orders",
            headers=h,
            json={**payload, "instrument_code": "3301000201999999990"},
        )
        assert r.status_code == 404
        r = c.post(
            "/api/v1/verification/work-orders",
            headers=h,
            json={**payload, "received_on": (TODAY + dt.timedelta(days=3)).isoformat()},
        )
        assert r.status_code == 422 and r.json()["field"] == "received_on"
        r = c.post(
            "/api/v1/verification/work-orders",
            headers=h,
            json={**payload, "instrument_params": {"accuracy_class": "I", "max_capacity": 15, "e": 5}},
        )
        assert r.status_code == 422 and any(e["field"] == "instrument.accuracy_class" for e in _errors(r)), (
            r.text
        )
        r = c.post(
            "/api/v1/verification/work-orders", headers=h, json={**payload, "procedure_code": "JJG999"}
        )
        assert r.status_code == 422 and r.json()["field"] == "procedure_code"
        r = c.post("/api/v1/verification/work-orders", headers=h, json={**payload, "kind": "repair"})
        assert r.status_code == 422
        r = c.post("/api/v1/verification/work-orders", headers=h, content=b"{not json")
        assert r.status_code == 422
        # a walk-in verification needs the catalogue item and a name
        r = c.post(
            "/api/v1/verification/work-orders",
            headers=h,
            json={"customer_id": setup["scales"][0]["owner_id"], "received_on": TODAY.isoformat()},
        )
        assert r.status_code == 422 and r.json()["field"] == "catalogue_code"
        assert counts() == before
        # assignment: only a verifier of the institution
        wo = receive(c, people, setup, assign=None)
        before = counts()
        for who, field_text in (
            ("verif_nodutyclerk", "does not hold the duty"),
            ("verif_js_staff", "not a member"),
            ("nobody", "not a member"),
        ):
            r = c.post(
                f"/api/v1/verification/work-orders/{wo['id']}/assign", headers=h, json={"assignee": who}
            )
            assert r.status_code == 422 and field_text in r.json()["message"], r.text
        # another institution's staff do not see the order
        assert (
            c.post(
                f"/api/v1/verification/work-orders/{wo['id']}/assign",
                headers=people["verif_js_staff"],
                json={"assignee": "verif_js_staff"},
            ).status_code
            == 404
        )
        assert counts() == before
        r = c.post(
            f"/api/v1/verification/work-orders/{wo['id']}/assign",
            headers=h,
            json={"assignee": "verif_verifier2"},
        )
        assert r.status_code == 200 and r.json()["assigned_to"] == "verif_verifier2"
        # only the assignee records
        doc = scale_document(c, h, wo["id"])
        r = save(c, h, wo["id"], doc, [setup["good"]])
        assert r.status_code == 403 and "assigned verifier" in r.json()["message"]
        assert save(c, people["verif_verifier2"], wo["id"], doc, [setup["good"]]).status_code == 201


def test_walk_in_calibration_and_registration(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    owner = setup["scales"][0]["owner_id"]
    with TestClient(app) as c:
        n_inst = scalar("SELECT count(*) FROM instruments")
        r = c.post(
            "/api/v1/verification/work-orders",
            headers=h,
            json={
                "kind": "verification",
                "customer_id": owner,
                "catalogue_code": "0201",
                "instrument_name": "电子计价秤",
                "maker": "上海大和(示例)",
                "serial_number": "WALKIN-001",
                "register_instrument": True,
                "use": "trade_settlement",
                "received_on": TODAY.isoformat(),
            },
        )
        assert r.status_code == 201, r.text
        wo = r.json()
        assert wo["walk_in"] and wo["instrument_id"] and len(wo["instrument_code"]) == 19
        assert scalar("SELECT count(*) FROM instruments") == n_inst + 1
        # a calibration needs no authorisation and no catalogue item
        r = c.post(
            "/api/v1/verification/work-orders",
            headers=h,
            json={
                "kind": "calibration",
                "customer_id": owner,
                "instrument_name": "实验室天平",
                "procedure_code": "jjg 539",
                "received_on": TODAY.isoformat(),
            },
        )
        assert (
            r.status_code == 201
            and r.json()["procedure_code"] == "JJG539-2016"
            and not r.json()["instrument_id"]
        )


def test_who_sees_what(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        wo = receive(c, people, setup)
        owner = wo["customer_id"]
        ent = scalar("SELECT organisation_id FROM users WHERE username = 'enterprise'")
        for who, sees in (
            ("institution", True),
            ("verif_js_staff", False),
            ("regulator", True),
            ("regulator_js", False),
            ("enterprise_js", False),
            ("admin", True),
            ("enterprise", owner == ent),
        ):
            r = c.get(f"/api/v1/verification/work-orders/{wo['id']}", headers=people[who])
            assert r.status_code == (200 if sees else 404), (who, r.status_code)
            ids = {
                x["id"]
                for x in c.get("/api/v1/verification/work-orders?limit=500", headers=people[who]).json()[
                    "items"
                ]
            }
            if who != "admin" and who != "regulator" and who != "institution":
                assert (wo["id"] in ids) == sees, who
        assert c.get(f"/api/v1/verification/work-orders/{wo['id']}").status_code == 401
        # standards: the institution and regulators of its region; never an enterprise
        sid = setup["good"]
        for who, code in (
            ("institution", 200),
            ("regulator", 200),
            ("regulator_js", 404),
            ("enterprise", 404),
            ("verif_js_staff", 404),
        ):
            assert c.get(f"/api/v1/verification/standards/{sid}", headers=people[who]).status_code == code, (
                who
            )
        # read-only for the customer: an enterprise cannot change a standard or a work order
        assert (
            c.patch(
                f"/api/v1/verification/standards/{sid}", headers=people["regulator"], json={"note": "x"}
            ).status_code
            == 403
        )


def test_malformed_input_is_a_4xx_never_a_500(app, people, setup, open_order) -> None:  # type: ignore[no-untyped-def]
    h = people["institution"]
    url = f"/api/v1/verification/work-orders/{open_order['id']}/record"
    deep: dict[str, Any] = {}
    cur = deep
    for _ in range(900):
        cur["a"] = {}
        cur = cur["a"]
    bodies: list[Any] = [
        {"performed_on": TODAY.isoformat(), "document": deep, "standard_ids": [setup["good"]]},
        {"performed_on": TODAY.isoformat(), "document": "readings", "standard_ids": [setup["good"]]},
        {"performed_on": TODAY.isoformat(), "document": {"points": "x"}, "standard_ids": ["one"]},
        {"performed_on": TODAY.isoformat(), "document": {"points": [None, 3]}, "standard_ids": [2**40]},
        {"performed_on": "yesterday", "document": {}, "standard_ids": []},
        {
            "performed_on": TODAY.isoformat(),
            "document": {"procedure": "JJG52-2013"},
            "standard_ids": [setup["good"]],
        },
        [1, 2, 3],
    ]
    with TestClient(app) as c:
        before = counts()
        for body in bodies:
            r = c.post(url, headers=h, json=body)
            assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
        r = c.post(url, headers=h, content=b"\xff\xfe not json")
        assert r.status_code == 422
        for bad in (
            "/api/v1/verification/records/99999999999",
            "/api/v1/verification/work-orders/0",
            "/api/v1/verification/standards/-1",
        ):
            assert c.get(bad, headers=h).status_code in (404, 422)
        assert counts() == before


def test_certificates_area_gets_only_approved_records(app, people, setup) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.db import write_session
    from jiliang.platform.errors import Conflict, NotFound
    from jiliang.verification import service

    wo, rid = _signed_record(app, people, setup)  # signed by the verifier only
    before = counts()
    with write_session() as s:
        with pytest.raises(Conflict, match="signed, not approved"):
            service.get_approved_record(s, rid)
        with pytest.raises(Conflict):
            service.mark_certificate_issued(s, rid, 1)
        with pytest.raises(NotFound):
            service.get_approved_record(s, 2**40)
    assert counts() == before
