"""Issue 7 part 3: the demo seed of honest metrology (declarations, derived credit, model units)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from jiliang.credit.models import CreditDeclaration, CreditScore, ModelUnit
from jiliang.organisations.models import Organisation
from jiliang.platform.access import PUBLIC
from jiliang.platform.db import read_session


def test_demo_seed(demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.credit import service
    from jiliang.demo.credit import seed

    with read_session() as s:
        units_before = s.scalar(select(func.count()).select_from(ModelUnit)) or 0
    out = seed(rng=random.Random(7), today=dt.date.today())
    assert out["declarations"] >= 20 and 0 < out["published"] <= out["declarations"]
    assert out["model_units"] >= 3
    assert sum(out["grades"].values()) > 0
    with read_session() as s:
        n_ent = s.scalar(select(func.count()).where(Organisation.kind == "enterprise"))
        n_scored = s.scalar(select(func.count()).where(CreditScore.is_current.is_(True)))
        assert n_scored == n_ent  # every enterprise of the demo has a current score
        assert (s.scalar(select(func.count()).select_from(ModelUnit)) or 0) == units_before + out[
            "model_units"
        ]
        assert s.scalar(select(func.count()).select_from(CreditDeclaration)) >= out["declarations"]
        for m in s.scalars(select(ModelUnit)):
            if m.revoked_on is None:
                grade = s.scalar(
                    select(CreditScore.grade).where(
                        CreditScore.enterprise_id == m.enterprise_id, CreditScore.is_current
                    )
                )
                assert grade == "A"
    total, rows = service.list_model_units(principal=PUBLIC, limit=500)
    assert total >= out["model_units"] and all(r.active for r in rows)
    total, rows = service.list_declarations(principal=PUBLIC, valid_only=True, limit=500)
    assert total >= 1 and all(r.published and r.valid_today for r in rows)
    # the demo enterprise user has a published commitment
    from tests.credit.helpers_credit import principal_of

    own = principal_of("enterprise")
    view = service.credit_view(principal=own, enterprise_id=own.organisation_id)
    assert any(d.published for d in view.declarations)
    assert view.grade in ("A", "B", "C", "D")
