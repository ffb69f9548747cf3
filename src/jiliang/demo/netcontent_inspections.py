"""Demo seed: net-content inspections of prepackaged goods across categories, regions and months, and C-mark
self-declarations. Everything goes through :mod:`jiliang.netcontent_inspections.service` (verdicts from the core).

About four dozen lots over the last twelve months, roughly one in five failing (a shifted filling level, or a
few badly short packages), most signed off and about half published, a few drafts and one correction; the
demo enterprise user's organisation produces some of them so that its pages show data.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jiliang.core import netcontent as nc
from jiliang.netcontent_inspections import service
from jiliang.netcontent_inspections.schemas import CMarkIn, CorrectionIn, InspectionIn
from jiliang.organisations.models import Organisation
from jiliang.platform.access import SYSTEM
from jiliang.platform.db import read_session
from jiliang.platform.models import User

# (category, product, brand, kind, nominal, unit, reading unit, density g/mL or None, typical sd, tare g or None)
PRODUCTS: list[tuple[str, str, str, str, str, str, str, str | None, float, float | None]] = [
    ("food", "速冻水饺", "湾仔码头", "mass", "500", "g", "g", None, 2.5, 18.0),
    ("food", "苏打饼干", "嘉士利", "mass", "200", "g", "g", None, 1.2, None),
    ("food", "月饼礼盒", "五芳斋", "mass", "400", "g", "g", None, 3.0, 160.0),
    ("beverage", "饮用纯净水", "农夫山泉", "volume", "550", "mL", "mL", None, 2.0, None),
    ("beverage", "橙汁饮料", "汇源", "volume", "1", "L", "mL", None, 4.0, None),
    ("dairy", "纯牛奶", "一鸣", "volume", "250", "mL", "mL", None, 1.0, None),
    ("edible_oil", "压榨花生油", "鲁花", "volume", "5", "L", "g", "0.914", 12.0, 105.0),
    ("edible_oil", "菜籽油", "金龙鱼", "volume", "1.8", "L", "g", "0.918", 6.0, 60.0),
    ("grain", "东北大米", "五常", "mass", "10", "kg", "g", None, 35.0, None),
    ("grain", "小麦粉", "香雪", "mass", "2.5", "kg", "g", None, 12.0, None),
    ("condiments", "酿造酱油", "海天", "volume", "500", "mL", "mL", None, 2.0, None),
    ("condiments", "食用盐", "中盐", "mass", "400", "g", "g", None, 2.0, None),
    ("daily_chemicals", "洗衣液", "蓝月亮", "mass", "2", "kg", "g", None, 9.0, 120.0),
    ("daily_chemicals", "洗洁精", "白猫", "mass", "1.1", "kg", "g", None, 5.0, None),
    ("cosmetics", "洗发水", "拉芳", "volume", "400", "mL", "mL", None, 2.5, None),
    ("building_materials", "瓷砖胶", "德高", "mass", "20", "kg", "kg", None, 0.08, None),
    ("building_materials", "电线（BV 2.5 mm²）", "正泰", "length", "100", "m", "m", None, 0.25, None),
    ("paper", "抽取式面巾纸", "心相印", "count", "100", "抽", "抽", None, 0.6, None),
    ("textiles", "纯棉毛巾", "洁丽雅", "count", "10", "条", "条", None, 0.0, None),
]


def _q(value: float, unit: str, kind: str) -> Decimal:
    if kind == "count":
        return Decimal(max(0, round(value)))
    step = Decimal("0.01") if unit in ("kg", "m") else Decimal("0.1")
    return Decimal(str(value)).quantize(step)


def _readings(rng: random.Random, spec: tuple[Any, ...], n: int, failing: str | None) -> dict[str, Any]:
    cat, product, brand, kind, nominal, unit, reading_unit, density, sd, tare = spec
    qn_base = float(nc.tolerable_deficiency(nominal, kind, unit).nominal)  # g, mL, m, items
    t = float(nc.tolerable_deficiency(nominal, kind, unit).value)
    factor = 1000.0 if reading_unit == "kg" else 1.0
    offset = sd * 0.6 if kind != "count" else 0.0
    if failing == "mean":
        offset = -max(sd * 1.6, t * 0.5)
    values = [rng.gauss(qn_base + offset, sd) for _ in range(n)]
    if kind == "count" and failing != "short":
        values = [qn_base + (1 if rng.random() < 0.1 else 0) for _ in range(n)]
    if failing == "short":
        for i in rng.sample(range(n), k=min(n, rng.choice((2, 3)))):
            values[i] = qn_base - t * rng.uniform(1.3, 2.6)
    if failing == "mean" and kind == "count":
        values = [qn_base - 1 for _ in range(n)]
    lot: dict[str, Any] = {}
    if density is not None:
        masses = [v * float(density) for v in values]  # the balance reads mass; V = m / ρ
        if tare is not None:
            tares = [rng.gauss(tare, 0.4) for _ in range(10)]
            lot["gross"] = [_q(m + sum(tares) / len(tares), "g", "mass") for m in masses]
            lot["tare"] = [_q(x, "g", "mass") for x in tares]
            lot["tare_method"] = "average"
        else:
            lot["net"] = [_q(m, "g", "mass") for m in masses]
        lot["reading_unit"] = "g"
        lot["density"] = Decimal(density)
        return lot
    vals = [v / factor for v in values]
    if tare is not None and kind == "mass":
        tares = [rng.gauss(tare, tare * 0.01) for _ in range(n)]
        lot["gross"] = [_q(v + w / factor, reading_unit, kind) for v, w in zip(vals, tares, strict=True)]
        lot["tare"] = [_q(w / factor, reading_unit, kind) for w in tares]
        lot["tare_method"] = "individual"
    else:
        lot["net"] = [_q(v, reading_unit, kind) for v in vals]
    if reading_unit != unit:
        lot["reading_unit"] = reading_unit
    return lot


def seed(*, rng: random.Random, today: dt.date) -> dict[str, Any]:
    with read_session() as s:
        enterprises = s.execute(
            select(Organisation.id, Organisation.region_code, Organisation.sector, Organisation.name)
            .where(Organisation.kind == "enterprise")
            .order_by(Organisation.id)
        ).all()
        demo_org = s.scalar(select(User.organisation_id).where(User.username == "enterprise"))
    if not enterprises:
        return {"netcontent_inspections": 0, "cmark_declarations": 0}
    factories = [e for e in enterprises if e.sector == "factory"] or list(enterprises)
    sellers = [e for e in enterprises if e.sector in ("shop", "market")] or list(enterprises)
    producers = rng.sample(factories, k=min(14, len(factories)))
    hangzhou = [e for e in factories if e.region_code.startswith("3301") and e not in producers]
    producers += rng.sample(hangzhou, k=min(6, len(hangzhou)))  # the demo regulator_hz sees a fair share
    own = next((e for e in enterprises if e.id == demo_org), None)
    real_today = min(today, dt.date.today())
    created: list[int] = []
    published = failed = 0
    for i in range(48):
        spec = PRODUCTS[i % len(PRODUCTS)] if i < len(PRODUCTS) else rng.choice(PRODUCTS)
        producer = own if (own is not None and i % 12 == 5) else rng.choice(producers)
        seller = rng.choice(sellers) if rng.random() < 0.5 else None
        lot_size = rng.choice((8, 40, 80, 150, 300, 800, 1500, 4000))
        n = nc.sampling_plan(lot_size).sample_size
        failing = rng.choices((None, "short", "mean"), weights=(72, 17, 11))[0]
        readings = _readings(rng, spec, n, failing)
        cat, product, brand, kind, nominal, unit, *_ = spec
        inspected_on = real_today - dt.timedelta(days=rng.randint(3, 360))
        region = seller.region_code if seller is not None else producer.region_code
        data = InspectionIn(
            product_name=product,
            product_category=cat,
            brand=brand,
            batch=f"{inspected_on:%Y%m%d}{rng.randint(1, 9):02d}",
            producer_id=producer.id,
            seller_id=seller.id if seller is not None else None,
            producer_name=producer.name,
            region_code=region,
            inspected_on=inspected_on,
            place=(seller.name if seller is not None else producer.name) + "（成品库）",
            inspectors=rng.sample(["王建国", "李敏", "张伟", "陈静", "刘洋", "赵磊", "周婷"], k=2),
            lot_size=lot_size,
            kind=kind,
            nominal=Decimal(nominal),
            unit=unit,
            label_text=f"净含量：{nominal}{unit}",
            label_character_height_mm=Decimal(rng.choice(("2", "3", "4", "6", "6"))),
            **readings,
        )
        obj = service.create_inspection(principal=SYSTEM, data=data, source="demo")
        created.append(obj.id)
        failed += obj.verdict == "fail"
        if i % 10 == 9:
            continue  # a draft
        service.finalise(principal=SYSTEM, inspection_id=obj.id)
        if i % 2 == 0 or (own is not None and producer.id == own.id):
            service.set_published(principal=SYSTEM, inspection_id=obj.id, published=True)
            published += 1
    # one correction: a wrong batch number on a signed-off record
    first = service.get_inspection(principal=SYSTEM, inspection_id=created[0])
    if first.status != "draft":
        payload = {k: v for k, v in first.measurements.items()}
        data = CorrectionIn(
            product_name=first.product_name,
            product_category=first.product_category,
            brand=first.brand,
            batch=first.batch + "A",
            producer_id=first.producer_id,
            seller_id=first.seller_id,
            producer_name=first.producer_name,
            region_code=first.region_code,
            inspected_on=first.inspected_on,
            place=first.place,
            inspectors=list(first.inspectors),
            label_text=first.label_text,
            label_character_height_mm=(
                Decimal(first.label_character_height_mm) if first.label_character_height_mm else None
            ),
            correction_reason="批号录入错误，按样品标签更正",
            **payload,
        )
        fix = service.correct(principal=SYSTEM, inspection_id=first.id, data=data, source="demo")
        service.finalise(principal=SYSTEM, inspection_id=fix.id)
    declarants = rng.sample(factories, k=min(10, len(factories)))
    if own is not None and own not in declarants:
        declarants.append(own)
    for e in declarants:
        spec = rng.choice(PRODUCTS)
        service.declare_cmark(
            principal=SYSTEM,
            data=CMarkIn(
                enterprise_id=e.id,
                products=f"{spec[2]}{spec[1]} {spec[4]}{spec[5]}",
                assessment="按 JJF 1070 建立净含量计量保证体系，配备电子秤（Ⅲ级）并定期检定，出厂逐批抽检。",
                declared_on=real_today - dt.timedelta(days=rng.randint(30, 700)),
            ),
        )
    return {
        "netcontent_inspections": len(created),
        "netcontent_failed": failed,
        "netcontent_published": published,
        "cmark_declarations": len(declarants),
    }
