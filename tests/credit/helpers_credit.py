"""Issue 7 part 3 (honest metrology): hand-built enterprises whose credit is computed by hand.

The ``credit_world`` fixture makes, through the services (as SYSTEM), enterprises in a synthetic Hangzhou county (CREDIT_COUNTY),
Ningbo (330203) and Nanjing (320102) with instruments, verifications and declarations whose expected
scores are written out below (rules version jiliang-credit-2026.1: base 90, CR-VF -5/730 d/cap -30,
CR-OD -2/cap -20, CR-NC -10/730 d, CR-CF-MINOR -3, CR-CF-MAJOR -10, CR-CF-SERIOUS -25, CR-CM +5/cap +5,
CR-MU +10/cap +10, score clamped to 0..100, A >= 90 > B >= 75 > C >= 60 > D).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

TODAY = dt.date.today()
_counter = itertools.count(1)
_WORLD: dict[str, Any] = {}


# The hand-computed enterprises live in a county of their own (synthetic, under Hangzhou) and are
# hospitals, so that no campaign drawn by another test in the same worker (markets and shops, or every
# enterprise of the demo users' county 330106) selects them and adds findings to their scores.
CREDIT_COUNTY = "330199"


def _ensure_credit_county() -> None:
    from jiliang.platform import accounts
    from jiliang.platform.access import SYSTEM

    accounts.load_regions(
        actor=SYSTEM,
        regions=[{"code": CREDIT_COUNTY, "name_zh": "诚信测试区（虚构）", "name_en": "Credit test district (synthetic)",
                  "synthetic": True}],
    )


def new_enterprise(name: str, region: str) -> int:
    from sqlalchemy import select

    from jiliang.core.codes import make_credit_code
    from jiliang.organisations import service as org_service
    from jiliang.organisations.models import Organisation
    from jiliang.organisations.schemas import OrganisationCreate
    from jiliang.platform.access import SYSTEM
    from jiliang.platform.db import read_session

    if region == CREDIT_COUNTY:
        _ensure_credit_county()
    while True:
        code = make_credit_code(region, 77_000_000 + next(_counter))
        with read_session() as s:
            if s.scalar(select(Organisation.id).where(Organisation.credit_code == code)) is None:
                break
    org = org_service.create_organisation(
        principal=SYSTEM,
        data=OrganisationCreate(
            kind="enterprise", name=f"诚信测试{name}", credit_code=code, region_code=region, sector="hospital"
        ),
    )
    return int(org.id)


def new_instrument(owner_id: int, *, last_verified: dt.date | None, item: str = "0201") -> int:
    """An instrument of catalogue item 0201 (period 12 months): verified ``last_verified``."""
    from jiliang.instruments import service as inst_service
    from jiliang.instruments.schemas import InstrumentCreate
    from jiliang.platform.access import SYSTEM

    inst = inst_service.register_instrument(
        principal=SYSTEM,
        data=InstrumentCreate(
            catalogue_code=item,
            owner_id=owner_id,
            use="trade_settlement",
            first_verified_on=last_verified,
            last_verified_on=last_verified,
            last_result="pass" if last_verified else None,
        ),
    )
    return int(inst.id)


def verify(instrument_id: int, on: dt.date, result: str) -> int:
    from jiliang.instruments import service as inst_service
    from jiliang.instruments.schemas import VerificationCreate
    from jiliang.platform.access import SYSTEM

    ev = inst_service.record_verification(
        principal=SYSTEM,
        instrument_id=instrument_id,
        data=VerificationCreate(verified_on=on, result=result, certificate_no=f"CR-{instrument_id}"),
    )
    return int(ev.id)


def declare(enterprise_id: int, *, publish: bool = True, start: dt.date | None = None) -> int:
    from jiliang.credit import service
    from jiliang.credit.schemas import DeclarationCreate
    from jiliang.platform.access import SYSTEM

    start = start or TODAY - dt.timedelta(days=10)
    d = service.create_declaration(
        principal=SYSTEM,
        data=DeclarationCreate(
            template_id="honest-metrology-2026",
            items=["register_verify", "no_cheating"],
            declared_on=start,
            valid_until=start + dt.timedelta(days=365),
            publish=publish,
            enterprise_id=enterprise_id,
        ),
    )
    return int(d.id)


def credit_world() -> dict[str, Any]:
    """The hand-computed enterprises (built once per session)."""
    if _WORLD:
        return _WORLD
    # B-grade: one overdue instrument (-2), one failed verification 100 days ago (-5), one failed
    # verification 800 days ago (outside the 730-day window: 0), a published valid commitment (+5)
    #   -> 90 - 2 - 5 + 5 = 88, grade B, risk weight 1 + 12/10 = 2.2
    b = new_enterprise("乙超市", CREDIT_COUNTY)
    overdue = new_instrument(b, last_verified=TODAY - dt.timedelta(days=500))
    fresh = new_instrument(b, last_verified=TODAY - dt.timedelta(days=30))  # due in ~11 months: not overdue
    failed = new_instrument(b, last_verified=None)
    ev_recent = verify(failed, TODAY - dt.timedelta(days=100), "fail")
    old = new_instrument(b, last_verified=None)
    ev_old = verify(old, TODAY - dt.timedelta(days=800), "fail")
    decl_b = declare(b)
    # A-grade: clean, with a published commitment -> 95 (A, weight 1.5); a draft declaration counts nothing
    a = new_enterprise("甲商店", CREDIT_COUNTY)
    new_instrument(a, last_verified=TODAY - dt.timedelta(days=20))
    decl_a = declare(a)
    draft_a = declare(a, publish=False)
    # D-grade: 12 overdue instruments (-24, capped at -20), 7 failed verifications (-35, capped at -30)
    #   -> 90 - 20 - 30 = 40, grade D, weight 7.0
    d = new_enterprise("丁市场", CREDIT_COUNTY)
    for _ in range(12):
        new_instrument(d, last_verified=TODAY - dt.timedelta(days=400))
    for k in range(7):
        verify(new_instrument(d, last_verified=None), TODAY - dt.timedelta(days=10 + k), "fail")
    # Ningbo (other prefecture) and Nanjing (other province): clean, published commitments
    nb = new_enterprise("宁波店", "330203")
    decl_nb = declare(nb)
    js = new_enterprise("南京店", "320102")
    decl_js = declare(js)
    _WORLD.update(
        b=b,
        a=a,
        d=d,
        nb=nb,
        js=js,
        overdue=overdue,
        fresh=fresh,
        failed=failed,
        old=old,
        ev_recent=ev_recent,
        ev_old=ev_old,
        decl_b=decl_b,
        decl_a=decl_a,
        draft_a=draft_a,
        decl_nb=decl_nb,
        decl_js=decl_js,
    )
    from jiliang.credit import service
    from jiliang.platform.access import SYSTEM

    for key in ("b", "a", "d", "nb", "js"):
        service.refresh_enterprise(principal=SYSTEM, enterprise_id=_WORLD[key], as_of=TODAY)
    return _WORLD


def principal_of(username: str) -> Any:
    from sqlalchemy import select

    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    with read_session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return principal_from_user(user)


def audit_count() -> int:
    from sqlalchemy import func, select

    from jiliang.platform.db import read_session
    from jiliang.platform.models import AuditLog

    with read_session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditLog)) or 0)
