"""The regulator's dashboard: figures for a region and the regions below it.

All figures are counts over the register (GROUP BY on indexed columns, restricted to the region's
code range and to what the principal may see).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select

from jiliang.core.codes import is_within, region_level, region_range
from jiliang.instruments import tallies
from jiliang.instruments.models import (
    CatalogueItem,
    Instrument,
    InstrumentTally,
    TallyState,
    VerificationTally,
)
from jiliang.organisations.models import Authorisation
from jiliang.platform.access import Principal, visible
from jiliang.platform.db import read_session
from jiliang.platform.errors import Forbidden
from jiliang.platform.models import Region


@dataclass
class Dashboard:
    scope: str
    scope_name: str
    scope_name_en: str
    today: dt.date
    totals: dict[str, int] = field(default_factory=dict)
    by_item: list[dict[str, Any]] = field(default_factory=list)
    by_use: list[dict[str, Any]] = field(default_factory=list)
    by_region: list[dict[str, Any]] = field(default_factory=list)
    capacity: list[dict[str, Any]] = field(default_factory=list)
    trend: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def resolve_scope(principal: Principal, region: str | None) -> str:
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("the dashboard is for regulators")
    own = principal.region_code
    if region:
        if principal.role == "regulator" and own and not is_within(region, own):
            raise Forbidden("that region is outside your jurisdiction", field="region")
        return region
    if own:
        return own
    return "000000"


def _rows_from_tallies(s: Any, principal: Principal, low: str, high: str) -> list[tuple[Any, ...]]:
    """The per (region, item, use) counts, summed from the tallies instead of the register."""
    acc: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0] * 8)
    for reg, item, use, status, bucket, n in s.execute(
        select(InstrumentTally.region_code, InstrumentTally.catalogue_code, InstrumentTally.use,
               InstrumentTally.status, InstrumentTally.bucket, func.sum(InstrumentTally.n))
        .where(InstrumentTally.region_code >= low, InstrumentTally.region_code <= high,
               visible(principal, InstrumentTally))
        .group_by(InstrumentTally.region_code, InstrumentTally.catalogue_code, InstrumentTally.use,
                  InstrumentTally.status, InstrumentTally.bucket)
    ):
        n = int(n or 0)
        v = acc[(reg, item, use)]
        v[0] += n  # total
        if status == "in_use":
            v[1] += n
            v[2] += n if bucket == "overdue" else 0
            v[3] += n if bucket == "due30" else 0
            v[4] += n if bucket in ("overdue", "due30", "due365") else 0
            v[7] += n if bucket == "nodue" else 0
        v[5] += n if status == "suspended" else 0
        v[6] += n if status == "scrapped" else 0
    return [(*key, *v) for key, v in acc.items() if v[0]]


def build(*, principal: Principal, region: str | None = None, today: dt.date | None = None) -> Dashboard:
    scope = resolve_scope(principal, region)
    if today is None:
        today = dt.date.today()
        tallies.ensure_current(today)
    if scope == "000000":
        low, high = "000000", "999999"
    else:
        low, high = region_range(scope)
    in_scope = and_(Instrument.region_code >= low, Instrument.region_code <= high, visible(principal, Instrument))
    in_use = Instrument.status == "in_use"
    overdue = and_(in_use, Instrument.next_due_on < today)
    due30 = and_(in_use, Instrument.next_due_on >= today, Instrument.next_due_on <= today + dt.timedelta(days=30))
    horizon = today + dt.timedelta(days=365)
    due_year = and_(in_use, Instrument.next_due_on <= horizon)

    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    with read_session() as s:
        scope_region = s.get(Region, scope)
        dash = Dashboard(scope=scope, scope_name=scope_region.name_zh if scope_region else "全国",
                         scope_name_en=scope_region.name_en if scope_region else "All regions", today=today)
        if s.scalar(select(TallyState.as_of).where(TallyState.id == 1)) == today:
            rows = _rows_from_tallies(s, principal, low, high)
        else:  # a date other than the tallies' date: count the register directly
            rows = s.execute(
                select(
                    Instrument.region_code, Instrument.catalogue_code, Instrument.use,
                    func.count(), count_if(in_use), count_if(overdue), count_if(due30), count_if(due_year),
                    count_if(Instrument.status == "suspended"), count_if(Instrument.status == "scrapped"),
                    count_if(and_(in_use, Instrument.next_due_on.is_(None))),
                )
                .where(in_scope)
                .group_by(Instrument.region_code, Instrument.catalogue_code, Instrument.use)
            ).all()
        items = {c.code: c for c in s.scalars(select(CatalogueItem))}
        regions = {r.code: r for r in s.scalars(select(Region).where(Region.code.between(low, high)))}
        auths = s.execute(
            select(Authorisation.catalogue_code, Authorisation.region_code, Authorisation.annual_capacity)
            .where(Authorisation.valid_until >= today)
        ).all()
        first_month = (today.replace(day=1) - dt.timedelta(days=335)).strftime("%Y-%m")
        trend_rows = s.execute(
            select(VerificationTally.month, func.sum(VerificationTally.n), func.sum(VerificationTally.failed))
            .where(VerificationTally.region_code >= low, VerificationTally.region_code <= high,
                   VerificationTally.month >= first_month, visible(principal, VerificationTally))
            .group_by(VerificationTally.month)
        ).all()

    totals: dict[str, int] = defaultdict(int)
    item_acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    use_acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    region_acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    child_level = {"province": 4, "prefecture": 6, "county": 6}[region_level(scope)] if scope != "000000" else 2
    for reg, item, use, total, n_use, n_over, n_30, n_year, n_susp, n_scrap, n_never in rows:
        vals = {"total": total, "in_use": int(n_use or 0), "overdue": int(n_over or 0), "due30": int(n_30 or 0),
                "due_year": int(n_year or 0), "suspended": int(n_susp or 0), "scrapped": int(n_scrap or 0),
                "no_due_date": int(n_never or 0)}
        child = (reg[:child_level] + "0" * (6 - child_level)) if child_level < 6 else reg
        for k, v in vals.items():
            totals[k] += v
            item_acc[item][k] += v
            use_acc[use][k] += v
            region_acc[child][k] += v
    dash.totals = dict(totals)
    dash.totals["overdue_rate"] = _rate(totals["overdue"], totals["in_use"])  # type: ignore[assignment]
    dash.totals["coverage"] = _rate(  # type: ignore[assignment]
        totals["in_use"] - totals["overdue"] - totals["no_due_date"], totals["in_use"]
    )
    capacity_by_item: dict[str, int] = defaultdict(int)
    for code, reg, cap in auths:
        # an authorisation counts when its region overlaps the scope
        if scope == "000000" or is_within(reg, scope) or is_within(scope, reg):
            capacity_by_item[code] += int(cap or 0)
    for code, v in sorted(item_acc.items(), key=lambda kv: (-kv[1]["total"], kv[0])):
        item = items.get(code)
        name = (item.name_l2 or item.name_l1) if item else code
        name_en = item.name_en if item else code
        dash.by_item.append({"code": code, "name": name, "name_en": name_en, **v, "overdue_rate": _rate(v["overdue"], v["in_use"])})
        dash.capacity.append({
            "code": code, "name": name, "name_en": name_en, "falling_due": v["due_year"], "capacity": capacity_by_item.get(code, 0),
            "ratio": round(capacity_by_item.get(code, 0) / v["due_year"], 2) if v["due_year"] else None,
            "period_source_status": item.period_source_status if item else "unknown",
        })
    for use, v in sorted(use_acc.items()):
        dash.by_use.append({"use": use, **v, "overdue_rate": _rate(v["overdue"], v["in_use"])})
    for code, v in sorted(region_acc.items()):
        reg_obj = regions.get(code)
        dash.by_region.append({
            "code": code, "name": reg_obj.name_zh if reg_obj else code,
            "name_en": reg_obj.name_en if reg_obj else code, **v,
            "overdue_rate": _rate(v["overdue"], v["in_use"]),
        })
    months = []
    cursor = dt.date(today.year, today.month, 1)
    for _ in range(12):
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor - dt.timedelta(days=1)).replace(day=1)
    by_month = {m: (int(n or 0), int(f or 0)) for m, n, f in trend_rows}
    dash.trend = [{"month": m, "verifications": by_month.get(m, (0, 0))[0], "failed": by_month.get(m, (0, 0))[1]}
                  for m in reversed(months)]
    return dash
