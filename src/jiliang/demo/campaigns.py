"""Demo data of inspection campaigns: an inspector pool, a published fuel-station campaign of Hangzhou (with
checklists, findings and follow-up) and a market campaign of Zhejiang still in progress.

Everything goes through :mod:`jiliang.campaigns.service` (audited), as the system user.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select

from jiliang.campaigns import service
from jiliang.campaigns.schemas import (
    CampaignCreate,
    CampaignUpdate,
    FollowUpUpdate,
    InspectionRecord,
    InspectorCreate,
)
from jiliang.organisations.models import Organisation
from jiliang.platform.access import SYSTEM
from jiliang.platform.db import read_session
from jiliang.platform.models import Region

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


def _pool(rng: random.Random, region: str, n: int) -> None:
    for i in range(n):
        service.add_inspector(
            principal=SYSTEM,
            data=InspectorCreate(
                region_code=region,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                badge_no=f"{region[:4]}-{rng.randint(10000, 99999)}-{i}",
            ),
        )


def _flags(rng: random.Random, cheat: bool = False) -> dict[str, bool]:
    return {
        "seal_intact": not cheat,
        "tamper_signs": cheat,
        "cheating_device": cheat,
        "verification_mark_valid": rng.random() > 0.05,
    }


def seed(*, rng: random.Random, today: dt.date) -> dict[str, Any]:
    """Add the demo campaigns (needs the base demo: regions, organisations, users)."""
    with read_session() as s:
        have = {r for r in s.scalars(select(Region.code).where(Region.code.in_(["330000", "330100"]))).all()}
    if have != {"330000", "330100"}:
        return {"campaigns": 0}
    with read_session() as s:
        fuel_stations = s.scalar(
            select(func.count()).select_from(Organisation).where(
                Organisation.sector == "fuel_station", Organisation.region_code.like("3301%")
            )
        )
        markets = s.scalar(
            select(func.count()).select_from(Organisation).where(
                Organisation.sector == "market", Organisation.region_code.like("33%")
            )
        )
    if (fuel_stations or 0) < 2 or (markets or 0) < 2:  # a tiny demo (tests) has too few to draw from
        return {"campaigns": 0, "skipped": "too few fuel stations or markets in the demo register"}
    _pool(rng, "330100", 6)
    _pool(rng, "330000", 4)
    start = today - dt.timedelta(days=60)
    fuel = service.create_campaign(
        principal=SYSTEM,
        data=CampaignCreate(
            title=f"{start.year}年杭州市加油站计量专项监督检查",
            campaign_type="fuel_station",
            region_code="330100",
            starts_on=start,
            ends_on=today - dt.timedelta(days=10),
            sample_fraction=0.5,
            note="“双随机、一公开”：随机抽取加油站和执法检查人员，检查加油机计量准确度、铅封及作弊装置。",
        ),
    )
    service.select_entities(principal=SYSTEM, campaign_id=fuel.id, seed=rng.getrandbits(64))
    tasks = service.list_tasks(principal=SYSTEM, campaign_id=fuel.id)
    findings = 0
    for n, task in enumerate(tasks):
        day = start + dt.timedelta(days=5 + n)
        cheat = n == 0
        short = n == 1
        nozzles = []
        for k in range(rng.randint(2, 4)):
            v_std = 20.0
            delta = rng.uniform(-0.04, 0.05)
            if short and k == 0:
                delta = -0.12  # -0.6 %: beyond the MPE
            nozzles.append(
                {
                    "subject": f"{k // 2 + 1}-{k % 2 + 1}",
                    "fuel": rng.choice(["92#", "95#", "0#"]),
                    "standard_volume": v_std,
                    "dispenser_volume": round(v_std + delta, 3),
                    **_flags(rng, cheat and k == 0),
                }
            )
        found = []
        if cheat:
            found.append(
                {
                    "severity": "serious",
                    "category": "cheating_device",
                    "description": "1-1 号枪主板加装作弊芯片，铅封被破坏",
                    "penalty_legal_basis": "《中华人民共和国计量法》第二十六条；《计量法实施细则》第五十一条",
                    "penalty_amount": "30000.00",
                    "rectification_deadline": day + dt.timedelta(days=15),
                }
            )
        if short:
            found.append(
                {
                    "severity": "major",
                    "category": "error_exceeds_mpe",
                    "description": "1-1 号枪示值误差 -0.60 %，超出最大允许误差 ±0.30 %",
                    "rectification_deadline": day + dt.timedelta(days=10),
                }
            )
        service.record_inspection(
            principal=SYSTEM,
            task_id=task.id,
            data=InspectionRecord.model_validate(
                {
                    "inspected_on": day,
                    "nozzles": nozzles,
                    "items": [{"code": "instrument_register", "result": "pass"}],
                    "findings": found,
                }
            ),
        )
        findings += len(found)
    for task in tasks:
        view = service.task_view(principal=SYSTEM, task_id=task.id)
        for f in view.findings:
            service.follow_up(
                principal=SYSTEM,
                finding_id=f.id,
                data=FollowUpUpdate(
                    status="rectified" if f.severity == "major" else "open", note="已责令整改"
                ),
            )
    service.update_campaign(principal=SYSTEM, campaign_id=fuel.id, data=CampaignUpdate(published=True))

    market = service.create_campaign(
        principal=SYSTEM,
        data=CampaignCreate(
            title=f"{today.year}年浙江省集贸市场计量监督检查",
            campaign_type="market",
            region_code="330000",
            starts_on=today - dt.timedelta(days=7),
            ends_on=today + dt.timedelta(days=60),
            sample_size=4,
            note="抽查集贸市场在用电子计价秤，重点检查作弊装置和检定标志。",
        ),
    )
    service.select_entities(principal=SYSTEM, campaign_id=market.id, seed=rng.getrandbits(64))
    mtasks = service.list_tasks(principal=SYSTEM, campaign_id=market.id)
    if mtasks:
        service.record_inspection(
            principal=SYSTEM,
            task_id=mtasks[0].id,
            data=InspectionRecord.model_validate(
                {
                    "inspected_on": today - dt.timedelta(days=2),
                    "scales": [
                        {
                            "subject": f"摊位{k + 1}",
                            "max_capacity": 30,
                            "test_load": 10,
                            "indication": round(10 + rng.uniform(-0.004, 0.004), 3),
                            "mpe": 0.01,
                            "mpe_source": "检定证书（JJG 539，III 级，e = 5 g，示例值）",
                            **_flags(rng),
                        }
                        for k in range(3)
                    ],
                    "items": [{"code": "public_scale", "result": "pass"}],
                }
            ),
        )
    return {
        "campaigns": 2,
        "published_campaign": fuel.id,
        "in_progress_campaign": market.id,
        "tasks": len(tasks) + len(mtasks),
        "findings": findings,
    }
