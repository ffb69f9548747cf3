"""The demo dataset: a synthetic province built deterministically from a seed.

About 2,000 enterprises (shops, markets, fuel stations, hospitals, factories, utilities, transport),
about 50,000 instruments across the catalogue with verification histories (some overdue, some failed,
suspended or scrapped), several institutions with authorisations, and one user per role.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select

from jiliang.core import duedates
from jiliang.core.codes import make_credit_code, make_instrument_code
from jiliang.demo.regions import ZHEJIANG, all_regions, counties
from jiliang.instruments import service as instrument_service
from jiliang.instruments import tallies
from jiliang.instruments.models import CatalogueItem, Instrument, VerificationEvent
from jiliang.organisations.models import Authorisation, Organisation
from jiliang.platform import accounts, audit
from jiliang.platform.access import SYSTEM
from jiliang.platform.db import read_session, write_session
from jiliang.platform.models import User

DEMO_PASSWORD = "jiliang-demo-2026"

SECTOR_WEIGHTS = {
    "shop": 30, "market": 14, "fuel_station": 10, "hospital": 8, "factory": 26, "utility": 4, "transport": 8,
}
# sector -> (keyword in the catalogue item name, weight, typical instruments per enterprise)
SECTOR_ITEMS: dict[str, list[tuple[str, int]]] = {
    "shop": [("衡器", 8), ("秤", 8), ("电能表", 1)],
    "market": [("衡器", 10), ("秤", 10), ("砝码", 1)],
    "fuel_station": [("加油机", 10), ("加气机", 3), ("压力表", 2), ("气体检测", 2)],
    "hospital": [("血压", 6), ("体温", 4), ("心", 3), ("眼压", 1), ("验光", 1), ("医用", 2), ("焦度", 1)],
    "factory": [("压力表", 8), ("衡器", 4), ("气体检测", 3), ("声级", 1), ("流量", 2), ("电能表", 2)],
    "utility": [("水表", 10), ("电能表", 8), ("燃气表", 6), ("热", 2)],
    "transport": [("计价器", 8), ("测速", 3), ("酒精", 3), ("烟度", 1)],
}
SECTOR_SIZE = {"shop": 6, "market": 60, "fuel_station": 14, "hospital": 50, "factory": 30, "utility": 120,
               "transport": 30}
NAME_PARTS = ("鑫源", "华联", "永盛", "恒达", "金桥", "新世纪", "东方", "百信", "顺发", "宏远", "瑞丰", "天和",
              "嘉禾", "万通", "国泰", "明珠", "康宁", "安泰", "协和", "中兴", "信达", "福源", "长城", "润丰")
SECTOR_SUFFIX = {"shop": "超市", "market": "农贸市场", "fuel_station": "加油站", "hospital": "医院",
                 "factory": "制造有限公司", "utility": "公用事业有限公司", "transport": "运输有限公司"}
MAKERS = ("上海大和衡器", "宁波柯力", "正星科技", "托肯恒山", "鱼跃医疗", "欧姆龙", "宁波水表", "威胜集团",
          "金卡智能", "布莱迪仪器", "汉威科技", "杭州爱华", "红旗仪表")


@dataclass
class DemoSummary:
    regions: int
    enterprises: int
    institutions: int
    instruments: int
    verifications: int
    overdue: int
    recalls: int
    seconds: float
    areas: dict[str, Any] = field(default_factory=dict)


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _items_for(catalogue: list[CatalogueItem]) -> dict[str, list[tuple[CatalogueItem, int]]]:
    out: dict[str, list[tuple[CatalogueItem, int]]] = {}
    for sector, wanted in SECTOR_ITEMS.items():
        chosen: list[tuple[CatalogueItem, int]] = []
        for keyword, weight in wanted:
            for item in catalogue:
                if keyword in (item.name_l1 + item.name_l2) and item.verification_form not in (None, "none"):
                    chosen.append((item, weight))
        out[sector] = chosen or [(catalogue[0], 1)]
    return out


# The areas' demo seeds (``jiliang.demo.<name>.seed(rng=, today=)``), run in this order after the base
# province: certificates are issued from the verification seed's approved records, and credit comes last
# because it derives credit records from the others' findings.
AREA_SEEDS = (
    "verification", "certificates", "comparisons", "netcontent_inspections", "campaigns", "credit",
)


def build(*, seed: int = 20231, enterprises: int = 2000, instruments: int = 50_000,
          today: dt.date | None = None, areas: bool = True) -> DemoSummary:
    """Build the demo dataset into an empty, migrated database (``areas=False``: the base province only)."""
    start = time.perf_counter()
    today = today or dt.date.today()
    rng = random.Random(seed)
    accounts.load_regions(actor=SYSTEM, regions=all_regions())
    instrument_service.load_catalogue(principal=SYSTEM, document=instrument_service.bundled_catalogue())
    with read_session() as s:
        if s.scalar(select(func.count()).select_from(Organisation)):
            raise RuntimeError("the database already holds organisations; the demo needs an empty database")
        catalogue = list(s.scalars(select(CatalogueItem).order_by(CatalogueItem.code)))
    by_sector = _items_for(catalogue)
    county_codes = [c for c in counties() if c.startswith("33")]
    js_counties = [c for c in counties() if c.startswith("32")]
    # --- organisations
    org_rows: list[dict[str, Any]] = []
    serial = 0
    for i in range(enterprises):
        sector = _weighted(rng, SECTOR_WEIGHTS)
        region = rng.choice(js_counties if i % 20 == 0 else county_codes)
        serial += 1
        name_region = ZHEJIANG.get(region, ("", ""))[0] or "江苏"
        org_rows.append({
            "kind": "enterprise", "name": f"{name_region}{rng.choice(NAME_PARTS)}{SECTOR_SUFFIX[sector]}{i + 1:04d}",
            "credit_code": make_credit_code(region, 10_000_000 + serial * 37), "region_code": region,
            "sector": sector, "address": f"{name_region}示范路{rng.randint(1, 999)}号",
            "contact_name": f"联系人{i + 1:04d}", "contact_phone": f"0571-{rng.randint(10000000, 99999999)}",
        })
    institutions = [("330000", "浙江省计量科学研究院(示例)")] + [
        (code, f"{name}计量检定测试所(示例)") for code, (name, _) in ZHEJIANG.items()
        if code[4:] == "00" and code[2:4] != "00"
    ] + [("320000", "江苏省计量科学研究院(示例)")]
    for region, name in institutions:
        serial += 1
        org_rows.append({
            "kind": "institution", "name": name, "credit_code": make_credit_code(region, 10_000_000 + serial * 37,
                                                                                 registration_authority="1"),
            "region_code": region, "sector": "lab", "address": f"{name}所在地", "contact_name": "业务受理",
            "contact_phone": "0571-12345678",
        })
    with write_session() as s:
        s.execute(insert(Organisation), org_rows)
        orgs = list(s.scalars(select(Organisation).order_by(Organisation.id)))
        audit.record(s, actor=SYSTEM.username, action="demo_seed", object_type="organisation", object_id="bulk",
                     after={"seed": seed, "count": len(orgs)})
    enterprises_list = [o for o in orgs if o.kind == "enterprise"]
    institution_list = [o for o in orgs if o.kind == "institution"]
    # --- authorisations
    auth_rows = []
    for inst in institution_list:
        for item in catalogue:
            if inst.region_code[2:] == "0000" or rng.random() < 0.5:
                auth_rows.append({
                    "institution_id": inst.id, "catalogue_code": item.code, "region_code": inst.region_code,
                    "valid_until": today + dt.timedelta(days=rng.randint(-60, 1500)),
                    "annual_capacity": rng.choice((200, 500, 1000, 2000, 5000)),
                })
    # --- instruments with verification histories
    per_org = {o.id: SECTOR_SIZE[o.sector] for o in enterprises_list}
    total_weight = sum(per_org.values())
    inst_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    seq: dict[tuple[str, str], int] = {}
    region_institution = {i.region_code: i.id for i in institution_list}
    for org in enterprises_list:
        n = max(1, round(instruments * per_org[org.id] / total_weight))
        items = by_sector[org.sector]
        for _ in range(n):
            item = rng.choices([it for it, _ in items], weights=[w for _, w in items])[0]
            key = (org.region_code, item.code)
            seq[key] = seq.get(key, 0) + 1
            rule = instrument_service.rule_of(item)
            first = today - dt.timedelta(days=rng.randint(30, 6 * 365))
            verifier = region_institution.get(org.region_code[:4] + "00") or region_institution.get(
                org.region_code[:2] + "0000")
            events: list[tuple[dt.date, str]] = [(first, "pass")]
            last = first
            period = rule.period_months if rule.verification_form == "periodic" else None
            overdue_instrument = rng.random() < 0.07
            while period:
                nxt = duedates.add_months(last, period) - dt.timedelta(days=rng.randint(0, 20))
                if nxt > today or (overdue_instrument and duedates.add_months(nxt, period) > today):
                    break
                result = "fail" if rng.random() < 0.03 else "pass"
                events.append((nxt, result))
                last = nxt
            status = "in_use"
            r = rng.random()
            if events[-1][1] == "fail" or r < 0.02:
                status = "suspended"
            elif r < 0.04:
                status = "scrapped"
            code = make_instrument_code(org.region_code, item.code, seq[key])
            inst_rows.append({
                "code": code, "catalogue_code": item.code, "owner_id": org.id, "region_code": org.region_code,
                "maker": rng.choice(MAKERS), "model": f"{rng.choice('ABCDEFGHJK')}{rng.randint(10, 999)}",
                "serial_number": f"SN{rng.randint(10**7, 10**8 - 1)}", "measuring_range": "", "accuracy_class": "",
                "location": f"{org.address}", "use": item.uses[0] if item.uses else "trade_settlement",
                "status": status, "first_verified_on": first, "last_verified_on": last,
                "last_result": events[-1][1],
                "next_due_on": instrument_service.due_for(rule, first, last),
            })
            event_rows.append({"_code": code, "events": events, "verifier": verifier, "rule": rule})
    with write_session() as s:
        s.execute(insert(Authorisation), auth_rows)
        for i in range(0, len(inst_rows), 10_000):
            s.execute(insert(Instrument), inst_rows[i : i + 10_000])
        ids = dict(s.execute(select(Instrument.code, Instrument.id)).all())
        owners = {r["code"]: (r["owner_id"], r["region_code"], r["first_verified_on"]) for r in inst_rows}
        ev: list[dict[str, Any]] = []
        for rec in event_rows:
            owner_id, region, first = owners[rec["_code"]]
            for day, result in rec["events"]:
                ev.append({
                    "instrument_id": ids[rec["_code"]], "owner_id": owner_id, "region_code": region,
                    "verified_on": day, "institution_id": rec["verifier"], "result": result,
                    "certificate_no": f"JD{day.year}-{len(ev) + 1:07d}",
                    "next_due_on": instrument_service.due_for(rec["rule"], first, day),
                })
        for i in range(0, len(ev), 20_000):
            s.execute(insert(VerificationEvent), ev[i : i + 20_000])
        tallies.rebuild(s, today)
        audit.record(s, actor=SYSTEM.username, action="demo_seed", object_type="instrument", object_id="bulk",
                     after={"seed": seed, "instruments": len(inst_rows), "verifications": len(ev),
                            "authorisations": len(auth_rows)})
    # --- users, one per role (and a few more for the access tests)
    shop = next(o for o in enterprises_list if o.region_code.startswith("3301"))
    js_shop = next(o for o in enterprises_list if o.region_code.startswith("32"))
    provincial = next(i for i in institution_list if i.region_code == "330000")
    users = [
        ("admin", "系统管理员", "admin", None, None, ()),
        ("regulator", "浙江省市场监管局计量处", "regulator", "330000", None, ()),
        ("regulator_hz", "杭州市市场监管局", "regulator", "330100", None, ()),
        ("regulator_js", "江苏省市场监管局计量处", "regulator", "320000", None, ()),
        ("institution", "省计量院 检定员", "institution", "330000", provincial.id, ("verifier", "checker", "approver")),
        ("enterprise", shop.name, "enterprise", None, shop.id, ()),
        ("enterprise_js", js_shop.name, "enterprise", None, js_shop.id, ()),
    ]
    for username, display, role, region, org_id, duties in users:
        accounts.create_user(actor=SYSTEM, username=username, password=DEMO_PASSWORD, role=role,
                             display_name=display, region_code=region, organisation_id=org_id, duties=duties)
    recalls = instrument_service.generate_recalls(principal=SYSTEM, today=today, days_before=30)
    overdue = sum(1 for r in inst_rows if r["status"] == "in_use" and r["next_due_on"] and r["next_due_on"] < today)
    area_summaries: dict[str, Any] = {}
    for i, name in enumerate(AREA_SEEDS if areas else ()):
        module = importlib.import_module(f"jiliang.demo.{name}")
        area_summaries[name] = module.seed(rng=random.Random(seed * 100 + i), today=today)
    return DemoSummary(
        regions=len(all_regions()), enterprises=len(enterprises_list), institutions=len(institution_list),
        instruments=len(inst_rows), verifications=len(ev), overdue=overdue, recalls=recalls,
        seconds=round(time.perf_counter() - start, 1), areas=area_summaries,
    )


def demo_users() -> list[str]:
    with read_session() as s:
        return list(s.scalars(select(User.username).order_by(User.id)))
