"""Issue 2: the one access check.

``visible()`` (the WHERE clause every query uses) and ``can_see()`` (the same rule for one loaded
object) must agree with each other, row by row, and with the rule of DESIGN.md written independently
in ``scope_issue2.Who.sees``, for every scoped table of the register and every role.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.platform.scope_issue2 import ROLES, discover_scope


def _models() -> list[Any]:
    from jiliang.instruments.models import ImportBatch, Instrument, RecallNotice, VerificationEvent
    from jiliang.organisations.models import Authorisation, Organisation

    return [Instrument, Organisation, RecallNotice, VerificationEvent, Authorisation, ImportBatch]


def _principal(username: str) -> Any:
    from jiliang.platform.access import PUBLIC
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    if username == "public":
        return PUBLIC
    with read_session() as s:
        return principal_from_user(s.execute(select(User).where(User.username == username)).scalar_one())


@pytest.fixture(scope="module")
def batches(app):  # type: ignore[no-untyped-def]
    """Import batches by an enterprise, a prefecture regulator and a regulator of another province."""
    from jiliang.instruments import importer, service

    scope = discover_scope()
    item = next(c.code for c in service.list_catalogue() if c.verification_form == "periodic" and c.period_months)
    for user, org in (("enterprise", "own_enterprise"), ("regulator_hz", "hz_other_enterprise"),
                      ("regulator_js", "js_enterprise"), ("regulator", "nb_enterprise")):
        data = ("catalogue_code,owner_credit_code,serial_number,use\n"
                f"{item},{scope.orgs[org]['credit_code']},ACCESS-FN-{user},trade_settlement\n").encode()
        importer.import_instruments(principal=_principal(user), data=data, file_name=f"{user}.csv")


@pytest.mark.parametrize("role", ROLES)
def test_visible_and_can_see_agree_with_the_rule(role: str, app, batches) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.access import can_see, visible
    from jiliang.platform.db import read_session

    who = discover_scope().users[role]
    principal = _principal(role)
    for model in _models():
        spec = model.__access__
        with read_session() as s:
            everything = list(s.scalars(select(model)))
            seen = {obj.id for obj in s.scalars(select(model).where(visible(principal, model)))}
        assert everything, model.__name__
        by_function = {obj.id for obj in everything if can_see(principal, obj)}
        by_rule = {
            obj.id for obj in everything
            if who.sees(getattr(obj, spec["region"]) or "", getattr(obj, spec["organisation"]))
        }
        assert seen == by_function, (model.__name__, role, sorted(seen ^ by_function)[:5])
        assert seen == by_rule, (model.__name__, role, sorted(seen ^ by_rule)[:5])
        if role == "public":
            assert not seen
        if role == "admin":
            assert len(seen) == len(everything)


def test_the_catalogue_is_public(app) -> None:  # type: ignore[no-untyped-def]
    from jiliang.instruments.models import CatalogueItem
    from jiliang.platform.access import PUBLIC, can_see, visible
    from jiliang.platform.db import read_session

    with read_session() as s:
        items = list(s.scalars(select(CatalogueItem).where(visible(PUBLIC, CatalogueItem))))
        total = len(list(s.scalars(select(CatalogueItem))))
    assert items and len(items) == total and all(can_see(PUBLIC, i) for i in items)


def test_a_model_without_a_declared_scope_is_refused() -> None:
    from jiliang.platform.access import SYSTEM, visible
    from jiliang.platform.models import User

    with pytest.raises(TypeError):
        visible(SYSTEM, User)


@pytest.mark.parametrize(
    "role,scope,region,expected",
    [
        ("admin", None, "320105", True),
        ("regulator", "330000", "330106", True),  # the province supervises its counties
        ("regulator", "330100", "330100", True),
        ("regulator", "330100", "330000", False),  # never the region above
        ("regulator", "330100", "330203", False),  # nor a sibling prefecture
        ("regulator", "330106", "330105", False),  # a county compares by equality
        ("regulator", "330000", "not-a-code", False),
        ("regulator", None, "330106", False),
        ("enterprise", "330000", "330106", False),
        ("institution", "330000", "330106", False),
        ("public", None, "330106", False),
    ],
)
def test_regulates(role: str, scope: str | None, region: str, expected: bool) -> None:
    from jiliang.platform.access import Principal, regulates

    who = Principal(user_id=None, username="t", role=role, region_code=scope)
    assert regulates(who, region) is expected
