"""Use cases for organisations. Keyword-only functions; each owns its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from jiliang.core.codes import CodeError, is_within, validate_credit_code
from jiliang.organisations.models import SECTORS, Authorisation, Organisation
from jiliang.organisations.schemas import AuthorisationCreate, OrganisationCreate, OrganisationUpdate
from jiliang.platform import audit
from jiliang.platform.access import Principal, visible
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, Forbidden
from jiliang.platform.models import Region
from jiliang.platform.service import get_visible, require_role, snapshot


def _check_region_scope(principal: Principal, region_code: str) -> None:
    if principal.role == "admin":
        return
    if principal.role == "regulator" and principal.region_code and is_within(region_code, principal.region_code):
        return
    raise Forbidden("region outside your jurisdiction", field="region_code")


def create_organisation(*, principal: Principal, data: OrganisationCreate) -> Organisation:
    require_role(principal, "admin", "regulator")
    try:
        validate_credit_code(data.credit_code)
    except CodeError as exc:
        raise DomainError(str(exc), field="credit_code") from exc
    if data.sector not in SECTORS:
        raise DomainError(f"unknown sector '{data.sector}'", field="sector")
    _check_region_scope(principal, data.region_code)
    with write_session() as s:
        if s.get(Region, data.region_code) is None:
            raise DomainError(f"unknown region code {data.region_code}", field="region_code")
        if s.scalar(select(Organisation.id).where(Organisation.credit_code == data.credit_code)):
            raise Conflict(f"credit code {data.credit_code} is already registered", field="credit_code")
        org = Organisation(**data.model_dump())
        s.add(org)
        s.flush()
        audit.record(
            s, actor=principal.username, action="create", object_type="organisation",
            object_id=org.id, after=snapshot(org),
        )
        return org


def update_organisation(*, principal: Principal, organisation_id: int, data: OrganisationUpdate) -> Organisation:
    with write_session() as s:
        org = get_visible(s, principal, Organisation, organisation_id, "organisation")
        allowed = principal.role in ("admin", "regulator") or (
            principal.role in ("enterprise", "institution") and principal.organisation_id == org.id
        )
        if not allowed:
            raise Forbidden("you may not change this organisation")
        before = snapshot(org)
        for key, value in data.model_dump(exclude_none=True).items():
            setattr(org, key, value)
        s.flush()
        audit.record(
            s, actor=principal.username, action="update", object_type="organisation",
            object_id=org.id, before=before, after=snapshot(org),
        )
        return org


def add_authorisation(*, principal: Principal, institution_id: int, data: AuthorisationCreate) -> Authorisation:
    require_role(principal, "admin", "regulator")
    _check_region_scope(principal, data.region_code)
    from jiliang.instruments.models import CatalogueItem

    with write_session() as s:
        org = get_visible(s, principal, Organisation, institution_id, "organisation")
        if org.kind != "institution":
            raise DomainError("only technical institutions hold authorisations", field="institution_id")
        if s.get(CatalogueItem, data.catalogue_code) is None:
            raise DomainError(f"unknown catalogue item {data.catalogue_code}", field="catalogue_code")
        auth = Authorisation(institution_id=org.id, **data.model_dump())
        s.add(auth)
        s.flush()
        audit.record(
            s, actor=principal.username, action="create", object_type="authorisation",
            object_id=auth.id, after=snapshot(auth),
        )
        return auth


def list_organisations(
    *, principal: Principal, kind: str | None = None, q: str | None = None, region: str | None = None,
    offset: int = 0, limit: int = 50,
) -> tuple[int, Sequence[Organisation]]:
    stmt = select(Organisation).where(visible(principal, Organisation))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if q:
        stmt = stmt.where(Organisation.name.contains(q) | (Organisation.credit_code == q.upper()))
    if region:
        from jiliang.core.codes import region_range

        low, high = region_range(region)
        stmt = stmt.where(Organisation.region_code.between(low, high))
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(Organisation.id).offset(offset).limit(limit)).all()
        return total, rows


def get_organisation(*, principal: Principal, organisation_id: int) -> Organisation:
    with read_session() as s:
        return get_visible(s, principal, Organisation, organisation_id, "organisation")


def active_authorisations(*, principal: Principal, on: dt.date) -> Sequence[Authorisation]:
    with read_session() as s:
        return s.scalars(
            select(Authorisation).where(visible(principal, Authorisation), Authorisation.valid_until >= on)
        ).all()
