"""Demo comparisons (issue 5): a published key comparison, a published PT round with scores, and a
comparison whose results are still sealed. Synthetic but realistic data, entered through the services."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select

from jiliang.comparisons import service
from jiliang.comparisons.schemas import AnalysisIn, ComparisonCreate, ParticipantIn, SubmissionIn
from jiliang.organisations.models import Organisation
from jiliang.platform.access import Principal
from jiliang.platform.db import read_session

REGULATOR = Principal(
    user_id=None, username="regulator", role="regulator", region_code="330000", display_name="demo"
)


def _lab(org_id: int) -> Principal:
    return Principal(user_id=None, username=f"demo_lab_{org_id}", role="institution", organisation_id=org_id)


def _institutions() -> list[tuple[int, str, str]]:
    with read_session() as s:
        return [
            (a, b, c)
            for a, b, c in s.execute(
                select(Organisation.id, Organisation.name, Organisation.region_code)
                .where(Organisation.kind == "institution")
                .order_by(Organisation.id)
            ).all()
        ]


def seed(*, rng: random.Random, today: dt.date) -> dict[str, Any]:
    insts = _institutions()
    provincial = next(i for i in insts if i[2] == "330000")
    others = [i for i in insts if i[0] != provincial[0]]
    codes = {i[0]: f"L{n + 1:02d}" for n, i in enumerate(others)}

    # 1. a key comparison of a 10 V Zener reference, published (weighted mean, Cox 2002 Procedure A)
    kc_parts = [provincial] + others[:7]
    kc = service.create_comparison(
        principal=REGULATOR,
        data=ComparisonCreate(
            kind="national",
            title="10 V 直流电压标准国家比对（示例）",
            quantity="直流电压",
            unit="V",
            artefact="齐纳二极管电压参考标准 Fluke 732B，编号 DEMO-732B-01；巡回方式：星形",
            pilot_id=provincial[0],
            region_code="330000",
            deadline=today + dt.timedelta(days=3),
            participants=[
                ParticipantIn(
                    organisation_id=o,
                    lab_code="ZJIM" if o == provincial[0] else codes[o],
                    received_on=today - dt.timedelta(days=120 - 12 * n),
                    returned_on=today - dt.timedelta(days=112 - 12 * n),
                )
                for n, (o, _, _) in enumerate(kc_parts)
            ],
        ),
        protocol=("10 V 直流电压标准比对技术规范（示例）\n巡回路线、测量条件、结果报告格式。\n").encode(),
        protocol_name="技术规范.txt",
    )
    true_value = 9.99999712
    for o, _, _ in kc_parts:
        u = rng.choice([0.05, 0.08, 0.12, 0.2, 0.3]) * 1e-6 * 10
        x = true_value + rng.gauss(0, u)
        service.submit_result(
            principal=_lab(o),
            comparison_id=kc.id,
            data=SubmissionIn(
                value=round(x, 9),
                standard_uncertainty=round(u, 9),
                dof=rng.choice([20, 30, 50, 100]),
                coverage_factor=2,
                unit="V",
            ),
        )
    pilot = _lab(provincial[0])
    service.analyse(principal=pilot, comparison_id=kc.id, data=AnalysisIn(kind="draft_a"))
    draft_b = service.analyse(
        principal=pilot, comparison_id=kc.id, data=AnalysisIn(kind="draft_b", method="weighted-mean")
    )
    service.publish(principal=REGULATOR, comparison_id=kc.id, analysis_id=draft_b.id)

    # 2. a proficiency-testing round: 200 g weight, consensus by Algorithm A, σ_pt = s*, with homogeneity
    pt_parts = others[:12]
    pt = service.create_comparison(
        principal=REGULATOR,
        data=ComparisonCreate(
            kind="proficiency_test",
            title="F1 等级 200 g 砝码质量测量能力验证（示例）",
            quantity="质量",
            unit="mg",
            artefact="不锈钢砝码 200 g（F1），样品 12 件，均匀性与稳定性已检验",
            pilot_id=provincial[0],
            region_code="330000",
            deadline=today + dt.timedelta(days=3),
            participants=[
                ParticipantIn(organisation_id=o, lab_code=f"PT{n + 1:02d}")
                for n, (o, _, _) in enumerate(pt_parts)
            ],
        ),
    )
    for n, (o, _, _) in enumerate(pt_parts):
        x = 200000.0 + 0.21 + rng.gauss(0, 0.08) + (0.55 if n == 4 else 0.0) + (-0.3 if n == 9 else 0.0)
        # a few labs report in grams: converted to mg on entry
        unit, scale = ("g", 1e-3) if n % 5 == 0 else ("mg", 1.0)
        service.submit_result(
            principal=_lab(o),
            comparison_id=pt.id,
            data=SubmissionIn(
                value=round(x * scale, 9),
                standard_uncertainty=round(0.05 * scale, 9),
                coverage_factor=2,
                unit=unit,
            ),
        )
    items = [[200000.21 + rng.gauss(0, 0.01) for _ in range(2)] for _ in range(10)]
    scores = service.analyse(
        principal=pilot,
        comparison_id=pt.id,
        data=AnalysisIn.model_validate(
            {
                "kind": "pt",
                "assigned": {"source": "consensus", "method": "algorithm-a"},
                "sigma_pt": {"source": "robust"},
                "homogeneity": {"items": items},
            }
        ),
    )
    service.publish(principal=REGULATOR, comparison_id=pt.id, analysis_id=scores.id)

    # 3. a comparison still sealed: three of five participants have submitted
    sealed_parts = others[:5]
    sealed = service.create_comparison(
        principal=REGULATOR,
        data=ComparisonCreate(
            kind="regional",
            title="1.6 MPa 精密压力表区域比对（示例，结果密封中）",
            quantity="压力",
            unit="MPa",
            artefact="0.05 级精密压力表，量程 0–1.6 MPa",
            pilot_id=provincial[0],
            region_code="330000",
            deadline=today + dt.timedelta(days=45),
            participants=[
                ParticipantIn(organisation_id=o, lab_code=f"P{n + 1}")
                for n, (o, _, _) in enumerate(sealed_parts)
            ],
        ),
    )
    for o, _, _ in sealed_parts[:3]:
        service.submit_result(
            principal=_lab(o),
            comparison_id=sealed.id,
            data=SubmissionIn(
                value=round(1.6 + rng.gauss(0, 0.0002), 6), standard_uncertainty=0.00023, unit="MPa"
            ),
        )
    return {"comparisons": 3, "published": [kc.id, pt.id], "sealed": sealed.id}
