"""Issue 7 part 2: checklists (fuel dispenser, market scale, generic), findings with evidence and penalties,
follow-up, publication; who sees what (regulators by region, enterprises their own, the public the published)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from tests.campaigns.helpers_issue7 import counts, orgs, plan, pool, principal
from tests.conftest import auth

FLAGS = {
    "seal_intact": True,
    "tamper_signs": False,
    "cheating_device": False,
    "verification_mark_valid": True,
}


def test_fuel_dispenser_rows_against_the_jjg443_mpe() -> None:
    from jiliang.campaigns import checklists

    def row(reading: float, **flags: bool) -> Any:
        return checklists.evaluate_nozzle(
            {"subject": "1", "standard_volume": 20.0, "dispenser_volume": reading, **FLAGS, **flags}
        )

    ok = row(20.05)  # +0.25 %
    assert ok.verdict == "pass" and ok.error == pytest.approx(0.25) and ok.mpe == 0.30
    assert "[L]" in ok.mpe_source_status and "JJG 443-2023" in ok.mpe_source
    edge = row(20.06)  # +0.30 % exactly: |E| <= MPE passes (JJF 1094 simple acceptance)
    assert edge.verdict == "pass" and edge.error == pytest.approx(0.30)
    high = row(20.08)  # +0.40 %
    assert (
        high.verdict == "fail" and high.reasons[0] == "exceeds_mpe" and "error_exceeds_mpe" in high.categories
    )
    short = row(19.90)  # -0.50 %: short delivery
    assert short.verdict == "fail" and short.error == pytest.approx(-0.5)
    cheat = row(20.0, cheating_device=True, seal_intact=False)
    assert cheat.verdict == "fail" and set(cheat.categories) == {"cheating_device", "seal_broken"}


def test_scale_rows_use_the_mpe_entered_with_its_source() -> None:
    from jiliang.campaigns import checklists

    tpl = checklists.template("market_scale")
    assert tpl["mpe"]["value"] is None and tpl["mpe"]["source_status"].startswith("unknown")
    r = checklists.evaluate_scale(
        {
            "subject": "S",
            "test_load": 5.0,
            "indication": 5.01,
            "mpe": 0.005,
            "mpe_source": "certificate",
            **FLAGS,
        }
    )
    assert (
        r.verdict == "fail" and r.error == pytest.approx(0.01) and "entered by the inspector" in r.mpe_source
    )
    r = checklists.evaluate_scale(
        {
            "subject": "S",
            "test_load": 5.0,
            "indication": 5.005,
            "mpe": 0.005,
            "mpe_source": "certificate",
            **FLAGS,
        }
    )
    assert r.verdict == "pass"


@pytest.fixture(scope="module")
def fuel(demo_db):  # type: ignore[no-untyped-def]
    """A drawn fuel-station campaign of Hangzhou (every station of one county) with its tasks."""
    from jiliang.campaigns import service

    pool("330100", 3)
    county = orgs("kind = 'enterprise' AND sector = 'fuel_station' AND region_code LIKE '3301%'")[0][
        "region_code"
    ]
    reg = principal("regulator_hz")
    c = plan(campaign_type="fuel_station", scope_counties=[county], sample_fraction=1.0)
    service.select_entities(principal=reg, campaign_id=c.id, seed=123)
    return {"campaign": c, "tasks": service.list_tasks(principal=reg, campaign_id=c.id)}


def _record(task_id: int, token: str, client: Any, **extra: Any) -> Any:
    body = {
        "inspected_on": "2026-11-20",
        "nozzles": [
            {"subject": "1-1", "fuel": "92#", "standard_volume": 20, "dispenser_volume": 20.04, **FLAGS},
            {"subject": "1-2", "fuel": "95#", "standard_volume": 20, "dispenser_volume": 19.88, **FLAGS},
        ],
        **extra,
    }
    return client.put(f"/api/v1/campaign-tasks/{task_id}/inspection", json=body, headers=auth(token))


def test_inspection_findings_follow_up_and_publication(client, tokens, fuel) -> None:  # type: ignore[no-untyped-def]
    c, task = fuel["campaign"], fuel["tasks"][0]
    hz = tokens["regulator_hz"]
    # the entity does not see a pending task of its selection
    r = _record(
        task.id,
        hz,
        client,
        findings=[
            {
                "severity": "major",
                "category": "error_exceeds_mpe",
                "description": "1-2 号枪少加 0.6 %",
                "penalty_legal_basis": "《计量法》第二十六条",
                "penalty_amount": "2000.00",
                "rectification_deadline": "2026-12-20",
            }
        ],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "inspected" and body["result"] == "fail"
    assert [i["verdict"] for i in body["items"]] == ["pass", "fail"]
    assert body["items"][1]["error"] == pytest.approx(-0.6) and body["items"][1]["mpe"] == 0.3
    assert body["findings"][0]["penalty_amount"] == "2000.00"
    # recording twice is a conflict
    assert _record(task.id, hz, client).status_code == 409
    # evidence by SHA-256, then a finding that cites it
    photo = b"\x89PNG fake photo of a seal"
    sha = hashlib.sha256(photo).hexdigest()
    r = client.post(
        f"/api/v1/campaign-tasks/{task.id}/evidence",
        files={"file": ("seal.png", photo, "image/png")},
        headers=auth(hz),
    )
    assert r.status_code == 201 and r.json()["sha256"] == sha
    r = client.post(
        f"/api/v1/campaign-tasks/{task.id}/findings",
        headers=auth(hz),
        json={
            "severity": "serious",
            "category": "cheating_device",
            "description": "主板加装作弊芯片",
            "evidence_sha256": [sha],
            "rectification_deadline": "2026-12-01",
        },
    )
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    got = client.get(f"/api/v1/campaign-tasks/{task.id}/evidence/{sha}", headers=auth(hz))
    assert got.status_code == 200 and got.content == photo
    # follow-up: overdue after the deadline, then rectified, closed
    from typer.testing import CliRunner

    from jiliang.cli.main import app as cli

    daily = CliRunner().invoke(cli, ["campaigns", "mark-overdue", "--today", "2026-12-02"])  # the daily job
    assert daily.exit_code == 0 and "marked overdue" in daily.output, daily.output
    assert not daily.output.startswith("0 ")
    assert CliRunner().invoke(cli, ["campaigns", "mark-overdue", "--today", "12/02"]).exit_code == 2
    assert client.get(f"/api/v1/campaign-findings/{fid}", headers=auth(hz)).json()["status"] == "overdue"
    r = client.patch(
        f"/api/v1/campaign-findings/{fid}", headers=auth(hz), json={"status": "closed", "note": "已拆除"}
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    # publication needs every task inspected
    r = client.patch(f"/api/v1/campaigns/{c.id}", headers=auth(hz), json={"published": True})
    if len(fuel["tasks"]) > 1:
        assert r.status_code == 409
        for other in fuel["tasks"][1:]:
            assert (
                _record(
                    other.id,
                    hz,
                    client,
                    nozzles=[{"subject": "2-1", "standard_volume": 20, "dispenser_volume": 20.02, **FLAGS}],
                ).status_code
                == 200
            )
        r = client.patch(f"/api/v1/campaigns/{c.id}", headers=auth(hz), json={"published": True})
    assert r.status_code == 200 and r.json()["published"] is True
    pub = client.get(f"/api/v1/public/campaigns/{c.id}").json()
    assert pub["entities"] == len(fuel["tasks"]) and pub["failed"] >= 1
    assert pub["findings_by_severity"] == {"major": 1, "serious": 1}
    page = client.get(f"/public/campaigns/{c.id}")
    assert page.status_code == 200
    for secret in ("检查员", "CAMP-", "《计量法》", "2000", "作弊芯片", sha[:12]):
        assert secret not in page.text and secret not in str(pub), secret
    # findings cannot be added once published
    r = client.post(
        f"/api/v1/campaign-tasks/{task.id}/findings",
        headers=auth(hz),
        json={"severity": "minor", "category": "records", "description": "x"},
    )
    assert r.status_code == 409


def test_bad_finding_and_inspection_input_writes_nothing(client, tokens, demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service

    hz = tokens["regulator_hz"]
    pool("330100", 2)
    c = service.select_entities(
        principal=principal("regulator_hz"), campaign_id=plan(sample_size=1).id, seed=5
    )
    task = service.list_tasks(principal=principal("regulator_hz"), campaign_id=c.id)[0]
    scale = {
        "subject": "S1",
        "test_load": 10,
        "indication": 10.0,
        "mpe": 0.01,
        "mpe_source": "JJG 539 证书",
        **FLAGS,
    }
    bad_bodies = [
        (
            {
                "inspected_on": "2026-11-20",
                "scales": [scale],
                "findings": [
                    {
                        "severity": "minor",
                        "category": "records",
                        "description": "x",
                        "rectification_deadline": "2026-11-19",
                    }
                ],
            },
            "rectification_deadline",
        ),
        (
            {
                "inspected_on": "2026-11-20",
                "scales": [scale],
                "findings": [
                    {
                        "severity": "minor",
                        "category": "records",
                        "description": "x",
                        "penalty_amount": "-5",
                        "penalty_legal_basis": "x",
                    }
                ],
            },
            "penalty_amount",
        ),
        ({"inspected_on": "2026-11-20", "scales": [dict(scale, mpe=-1)]}, "mpe"),
        ({"inspected_on": "2026-11-20", "scales": [dict(scale, test_load=-1)]}, "test_load"),
        ({"inspected_on": "2026-11-20", "scales": [scale, scale]}, "subject"),
        (
            {
                "inspected_on": "2026-11-20",
                "nozzles": [{"subject": "1", "standard_volume": 20, "dispenser_volume": 20, **FLAGS}],
            },
            "nozzles",
        ),
        ({"inspected_on": "2026-11-20"}, "scales"),
        ({"inspected_on": "2027-05-01", "scales": [scale]}, "inspected_on"),
        (
            {"inspected_on": "2026-11-20", "scales": [scale], "items": [{"code": "nope", "result": "pass"}]},
            "code",
        ),
        (
            {
                "inspected_on": "2026-11-20",
                "scales": [scale],
                "findings": [
                    {
                        "severity": "minor",
                        "category": "records",
                        "description": "x",
                        "evidence_sha256": ["a" * 64],
                    }
                ],
            },
            "evidence_sha256",
        ),
        (
            {
                "inspected_on": "2026-11-20",
                "scales": [scale],
                "findings": [{"severity": "grave", "category": "records", "description": "x"}],
            },
            "severity",
        ),
    ]
    for body, field in bad_bodies:
        before = counts()
        r = client.put(f"/api/v1/campaign-tasks/{task.id}/inspection", json=body, headers=auth(hz))
        assert r.status_code == 422, (field, r.status_code, r.text[:300])
        assert field in r.text, (field, r.text[:300])
        assert counts() == before, field
    for raw in (b"{not json", b"[]", b'"x"'):
        r = client.put(
            f"/api/v1/campaign-tasks/{task.id}/inspection",
            content=raw,
            headers={**auth(hz), "content-type": "application/json"},
        )
        assert r.status_code == 422
    assert client.put(
        "/api/v1/campaign-tasks/99999999999/inspection", json={}, headers=auth(hz)
    ).status_code in (404, 422)
    assert client.get("/api/v1/campaign-tasks/99999999999", headers=auth(hz)).status_code == 404
    # a finding before the inspection is recorded
    r = client.post(
        f"/api/v1/campaign-tasks/{task.id}/findings",
        headers=auth(hz),
        json={"severity": "minor", "category": "records", "description": "x"},
    )
    assert r.status_code == 422 and r.json()["field"] == "task"
    # empty evidence
    r = client.post(
        f"/api/v1/campaign-tasks/{task.id}/evidence",
        files={"file": ("a.png", b"", "image/png")},
        headers=auth(hz),
    )
    assert r.status_code == 422
    r = client.post(f"/api/v1/campaign-tasks/{task.id}/evidence", json={"x": 1}, headers=auth(hz))
    assert r.status_code == 422


def test_enterprise_sees_only_its_own_inspected_task(client, tokens, demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service
    from jiliang.campaigns.schemas import FindingCreate, InspectionRecord

    me = principal("enterprise")
    own = orgs("id = :i", i=me.organisation_id)[0]
    reg = principal("regulator")
    pool("330000", 2)
    c = plan(
        "regulator",
        campaign_type="unit_usage",
        region_code=own["region_code"][:4] + "00",
        scope_counties=[own["region_code"]],
        sample_fraction=1.0,
    )
    service.select_entities(principal=reg, campaign_id=c.id, seed=77)
    tasks = service.list_tasks(principal=reg, campaign_id=c.id)
    mine = next(t for t in tasks if t.enterprise_id == own["id"])
    others = [t for t in tasks if t.enterprise_id != own["id"]]
    ent = tokens["enterprise"]
    # pending: the entity does not see the campaign nor its task
    assert client.get(f"/api/v1/campaign-tasks/{mine.id}", headers=auth(ent)).status_code == 404
    assert client.get(f"/api/v1/campaigns/{c.id}", headers=auth(ent)).status_code == 404
    for t in tasks:
        service.record_inspection(
            principal=reg,
            task_id=t.id,
            data=InspectionRecord.model_validate(
                {"inspected_on": "2026-11-21", "items": [{"code": "price_tags", "result": "fail"}]}
            ),
        )
        service.add_finding(
            principal=reg,
            task_id=t.id,
            data=FindingCreate(
                severity="minor",
                category="unit_usage",
                description=f"价签使用“斤” {t.id}",
                rectification_deadline=dt.date(2026, 12, 31),
            ),
        )
    r = client.get(f"/api/v1/campaign-tasks/{mine.id}", headers=auth(ent))
    assert r.status_code == 200 and r.json()["findings"][0]["enterprise_id"] == own["id"]
    listed = client.get(f"/api/v1/campaigns/{c.id}/tasks", headers=auth(ent)).json()
    assert [t["id"] for t in listed] == [mine.id]
    for t in others:
        assert client.get(f"/api/v1/campaign-tasks/{t.id}", headers=auth(ent)).status_code == 404
    assert client.get(f"/api/v1/campaigns/{c.id}/selection", headers=auth(ent)).status_code in (403, 404)
    # the enterprise reports its rectification of its own finding, not others', and cannot close it
    fid = r.json()["findings"][0]["id"]
    bad = client.patch(f"/api/v1/campaign-findings/{fid}", headers=auth(ent), json={"status": "closed"})
    assert bad.status_code == 403
    ok = client.patch(
        f"/api/v1/campaign-findings/{fid}",
        headers=auth(ent),
        json={"status": "rectified", "note": "已改为千克"},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "rectified"
    if others:
        other_task = client.get(
            f"/api/v1/campaign-tasks/{others[0].id}", headers=auth(tokens["regulator"])
        ).json()
        ofid = other_task["findings"][0]["id"]
        r = client.patch(
            f"/api/v1/campaign-findings/{ofid}", headers=auth(ent), json={"status": "rectified", "note": "x"}
        )
        assert r.status_code == 404
    # another province's regulator and enterprise see nothing of it; the public only once published
    for who in ("regulator_js", "enterprise_js"):
        assert client.get(f"/api/v1/campaign-tasks/{mine.id}", headers=auth(tokens[who])).status_code == 404
        assert client.get(f"/api/v1/campaigns/{c.id}", headers=auth(tokens[who])).status_code == 404
    assert client.get(f"/api/v1/public/campaigns/{c.id}").status_code == 404
    assert client.get(f"/public/campaigns/{c.id}").status_code == 404
    assert client.get(f"/api/v1/campaigns/{c.id}").status_code == 401


def test_pages_render(client, tokens, fuel) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    login(client, "regulator_hz")
    for url in (
        "/campaigns",
        "/campaigns/new",
        f"/campaigns/{fuel['campaign'].id}",
        f"/campaign-tasks/{fuel['tasks'][0].id}",
        "/campaign-inspectors",
        "/public/campaigns",
        f"/campaigns/{fuel['campaign'].id}/draw",
    ):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        assert "{{" not in r.text
