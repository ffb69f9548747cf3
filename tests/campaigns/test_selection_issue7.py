"""Issue 7 part 2: the double-random draw of a campaign — reproducible from its seed, equal to
verify_selection, within scope and region; risk weighting; bad input writes nothing."""

from __future__ import annotations

import pytest

from jiliang.core.random_selection import Entity, Inspector, double_random_selection
from tests.campaigns.helpers_issue7 import counts, orgs, plan, pool, principal


@pytest.fixture(scope="module")
def hz_pool(demo_db):  # type: ignore[no-untyped-def]
    return pool("330100", 4)


def _selected(campaign):  # type: ignore[no-untyped-def]
    return campaign.selection["entity_ids"]


def test_draw_is_reproducible_from_the_seed_and_verifies(hz_pool) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service
    from jiliang.campaigns.schemas import DrawVerifyIn

    reg = principal("regulator_hz")
    a = service.select_entities(principal=reg, campaign_id=plan().id, seed=20261127)
    b = service.select_entities(principal=reg, campaign_id=plan().id, seed=20261127)
    c = service.select_entities(principal=reg, campaign_id=plan().id, seed=20261128)
    assert a.seed == "20261127" and a.candidates == b.candidates and a.pool == b.pool
    assert _selected(a) == _selected(b) and a.inputs_digest == b.inputs_digest
    assert a.selection["assignments"] == b.selection["assignments"]
    assert len(_selected(a)) == 3
    # recomputing independently from the stored inputs gives the same draw
    ents = [Entity(e["id"], e["organisation"], e["weight"]) for e in a.candidates]
    insps = [Inspector(i["id"], i["organisation"], frozenset(i["conflicts"])) for i in a.pool]
    rerun = double_random_selection(ents, insps, 3, seed=20261127)
    assert list(rerun.entity_ids) == _selected(a) and rerun.inputs_digest == a.inputs_digest
    out = service.verify_payload(
        DrawVerifyIn(selection=a.selection, entities=a.candidates, inspectors=a.pool)
    )
    assert out.reproduced and out.recomputed == a.selection
    # another seed draws differently (the candidates are many more than 3)
    assert len(a.candidates) > 10 and _selected(c) != _selected(a)
    # tampering: one candidate removed, or the published result changed, does not verify
    fewer = DrawVerifyIn(selection=a.selection, entities=a.candidates[1:], inspectors=a.pool)
    assert not service.verify_payload(fewer).reproduced
    forged = dict(a.selection, entity_ids=list(reversed(a.selection["entity_ids"])))
    bad = service.verify_payload(DrawVerifyIn(selection=forged, entities=a.candidates, inspectors=a.pool))
    assert not bad.reproduced and "differs" in bad.reason
    # at least two inspectors per entity, all from the pool, none twice
    for asg in a.selection["assignments"]:
        assert len(asg["inspector_ids"]) == 2 and len(set(asg["inspector_ids"])) == 2
        assert set(asg["inspector_ids"]) <= {i["id"] for i in a.pool}


def test_verify_endpoint_and_public_draw(client, hz_pool) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service
    from jiliang.campaigns.schemas import CampaignUpdate, InspectionRecord

    reg = principal("regulator_hz")
    c = service.select_entities(principal=reg, campaign_id=plan(sample_size=1).id, seed=7)
    assert client.get(f"/api/v1/public/campaigns/{c.id}/draw").status_code == 404  # not yet published
    task = service.list_tasks(principal=reg, campaign_id=c.id)[0]
    service.record_inspection(
        principal=reg,
        task_id=task.id,
        data=InspectionRecord.model_validate(
            {
                "inspected_on": "2026-11-20",
                "scales": [
                    {
                        "subject": "S1",
                        "test_load": 10,
                        "indication": 10.005,
                        "mpe": 0.01,
                        "mpe_source": "证书",
                        "seal_intact": True,
                        "tamper_signs": False,
                        "cheating_device": False,
                        "verification_mark_valid": True,
                    }
                ],
            }
        ),
    )
    service.update_campaign(principal=reg, campaign_id=c.id, data=CampaignUpdate(published=True))
    draw = client.get(f"/api/v1/public/campaigns/{c.id}/draw").json()
    assert draw["reproduced"] is True and draw["seed"] == "7"
    body = {"selection": draw["selection"], "entities": draw["entities"], "inspectors": draw["inspectors"]}
    r = client.post("/api/v1/public/campaign-draws/verify", json=body)
    assert r.status_code == 200 and r.json()["reproduced"] is True
    body["selection"] = dict(draw["selection"], seed="8")
    r = client.post("/api/v1/public/campaign-draws/verify", json=body)
    assert r.status_code == 200 and r.json()["reproduced"] is False
    assert client.post("/api/v1/public/campaign-draws/verify", json={"selection": 1}).status_code == 422
    r = client.post(
        "/api/v1/public/campaign-draws/verify", json={"selection": {}, "entities": [], "inspectors": []}
    )
    assert r.status_code == 422 and r.json()["field"] == "selection"
    page = client.get(f"/public/campaigns/{c.id}/draw")
    assert page.status_code == 200 and '<code id="seed">7</code>' in page.text


