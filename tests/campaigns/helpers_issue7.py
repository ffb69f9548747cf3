"""Helpers of the campaign tests (issue 7 part 2): principals of the demo users, an inspector pool, a plan."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select, text

_counter = itertools.count(1)


def principal(username: str) -> Any:
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    with read_session() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, username
        return principal_from_user(user)


def pool(region: str, n: int, *, who: str = "regulator", conflicts: list[int] | None = None) -> list[int]:
    from jiliang.campaigns import service
    from jiliang.campaigns.schemas import InspectorCreate

    ids = []
    for _ in range(n):
        i = next(_counter)
        obj = service.add_inspector(
            principal=principal(who),
            data=InspectorCreate(
                region_code=region,
                name=f"campaigns检查员{i}",
                badge_no=f"CAMP-{i:04d}",
                conflicts=conflicts or [],
            ),
        )
        ids.append(obj.id)
    return ids


def plan(who: str = "regulator_hz", **kw: Any) -> Any:
    from jiliang.campaigns import service
    from jiliang.campaigns.schemas import CampaignCreate

    data = {
        "title": f"campaigns测试计划{next(_counter)}",
        "campaign_type": "market",
        "region_code": "330100",
        "starts_on": dt.date(2026, 11, 1),
        "ends_on": dt.date(2026, 12, 31),
        "sample_size": None if "sample_fraction" in kw else 3,
        **kw,
    }
    return service.create_campaign(principal=principal(who), data=CampaignCreate.model_validate(data))


def count(table: str) -> int:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def counts() -> tuple[int, ...]:
    return tuple(
        count(t)
        for t in (
            "campaigns",
            "campaign_tasks",
            "campaign_check_items",
            "campaign_findings",
            "campaign_evidence",
            "campaign_inspectors",
            "audit_log",
        )
    )


def orgs(where: str, **params: Any) -> list[dict[str, Any]]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text(
                    f"SELECT id, kind, sector, region_code, name FROM organisations WHERE {where} ORDER BY id"
                ),
                params,
            ).mappings()
        ]
