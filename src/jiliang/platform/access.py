"""Who may see what: the one access-check used by every query.

Rules (DESIGN.md "Who uses it"):
- administrator: everything;
- regulator: objects in their region (GB/T 2260) and the regions below it;
- institution staff: objects of their own institution, and objects in the institution's region and below
  (the instruments they may be asked to verify);
- enterprise: objects of their own organisation only;
- public (no login): only objects that are published.

A model takes part by naming its scope columns in ``__access__``: ``region`` (column holding a
GB/T 2260 code), ``organisation`` (owning organisation id) and ``public`` (a boolean, or ``True`` for
data that is public by nature, such as the catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from jiliang.core.codes import CodeError, is_within, region_range


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    username: str
    role: str  # public | regulator | institution | enterprise | admin
    region_code: str | None = None
    organisation_id: int | None = None
    duties: tuple[str, ...] = field(default_factory=tuple)
    display_name: str = ""

    @property
    def is_public(self) -> bool:
        return self.role == "public"


PUBLIC = Principal(user_id=None, username="public", role="public")
SYSTEM = Principal(user_id=None, username="system", role="admin", display_name="system")


def _spec(model: Any) -> dict[str, Any]:
    spec = getattr(model, "__access__", None)
    if spec is None:
        raise TypeError(f"{model!r} does not declare __access__")
    return dict(spec)


def in_region(column: Any, scope: str) -> ColumnElement[bool]:
    """``column`` lies in region ``scope`` or below it: a range, or equality for a county (so that an
    index led by the region column serves both)."""
    low, high = region_range(scope)
    if low == high:
        return column == low  # type: ignore[no-any-return]
    return and_(column >= low, column <= high)


def visible(principal: Principal, model: Any) -> ColumnElement[bool]:
    """The WHERE clause restricting ``model`` to what ``principal`` may see."""
    spec = _spec(model)
    public = spec.get("public")
    if public is True:
        return true()
    if principal.role == "admin":
        return true()
    region = getattr(model, spec["region"]) if spec.get("region") else None
    org = getattr(model, spec["organisation"]) if spec.get("organisation") else None
    public_clause: ColumnElement[bool] = getattr(model, public) == true() if isinstance(public, str) else false()
    if principal.role == "public":
        return public_clause
    clauses: list[ColumnElement[bool]] = [public_clause]
    if principal.role in ("regulator", "institution") and principal.region_code and region is not None:
        clauses.append(in_region(region, principal.region_code))
    if principal.role in ("enterprise", "institution") and principal.organisation_id and org is not None:
        clauses.append(org == principal.organisation_id)
    return or_(*clauses)


def regulates(principal: Principal, region_code: str) -> bool:
    """Whether ``principal`` supervises ``region_code``: an administrator, or a regulator whose region is it
    or lies above it. A malformed region code is supervised by nobody but administrators."""
    if principal.role == "admin":
        return True
    if principal.role != "regulator" or not principal.region_code:
        return False
    try:
        return is_within(region_code, principal.region_code)
    except CodeError:
        return False


def can_see(principal: Principal, obj: Any) -> bool:
    """The same rules as :func:`visible`, for one loaded object."""
    spec = _spec(type(obj))
    public = spec.get("public")
    if public is True or principal.role == "admin":
        return True
    if isinstance(public, str) and bool(getattr(obj, public)):
        return True
    if principal.role == "public":
        return False
    region = getattr(obj, spec["region"]) if spec.get("region") else None
    org = getattr(obj, spec["organisation"]) if spec.get("organisation") else None
    if principal.role in ("regulator", "institution") and principal.region_code and region:
        if is_within(region, principal.region_code):
            return True
    if principal.role in ("enterprise", "institution") and principal.organisation_id and org is not None:
        return bool(org == principal.organisation_id)
    return False