def test_selection_stays_within_scope_and_region(hz_pool) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service

    reg = principal("regulator_hz")
    c = service.select_entities(principal=reg, campaign_id=plan(sample_fraction=0.5).id, seed=99)
    by_id = {o["id"]: o for o in orgs("1 = 1")}
    cands = [by_id[int(e["id"])] for e in c.candidates]
    assert cands and all(o["region_code"].startswith("3301") for o in cands)
    assert all(o["kind"] == "enterprise" and o["sector"] in ("market", "shop") for o in cands)
    expected = {
        o["id"]
        for o in orgs("kind = 'enterprise' AND sector IN ('market','shop') AND region_code LIKE '3301%'")
    }
    assert {o["id"] for o in cands} == expected
    tasks = service.list_tasks(principal=reg, campaign_id=c.id)
    assert len(tasks) == -(-len(cands) // 2)  # ceil(50 %)
    assert all(t.region_code.startswith("3301") for t in tasks)
    # a county filter narrows the candidates to that county
    county = cands[0]["region_code"]
    c2 = service.select_entities(
        principal=reg,
        campaign_id=plan(scope_counties=[county], sample_size=1, scope_sectors=["shop", "market"]).id,
    )
    assert {by_id[int(e["id"])]["region_code"] for e in c2.candidates} == {county}
    # verification-institution campaigns draw institutions only
    prov = principal("regulator")
    pool("330000", 2)
    c3 = service.select_entities(
        principal=prov,
        campaign_id=plan(
            "regulator", campaign_type="verification_institution", region_code="330000", sample_size=1
        ).id,
    )
    assert all(by_id[int(e["id"])]["kind"] == "institution" for e in c3.candidates)
    assert all(by_id[int(e["id"])]["region_code"].startswith("33") for e in c3.candidates)


def test_regulator_cannot_plan_or_select_outside_its_region(hz_pool) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service
    from jiliang.platform.errors import DomainError, Forbidden, NotFound

    before = counts()
    for region in ("320000", "330200", "330000"):
        with pytest.raises(Forbidden):
            plan(region_code=region)
    with pytest.raises(DomainError) as e:  # a county of another province in the scope filter
        plan(scope_counties=["320102"])
    assert e.value.field == "scope_counties[0]"
    assert counts() == before
    js = plan("regulator_js", region_code="320000", sample_size=1)
    pool("320000", 3, who="regulator_js")
    with pytest.raises(NotFound):  # regulator_hz cannot even see the Jiangsu campaign, so cannot draw it
        service.select_entities(principal=principal("regulator_hz"), campaign_id=js.id, seed=1)
    with pytest.raises(NotFound):
        service.get_campaign(principal=principal("regulator_hz"), campaign_id=js.id)
    _, rows = service.list_campaigns(principal=principal("regulator_hz"), limit=500)
    assert js.id not in {r.id for r in rows}
    assert all(r.region_code.startswith("3301") for r in rows if not r.published)
    drawn = service.select_entities(principal=principal("regulator_js"), campaign_id=js.id, seed=1)
    assert all(e["id"] and not e["id"].startswith("-") for e in drawn.candidates)
    regions = {o["id"]: o["region_code"] for o in orgs("1 = 1")}
    assert all(regions[int(e["id"])].startswith("32") for e in drawn.candidates)
    # the Hangzhou pool is not offered to a Jiangsu draw, and vice versa
    assert not ({i["id"] for i in drawn.pool} & {str(i) for i in hz_pool})


def test_bad_input_is_refused_and_writes_nothing(hz_pool) -> None:  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from jiliang.campaigns import service
    from jiliang.platform.errors import Conflict, DomainError

    reg = principal("regulator_hz")
    # empty candidate pool: a Hangzhou county with no fuel station in the register
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        counties = [
            r[0] for r in conn.execute(text("SELECT code FROM regions WHERE code LIKE '3301%' AND level = 3"))
        ]
    stations = {o["region_code"] for o in orgs("sector = 'fuel_station'")}
    empty_county = next(c for c in counties if c not in stations)
    empty = plan(campaign_type="fuel_station", scope_counties=[empty_county], sample_size=1)
    big = plan(sample_size=100_000)
    lonely = plan(sample_size=1)
    from jiliang.campaigns.models import Campaign
    from jiliang.platform.db import read_session, write_session

    with read_session() as s:
        size = len(service._pool(s, lonely))
    with write_session() as s:  # set up directly: one inspector more than the whole pool
        s.get(Campaign, lonely.id).inspectors_per_entity = size + 1
    cases = [
        (empty.id, "scope", "no entity"),
        (big.id, "sample_size", "exceeds"),
        (lonely.id, "inspectors", "needed per entity"),
    ]
    for cid, field, words in cases:
        before = counts()
        with pytest.raises(DomainError) as e:
            service.select_entities(principal=reg, campaign_id=cid, seed=5)
        assert e.value.field == field and words in e.value.message, (field, e.value.message)
        assert counts() == before
        assert service.get_campaign(principal=reg, campaign_id=cid).status == "planned"
    before = counts()
    with pytest.raises(ValidationError):
        plan(sample_size=0)
    with pytest.raises(ValidationError):
        plan(sample_size=None, sample_fraction=1.5)
    with pytest.raises(DomainError):
        plan(sample_size=None)  # neither size nor fraction
    with pytest.raises(DomainError):
        plan(starts_on="2026-12-01", ends_on="2026-11-01")
    with pytest.raises(DomainError):
        plan(scope_sectors=["fuel_station"])  # not a market sector
    assert counts() == before
    done = service.select_entities(principal=reg, campaign_id=plan(sample_size=1).id, seed=3)
    with pytest.raises(Conflict):
        service.select_entities(principal=reg, campaign_id=done.id, seed=3)


def test_conflicted_inspectors_are_never_assigned(demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service

    station = orgs("kind = 'enterprise' AND sector = 'fuel_station' AND region_code LIKE '3302%'")[0]
    stations = [
        o["id"]
        for o in orgs(
            "kind = 'enterprise' AND sector = 'fuel_station' AND region_code = :r", r=station["region_code"]
        )
    ]
    reg = principal("regulator")
    bad = pool(station["region_code"], 3, conflicts=stations)
    ok = pool(station["region_code"], 2)
    c = service.select_entities(
        principal=reg,
        campaign_id=plan(
            "regulator",
            campaign_type="fuel_station",
            region_code=station["region_code"],
            sample_size=None,
            sample_fraction=1.0,
        ).id,
        seed=11,
    )
    for t in service.list_tasks(principal=reg, campaign_id=c.id):
        assert not set(t.inspector_ids) & set(bad)
    # with too few inspectors free of conflict (pool large enough, but all free ones < needed) nothing is written
    from jiliang.platform.db import read_session
    from jiliang.platform.errors import DomainError

    c2 = plan("regulator", campaign_type="fuel_station", region_code=station["region_code"], sample_size=1)
    with read_session() as s:
        size = len(service._pool(s, c2))
    free = size - len(bad)
    assert size >= free + 1
    from jiliang.campaigns.models import Campaign
    from jiliang.platform.db import write_session

    with write_session() as s:  # set up directly: the plan asks for one inspector more than the free ones
        s.get(Campaign, c2.id).inspectors_per_entity = free + 1
    before = counts()
    with pytest.raises(DomainError) as e:
        service.select_entities(principal=reg, campaign_id=c2.id, seed=11)
    assert e.value.field == "inspectors" and "eligible" in e.value.message
    assert counts() == before
    assert ok


def test_risk_weighting_with_a_stub_and_with_the_credit_area(hz_pool) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service
    from jiliang.platform.errors import DomainError

    reg = principal("regulator_hz")
    seen: list[list[int]] = []

    def stub(session, ids):  # type: ignore[no-untyped-def]
        seen.append(list(ids))
        return {i: (50.0 if i == ids[0] else 1.0) for i in ids}

    c = service.select_entities(
        principal=reg, campaign_id=plan(risk_weighted=True).id, seed=42, risk_weights=stub
    )
    assert seen and c.selection["weighted"] is True
    heavy = str(seen[0][0])
    assert {e["id"]: e["weight"] for e in c.candidates}[heavy] == 50.0
    from jiliang.campaigns.schemas import DrawVerifyIn

    assert service.verify_payload(
        DrawVerifyIn(selection=c.selection, entities=c.candidates, inspectors=c.pool)
    ).reproduced
    # weights below 1 (or missing) from the provider are refused, nothing written
    before = counts()
    cid = plan(risk_weighted=True).id
    before = counts()
    with pytest.raises(DomainError) as e:
        service.select_entities(
            principal=reg, campaign_id=cid, seed=1, risk_weights=lambda s, ids: {i: 0.5 for i in ids}
        )
    assert e.value.field == "risk_weighted" and counts() == before
    # the honest-metrology area's own weights (imported at call time)
    real = service.select_entities(principal=reg, campaign_id=cid, seed=1)
    assert real.selection["weighted"] is True and all(e["weight"] >= 1 for e in real.candidates)
