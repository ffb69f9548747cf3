"""Fixtures of the verification tests: the demo seed of the area, and named people of the provincial institute."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

_WORLD: dict[str, Any] = {}


def build_world() -> dict[str, Any]:
    """Once per session: the area's demo seed (which adds a checker and an approver) and extra accounts."""
    if _WORLD:
        return _WORLD
    from sqlalchemy import func, select

    from jiliang.demo import verification as demo
    from jiliang.organisations.models import Organisation
    from jiliang.platform import accounts
    from jiliang.platform.access import SYSTEM
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.verification.models import MeasurementStandard, VerificationRecord

    with read_session() as s:
        seeded = s.scalar(
            select(MeasurementStandard.id).where(MeasurementStandard.identifier == "ZJ-M-F1-2019-01")
        )
    # the demo build may already have run the area's seed (jiliang.demo.AREA_SEEDS); seed once only
    _WORLD["demo"] = None if seeded else demo.seed(rng=random.Random(11), today=dt.date.today())
    with read_session() as s:
        _WORLD["max_record_id"] = s.scalar(select(func.max(VerificationRecord.id))) or 0
        inst = s.scalar(select(User).where(User.username == "institution"))
        assert inst is not None
        org = s.get(Organisation, inst.organisation_id)
        assert org is not None
        js = s.scalar(
            select(Organisation).where(
                Organisation.kind == "institution", Organisation.region_code == "320000"
            )
        )
        assert js is not None
    extra = [
        ("verif_verifier2", "省计量院 检定员 王芳", org.id, org.region_code, ("verifier",)),
        ("verif_nodutyclerk", "省计量院 收发员", org.id, org.region_code, ()),
        ("verif_js_staff", "江苏省计量院 检定员", js.id, js.region_code, ("verifier", "checker", "approver")),
    ]
    for username, display, org_id, region, duties in extra:
        with read_session() as s:
            if s.scalar(select(User.id).where(User.username == username)):
                continue
        accounts.create_user(
            actor=SYSTEM,
            username=username,
            password=demo.DEMO_PASSWORD,
            role="institution",
            display_name=display,
            region_code=region,
            organisation_id=org_id,
            duties=duties,
        )
    _WORLD.update({"institution_id": org.id, "js_institution_id": js.id})
    return _WORLD


@pytest.fixture(scope="session")
def vworld(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_world()
