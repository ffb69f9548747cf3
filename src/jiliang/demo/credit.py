"""Demo rows of honest metrology (诚信计量): self-declarations, derived credit, a few model units.

Run after the base demo (and after the net-content and campaign demos, so that their failures and findings
feed the credit records). Everything goes through :mod:`jiliang.credit.service` (audited).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select

from jiliang.credit import service
from jiliang.credit.models import CreditScore, ModelUnit
from jiliang.credit.schemas import DeclarationCreate, ModelUnitCreate
from jiliang.organisations.models import Organisation
from jiliang.platform.access import SYSTEM
from jiliang.platform.db import read_session
from jiliang.platform.errors import DomainError
from jiliang.platform.models import User

TEMPLATE = "honest-metrology-2026"
ITEMS = ("register_verify", "no_cheating", "net_content", "legal_units", "management", "accept_supervision")
SECTOR_ITEMS = {  # what a sector typically commits to besides the core items
    "factory": ("net_content", "management"),
    "market": ("net_content", "legal_units", "accept_supervision"),
    "shop": ("net_content", "legal_units"),
    "fuel_station": ("management", "accept_supervision"),
}


def seed(*, rng: random.Random, today: dt.date) -> dict[str, Any]:
    """About 15 % of the enterprises declare (most publish; a few drafts); the credit of both demo provinces is
    derived; up to 8 grade-A enterprises (those with a published commitment first) become model units."""
    real_today = dt.date.today()
    with read_session() as s:
        enterprises = list(
            s.execute(
                select(Organisation.id, Organisation.sector, Organisation.region_code)
                .where(Organisation.kind == "enterprise")
                .order_by(Organisation.id)
            )
        )
        demo_enterprise = s.scalar(select(User.organisation_id).where(User.username == "enterprise"))
    chosen = [e for e in enterprises if rng.random() < 0.15 or e.id == demo_enterprise]
    declared = published = 0
    declared_ids: list[int] = []
    for e in chosen:
        start = today - dt.timedelta(days=rng.randint(5, 300))
        if abs((start - real_today).days) > 360:
            start = real_today - dt.timedelta(days=30)
        items = ["register_verify", "no_cheating", *SECTOR_ITEMS.get(e.sector, ())]
        publish = e.id == demo_enterprise or rng.random() < 0.85
        try:
            service.create_declaration(
                principal=SYSTEM,
                data=DeclarationCreate(
                    template_id=TEMPLATE,
                    items=[i for i in ITEMS if i in items],
                    declared_on=start,
                    valid_until=start + dt.timedelta(days=rng.choice((365, 730, 1095))),
                    publish=publish,
                    enterprise_id=e.id,
                ),
            )
        except DomainError:
            continue
        declared += 1
        published += int(publish)
        if publish:
            declared_ids.append(e.id)
    refreshed = []
    for province in sorted({e.region_code[:2] + "0000" for e in enterprises}):
        out = service.refresh_region(principal=SYSTEM, region_code=province, as_of=real_today)
        refreshed.append(out.model_dump())
    with read_session() as s:
        grade_a = list(
            s.scalars(
                select(CreditScore.enterprise_id).where(
                    CreditScore.is_current.is_(True), CreditScore.grade == "A"
                )
            )
        )
        already = set(s.scalars(select(ModelUnit.enterprise_id)))
        grades = {
            str(g): int(n)
            for g, n in s.execute(
                select(CreditScore.grade, func.count())
                .where(CreditScore.is_current.is_(True))
                .group_by(CreditScore.grade)
            ).all()
        }
    candidates = [e for e in declared_ids if e in set(grade_a) and e not in already]
    candidates += [e for e in grade_a if e not in set(candidates) and e not in already]
    units = 0
    for eid in candidates[:8]:
        try:
            service.designate_model_unit(
                principal=SYSTEM,
                data=ModelUnitCreate(
                    enterprise_id=eid,
                    designated_on=real_today - dt.timedelta(days=rng.randint(0, 200)),
                    note="诚信计量示范单位（演示数据）",
                ),
            )
            units += 1
        except DomainError:
            continue
    return {
        "declarations": declared,
        "published": published,
        "refreshed": refreshed,
        "grades": grades,
        "model_units": units,
    }
