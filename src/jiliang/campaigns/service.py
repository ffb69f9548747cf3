"""Use cases of inspection campaigns (双随机、一公开 supervision of livelihood metrology).

Workflow: a regulator plans a campaign for its region (type, period, sample size or fraction, optional risk
weighting, scope filters); the *draw* selects the inspected entities from the register and assigns at least two
inspectors without conflict to each, with :func:`jiliang.core.random_selection.double_random_selection`
(hash-based, reproducible from the recorded seed); the seed, the candidate list, the pool and the result are
stored with the inputs' digest, so anyone can re-run the draw (:func:`verify_draw`, the public re-run page and
the verify endpoint). Each selected entity gets a task; the inspectors record the on-site checklist (fuel
dispenser nozzles, market scales, generic items, evaluated in :mod:`jiliang.campaigns.checklists`), findings
(severity, evidence by SHA-256, penalty with legal basis, rectification deadline) and follow-up. A regulator
approves publication; the public page shows results per entity, never a person.

Keyword-only functions; each write owns its transaction, is audited, and writes nothing on bad input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jiliang.campaigns import checklists
from jiliang.campaigns.models import (
    Campaign,
    CampaignCheckItem,
    CampaignEvidence,
    CampaignFinding,
    CampaignInspector,
    CampaignTask,
)
from jiliang.campaigns.schemas import (
    MAX_EVIDENCE_BYTES,
    CampaignCreate,
    CampaignUpdate,
    DrawVerifyIn,
    DrawVerifyOut,
    FindingCreate,
    FollowUpUpdate,
    InspectionRecord,
    InspectorCreate,
    PublicCampaignResult,
    PublicDraw,
    PublicEntityResult,
)
from jiliang.core.codes import CodeError, is_within
from jiliang.core.random_selection import (
    SEED_BITS,
    Assignment,
    Entity,
    Inspector,
    Selection,
    SelectionError,
    double_random_selection,
    new_seed,
    verify_selection,
)
from jiliang.organisations.models import SECTORS, Organisation
from jiliang.platform import audit
from jiliang.platform.access import Principal, can_see, in_region, regulates, visible
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from jiliang.platform.models import Region, User, utcnow
from jiliang.platform.service import snapshot

RiskWeights = Callable[[Session, Sequence[int]], dict[int, float]]

#: which organisations a campaign type draws from: (kind, sectors allowed)
TYPE_SCOPE: dict[str, tuple[str, tuple[str, ...]]] = {
    "market": ("enterprise", ("market", "shop")),
    "fuel_station": ("enterprise", ("fuel_station",)),
    "prepackaged_goods": ("enterprise", ("factory", "shop", "market")),
    "unit_usage": ("enterprise", SECTORS),
    "verification_institution": ("institution", ("lab",)),
}


class InvalidInput(DomainError):
    """Bad input to a campaign use case (422, naming the field and the reason)."""

    status_code = 422
    code = "invalid_input"


# ----------------------------------------------------------------------------------------------------
# who may do what
# ----------------------------------------------------------------------------------------------------
def area_principal(principal: Principal) -> Principal:
    """Who the principal is for reading this area: a technical institution is read like an enterprise (its
    own organisation only: an inspected institution sees its own task), never through its region."""
    if principal.role == "institution":
        return dataclasses.replace(principal, role="enterprise", region_code=None)
    return principal


_may_manage = regulates


def require_manager(principal: Principal, campaign: Campaign) -> None:
    if not _may_manage(principal, campaign.region_code):
        raise Forbidden("only a regulator of the campaign's region may do this")


def _own_org(principal: Principal) -> int | None:
    return principal.organisation_id if principal.role in ("enterprise", "institution") else None


def _inspected_task_campaigns(org_id: int) -> Any:
    return select(CampaignTask.campaign_id).where(
        CampaignTask.enterprise_id == org_id, CampaignTask.status == "inspected"
    )


def _campaign_scope(principal: Principal) -> Any:
    clause = visible(area_principal(principal), Campaign)
    org = _own_org(principal)
    if org:
        clause = or_(clause, Campaign.id.in_(_inspected_task_campaigns(org)))
    return clause


def _load_campaign(s: Session, principal: Principal, campaign_id: int) -> Campaign:
    obj = s.get(Campaign, campaign_id) if 0 < campaign_id < 2**31 else None
    if obj is None:
        raise NotFound(f"campaign {campaign_id} not found")
    if can_see(area_principal(principal), obj):
        return obj
    org = _own_org(principal)
    if org and s.scalar(
        select(func.count())
        .select_from(CampaignTask)
        .where(
            CampaignTask.campaign_id == obj.id,
            CampaignTask.enterprise_id == org,
            CampaignTask.status == "inspected",
        )
    ):
        return obj
    raise NotFound(f"campaign {campaign_id} not found")


def _task_visible(principal: Principal, task: CampaignTask) -> bool:
    ap = area_principal(principal)
    if not can_see(ap, task):
        return False
    # an entity learns of its selection when the inspectors arrive: pending tasks are the regulators' own
    return ap.role != "enterprise" or task.status == "inspected"


def _task_clause(principal: Principal) -> Any:
    ap = area_principal(principal)
    clause = visible(ap, CampaignTask)
    if ap.role == "enterprise":
        clause = clause & (CampaignTask.status == "inspected")
    return clause


def _load_task(s: Session, principal: Principal, task_id: int) -> CampaignTask:
    task = s.get(CampaignTask, task_id) if 0 < task_id < 2**31 else None
    if task is None or not _task_visible(principal, task):
        raise NotFound(f"task {task_id} not found")
    return task


def _campaign_snapshot(c: Campaign) -> dict[str, Any]:
    """The campaign's columns for the audit log; the draw's inputs (which may hold every entity of a province)
    are represented by their SHA-256 digest, their counts and the selected ids."""
    snap = snapshot(c)
    snap["candidates"] = len(c.candidates or [])
    snap["pool"] = len(c.pool or [])
    if c.selection:
        snap["selection"] = {"entity_ids": c.selection.get("entity_ids"), "k": c.selection.get("k")}
    return snap


# ----------------------------------------------------------------------------------------------------
# inspector pool
# ----------------------------------------------------------------------------------------------------
def add_inspector(*, principal: Principal, data: InspectorCreate) -> CampaignInspector:
    """Add an inspector to a region's pool (regulators of that region or above)."""
    with write_session() as s:
        if s.get(Region, data.region_code) is None:
            raise InvalidInput(f"unknown region {data.region_code}", field="region_code")
        if not _may_manage(principal, data.region_code):
            raise Forbidden(f"region {data.region_code} is outside your region", field="region_code")
        if data.user_id is not None:
            user = s.get(User, data.user_id)
            if user is None or user.role != "regulator":
                raise InvalidInput(f"user {data.user_id} is not a regulator's user", field="user_id")
        for i, org_id in enumerate([data.organisation_id, *data.conflicts]):
            if org_id is not None and (not 0 < org_id < 2**31 or s.get(Organisation, org_id) is None):
                field = "organisation_id" if i == 0 else f"conflicts[{i - 1}]"
                raise InvalidInput(f"no organisation {org_id}", field=field)
        obj = CampaignInspector(
            region_code=data.region_code,
            name=data.name.strip(),
            badge_no=data.badge_no.strip(),
            user_id=data.user_id,
            organisation_id=data.organisation_id,
            conflicts=sorted(set(data.conflicts)),
            active=True,
            created_by=principal.username,
        )
        s.add(obj)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="campaign_inspector",
            object_id=obj.id,
            after=snapshot(obj),
        )
        return obj


def list_inspectors(*, principal: Principal) -> Sequence[CampaignInspector]:
    """The pool entries the principal manages (regulators: their region and below; admin: all)."""
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only regulators keep the inspector pool")
    with read_session() as s:
        return s.scalars(
            select(CampaignInspector)
            .where(visible(principal, CampaignInspector))
            .order_by(CampaignInspector.region_code, CampaignInspector.id)
        ).all()


def _pool(s: Session, campaign: Campaign) -> list[CampaignInspector]:
    """Active inspectors of the campaign's region, of the regions below it, or of the regions above it."""
    rows = s.scalars(select(CampaignInspector).where(CampaignInspector.active.is_(True))).all()
    out = []
    for r in rows:
        try:
            if is_within(r.region_code, campaign.region_code) or is_within(
                campaign.region_code, r.region_code
            ):
                out.append(r)
        except CodeError:
            continue
    return out


# ----------------------------------------------------------------------------------------------------
# campaigns
# ----------------------------------------------------------------------------------------------------
def _check_plan(s: Session, principal: Principal, data: CampaignCreate) -> None:
    if data.ends_on < data.starts_on:
        raise InvalidInput("the end of the period precedes its start", field="ends_on")
    if (data.ends_on - data.starts_on).days > 2 * 366:
        raise InvalidInput("a campaign lasts at most two years", field="ends_on")
    if (data.sample_size is None) == (data.sample_fraction is None):
        raise InvalidInput("give either a sample size or a sample fraction", field="sample_size")
    if s.get(Region, data.region_code) is None:
        raise InvalidInput(f"unknown region {data.region_code}", field="region_code")
    if not _may_manage(principal, data.region_code):
        raise Forbidden(f"region {data.region_code} is outside your region", field="region_code")
    _kind, allowed = TYPE_SCOPE[data.campaign_type]
    for i, sector in enumerate(data.scope_sectors):
        if sector not in allowed:
            raise InvalidInput(
                f"sector {sector!r} is not inspected in a {data.campaign_type} campaign; choose from {list(allowed)}",
                field=f"scope_sectors[{i}]",
            )
    for i, county in enumerate(data.scope_counties):
        inside = False
        try:
            inside = s.get(Region, county) is not None and is_within(county, data.region_code)
        except CodeError:
            inside = False
        if not inside:
            raise InvalidInput(
                f"{county} is not a region within the campaign's region {data.region_code}",
                field=f"scope_counties[{i}]",
            )


def create_campaign(*, principal: Principal, data: CampaignCreate) -> Campaign:
    """Plan a campaign (regulators, for their region or a region below it)."""
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator plans an inspection campaign")
    with write_session() as s:
        _check_plan(s, principal, data)
        obj = Campaign(
            title=data.title.strip(),
            campaign_type=data.campaign_type,
            region_code=data.region_code,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            sample_size=data.sample_size,
            sample_fraction=data.sample_fraction,
            risk_weighted=data.risk_weighted,
            scope_sectors=sorted(set(data.scope_sectors)),
            scope_counties=sorted(set(data.scope_counties)),
            inspectors_per_entity=data.inspectors_per_entity,
            note=data.note,
            status="planned",
            published=False,
            created_by=principal.username,
        )
        s.add(obj)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="campaign",
            object_id=obj.id,
            after=snapshot(obj),
        )
        return obj


def candidates(s: Session, campaign: Campaign) -> list[Organisation]:
    """The register's organisations a campaign may select: right kind and sector, inside its region and scope."""
    kind, allowed = TYPE_SCOPE[campaign.campaign_type]
    sectors = list(campaign.scope_sectors or allowed)
    stmt = select(Organisation).where(
        Organisation.kind == kind,
        in_region(Organisation.region_code, campaign.region_code),
    )
    if kind == "enterprise":
        stmt = stmt.where(Organisation.sector.in_(sectors))
    if campaign.scope_counties:
        stmt = stmt.where(or_(*(in_region(Organisation.region_code, c) for c in campaign.scope_counties)))
    rows = list(s.scalars(stmt.order_by(Organisation.id)).all())
    # defence in depth: never hand a candidate outside the campaign's region to the draw
    return [o for o in rows if is_within(o.region_code, campaign.region_code)]


def _credit_risk_weights() -> RiskWeights:
    try:
        from jiliang.credit.service import risk_weights
    except ImportError as e:
        raise Conflict(
            "risk weighting needs the honest-metrology area (jiliang.credit.service.risk_weights), "
            f"which is not available: {e}",
            field="risk_weighted",
        ) from None
    fn: RiskWeights = risk_weights
    return fn


def _weights(s: Session, fn: RiskWeights, ids: list[int]) -> dict[int, float]:
    raw = fn(s, ids)
    out: dict[int, float] = {}
    for i in ids:
        w = raw.get(i) if isinstance(raw, dict) else None
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(float(w)) or w < 1:
            raise InvalidInput(
                f"the credit area gave no valid risk weight (≥ 1) for organisation {i}: {w!r}",
                field="risk_weighted",
            )
        out[i] = float(w)
    return out


def _entities_json(entities: Sequence[Entity]) -> list[dict[str, Any]]:
    return [{"id": e.id, "organisation": e.organisation, "weight": e.weight} for e in entities]


def _inspectors_json(inspectors: Sequence[Inspector]) -> list[dict[str, Any]]:
    return [
        {"id": i.id, "organisation": i.organisation, "conflicts": sorted(i.conflicts)} for i in inspectors
    ]


def select_entities(
    *,
    principal: Principal,
    campaign_id: int,
    seed: int | None = None,
    risk_weights: RiskWeights | None = None,
) -> Campaign:
    """Draw the campaign's entities and inspectors (双随机) and create one task per selected entity.

    ``seed`` is recorded (a fresh 64-bit seed from :func:`jiliang.core.random_selection.new_seed` when not
    given). For a risk-weighted campaign the weights come from ``risk_weights`` when given, else from
    ``jiliang.credit.service.risk_weights`` (imported now; its absence is a clear 409, never a silent
    unweighted draw). Errors (empty candidate pool, sample larger than the pool, too few inspectors without
    conflict) name the field and write nothing.
    """
    if seed is not None and (isinstance(seed, bool) or not 0 <= seed < 2**SEED_BITS):
        raise InvalidInput(f"the seed must be a whole number in [0, 2**{SEED_BITS})", field="seed")
    with write_session() as s:
        c = _load_campaign(s, principal, campaign_id)
        require_manager(principal, c)
        if c.status != "planned":
            raise Conflict("the campaign's draw has been made already; it is never redrawn", field="seed")
        orgs = candidates(s, c)
        if not orgs:
            raise InvalidInput(
                "no entity of the register is in the campaign's scope (type, region, sectors, counties)",
                field="scope",
            )
        n = len(orgs)
        if c.sample_size is not None:
            k = c.sample_size
            if k > n:
                raise InvalidInput(
                    f"the sample size {k} exceeds the {n} candidate(s) in scope", field="sample_size"
                )
        else:
            k = max(1, math.ceil((c.sample_fraction or 0) * n - 1e-9))
        ids = [o.id for o in orgs]
        if c.risk_weighted:
            weights = _weights(s, risk_weights or _credit_risk_weights(), ids)
        else:
            weights = dict.fromkeys(ids, 1.0)
        pool = _pool(s, c)
        if len(pool) < c.inspectors_per_entity:
            raise InvalidInput(
                f"the inspector pool of region {c.region_code} has {len(pool)} active inspector(s); "
                f"{c.inspectors_per_entity} are needed per entity",
                field="inspectors",
            )
        entities = [Entity(id=str(o.id), organisation=str(o.id), weight=weights[o.id]) for o in orgs]
        inspectors = [
            Inspector(
                id=str(p.id),
                organisation=str(p.organisation_id) if p.organisation_id else None,
                conflicts=frozenset(str(x) for x in (p.conflicts or [])),
            )
            for p in pool
        ]
        drawn_seed = new_seed() if seed is None else seed
        try:
            sel = double_random_selection(
                entities,
                inspectors,
                k,
                seed=drawn_seed,
                inspectors_per_entity=c.inspectors_per_entity,
                weighted=c.risk_weighted,
            )
        except SelectionError as e:
            raise InvalidInput(e.reason, field=e.field) from None
        before = _campaign_snapshot(c)
        c.seed = str(drawn_seed)
        c.algorithm = sel.algorithm
        c.algorithm_version = sel.algorithm_version
        c.inputs_digest = sel.inputs_digest
        c.candidates = _entities_json(entities)
        c.pool = _inspectors_json(inspectors)
        c.selection = sel.to_dict()
        c.selected_by = principal.username
        c.selected_at = utcnow()
        c.status = "selected"
        c.updated_at = utcnow()
        by_id = {str(o.id): o for o in orgs}
        code = checklists.TYPE_TEMPLATE[c.campaign_type]
        for rank, a in enumerate(sel.assignments, start=1):
            org = by_id[a.entity_id]
            s.add(
                CampaignTask(
                    campaign_id=c.id,
                    enterprise_id=org.id,
                    region_code=org.region_code,
                    rank=rank,
                    inspector_ids=[int(x) for x in a.inspector_ids],
                    checklist_code=code,
                    status="pending",
                    note="",
                )
            )
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="select",
            object_type="campaign",
            object_id=c.id,
            before=before,
            after=_campaign_snapshot(c),
        )
        return c


def update_campaign(*, principal: Principal, campaign_id: int, data: CampaignUpdate) -> Campaign:
    """Change the title or note, or approve (publish) / withdraw the results (regulators of the region).

    Publication needs a draw and every task's inspection recorded."""
    with write_session() as s:
        c = _load_campaign(s, principal, campaign_id)
        require_manager(principal, c)
        before = _campaign_snapshot(c)
        changes = data.model_dump(exclude_none=True)
        if changes.get("published") is True and not c.published:
            if c.status == "planned":
                raise Conflict(
                    "make the draw and record the inspections before publishing", field="published"
                )
            pending = s.scalar(
                select(func.count())
                .select_from(CampaignTask)
                .where(CampaignTask.campaign_id == c.id, CampaignTask.status != "inspected")
            )
            if pending:
                raise Conflict(f"{pending} task(s) have no recorded inspection yet", field="published")
            c.published_by = principal.username
            c.published_at = utcnow()
        if "title" in changes:
            changes["title"] = changes["title"].strip()
        for key, value in changes.items():
            setattr(c, key, value)
        if changes:
            c.updated_at = utcnow()
            s.flush()
            action = "update"
            if "published" in changes and changes["published"] != before["published"]:
                action = "publish" if changes["published"] else "withdraw"
            audit.record(
                s,
                actor=principal.username,
                action=action,
                object_type="campaign",
                object_id=c.id,
                before=before,
                after=_campaign_snapshot(c),
            )
        return c


def list_campaigns(
    *, principal: Principal, offset: int = 0, limit: int = 50
) -> tuple[int, Sequence[Campaign]]:
    with read_session() as s:
        stmt = select(Campaign).where(_campaign_scope(principal))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(Campaign.starts_on.desc(), Campaign.id.desc()).offset(offset).limit(limit)
        ).all()
        return total, rows


@dataclass(frozen=True)
class TaskRow:
    task: CampaignTask
    enterprise_name: str
    inspectors: list[str]
    findings: int


@dataclass(frozen=True)
class CampaignView:
    campaign: Campaign
    tasks: list[TaskRow]
    may_manage: bool
    candidates: int
    pool: int
    reproduced: bool | None


def campaign_view(*, principal: Principal, campaign_id: int) -> CampaignView:
    """The campaign with the tasks the principal may see (managers: inspectors and the draw's check)."""
    with read_session() as s:
        c = _load_campaign(s, principal, campaign_id)
        manage = _may_manage(principal, c.region_code)
        tasks = s.scalars(
            select(CampaignTask)
            .where(CampaignTask.campaign_id == c.id, _task_clause(principal))
            .order_by(CampaignTask.rank)
        ).all()
        names = _org_names(s, [t.enterprise_id for t in tasks])
        inspector_names: dict[int, str] = {}
        if manage:
            ids = sorted({i for t in tasks for i in t.inspector_ids})
            if ids:
                inspector_names = {
                    r.id: r.name
                    for r in s.scalars(select(CampaignInspector).where(CampaignInspector.id.in_(ids))).all()
                }
        counts = dict(
            s.execute(
                select(CampaignFinding.task_id, func.count())
                .where(CampaignFinding.campaign_id == c.id)
                .group_by(CampaignFinding.task_id)
            ).all()
        )
        rows = [
            TaskRow(
                t,
                names.get(t.enterprise_id, str(t.enterprise_id)),
                [inspector_names.get(i, f"#{i}") for i in t.inspector_ids] if manage else [],
                int(counts.get(t.id, 0)),
            )
            for t in tasks
        ]
        reproduced = _reproduces(c) if (manage and c.selection) else None
        return CampaignView(c, rows, manage, len(c.candidates or []), len(c.pool or []), reproduced)


def get_campaign(*, principal: Principal, campaign_id: int) -> Campaign:
    with read_session() as s:
        return _load_campaign(s, principal, campaign_id)


def list_tasks(*, principal: Principal, campaign_id: int) -> Sequence[CampaignTask]:
    with read_session() as s:
        c = _load_campaign(s, principal, campaign_id)
        return s.scalars(
            select(CampaignTask)
            .where(CampaignTask.campaign_id == c.id, _task_clause(principal))
            .order_by(CampaignTask.rank)
        ).all()


def _org_names(s: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        row[0]: row[1]
        for row in s.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(set(ids)))
        ).all()
    }


@dataclass(frozen=True)
class TaskView:
    task: CampaignTask
    campaign: Campaign
    enterprise_name: str
    items: Sequence[CampaignCheckItem]
    findings: Sequence[CampaignFinding]
    evidence: Sequence[CampaignEvidence]
    inspectors: list[str]
    may_manage: bool


def task_view(*, principal: Principal, task_id: int) -> TaskView:
    """A task with its checklist, findings and evidence: regulators of the region, and the entity itself."""
    with read_session() as s:
        task = _load_task(s, principal, task_id)
        c = s.get(Campaign, task.campaign_id)
        assert c is not None
        manage = _may_manage(principal, c.region_code)
        items = s.scalars(
            select(CampaignCheckItem)
            .where(CampaignCheckItem.task_id == task.id)
            .order_by(CampaignCheckItem.position)
        ).all()
        findings = s.scalars(
            select(CampaignFinding).where(CampaignFinding.task_id == task.id).order_by(CampaignFinding.id)
        ).all()
        evidence = s.scalars(
            select(CampaignEvidence).where(CampaignEvidence.task_id == task.id).order_by(CampaignEvidence.id)
        ).all()
        inspectors = []
        if manage and task.inspector_ids:
            found = {
                r.id: f"{r.name} ({r.badge_no})" if r.badge_no else r.name
                for r in s.scalars(
                    select(CampaignInspector).where(CampaignInspector.id.in_(task.inspector_ids))
                ).all()
            }
            inspectors = [found.get(i, f"#{i}") for i in task.inspector_ids]
        name = _org_names(s, [task.enterprise_id]).get(task.enterprise_id, str(task.enterprise_id))
        return TaskView(task, c, name, items, findings, evidence, inspectors, manage)


# ----------------------------------------------------------------------------------------------------
# inspections, findings, evidence, follow-up
# ----------------------------------------------------------------------------------------------------
def _check_finding(s: Session, task: CampaignTask, f: FindingCreate, found_on: dt.date, where: str) -> None:
    if task.inspected_on is not None and found_on < task.inspected_on:
        raise InvalidInput("a finding cannot precede the inspection", field=f"{where}found_on")
    if f.rectification_deadline is not None and f.rectification_deadline < found_on:
        raise InvalidInput(
            f"the rectification deadline {f.rectification_deadline} precedes the inspection date {found_on}",
            field=f"{where}rectification_deadline",
        )
    if f.penalty_amount is not None and not f.penalty_legal_basis.strip():
        raise InvalidInput("a penalty needs its legal basis", field=f"{where}penalty_legal_basis")
    for j, sha in enumerate(f.evidence_sha256):
        known = s.scalar(
            select(func.count())
            .select_from(CampaignEvidence)
            .where(CampaignEvidence.task_id == task.id, CampaignEvidence.sha256 == sha)
        )
        if not known:
            raise InvalidInput(
                f"no evidence file with SHA-256 {sha[:64]!r} was uploaded for this task",
                field=f"{where}evidence_sha256[{j}]",
            )


def _new_finding(task: CampaignTask, f: FindingCreate, found_on: dt.date, actor: str) -> CampaignFinding:
    return CampaignFinding(
        campaign_id=task.campaign_id,
        task_id=task.id,
        enterprise_id=task.enterprise_id,
        region_code=task.region_code,
        found_on=found_on,
        severity=f.severity,
        category=f.category,
        description=f.description.strip(),
        evidence_sha256=list(dict.fromkeys(f.evidence_sha256)),
        penalty_legal_basis=f.penalty_legal_basis.strip(),
        penalty_amount=f.penalty_amount,
        rectification_deadline=f.rectification_deadline,
        status="open",
        status_note="",
        created_by=actor,
        updated_by=actor,
    )


def _evaluate(campaign: Campaign, data: InspectionRecord) -> list[checklists.EvaluatedRow]:
    kind = checklists.template(checklists.TYPE_TEMPLATE[campaign.campaign_type])["kind"]
    if kind != "fuel_dispenser" and data.nozzles:
        raise InvalidInput("nozzle rows belong to fuel-station campaigns", field="nozzles")
    if kind != "scale" and data.scales:
        raise InvalidInput("scale rows belong to market campaigns", field="scales")
    if kind == "fuel_dispenser" and not data.nozzles:
        raise InvalidInput("record at least one nozzle of a fuel dispenser", field="nozzles")
    if kind == "scale" and not data.scales:
        raise InvalidInput("record at least one scale", field="scales")
    known = {it["code"]: it for it in checklists.generic_items_for(campaign.campaign_type)}
    if kind == "generic" and not data.items:
        raise InvalidInput("answer at least one checklist item", field="items")
    rows: list[checklists.EvaluatedRow] = []
    for name, seq in (("nozzles", data.nozzles), ("scales", data.scales)):
        seen: set[str] = set()
        for i, row in enumerate(seq):
            subject = row.subject.strip()
            if subject in seen:
                raise InvalidInput(f"{subject!r} is recorded twice", field=f"{name}[{i}].subject")
            seen.add(subject)
            values = {**row.model_dump(), "subject": subject}
            try:
                rows.append(
                    checklists.evaluate_nozzle(values)
                    if name == "nozzles"
                    else checklists.evaluate_scale(values)
                )
            except ValueError as e:
                raise InvalidInput(str(e), field=f"{name}[{i}]") from None
    seen_items: set[str] = set()
    for i, item in enumerate(data.items):
        if item.code not in known:
            raise InvalidInput(
                f"{item.code!r} is not an item of the {campaign.campaign_type} checklist; known: {sorted(known)}",
                field=f"items[{i}].code",
            )
        if item.code in seen_items:
            raise InvalidInput(f"{item.code!r} is answered twice", field=f"items[{i}].code")
        seen_items.add(item.code)
        rows.append(checklists.evaluate_item(item.model_dump(), known))
    return rows


def _refresh_result(s: Session, task: CampaignTask) -> None:
    items = s.scalars(select(CampaignCheckItem.verdict).where(CampaignCheckItem.task_id == task.id)).all()
    severities = s.scalars(select(CampaignFinding.severity).where(CampaignFinding.task_id == task.id)).all()
    rows = [checklists.EvaluatedRow("", "", {}, v) for v in items]
    task.result = checklists.overall(rows, list(severities))


def record_inspection(*, principal: Principal, task_id: int, data: InspectionRecord) -> CampaignTask:
    """Record the on-site inspection of a task: the checklist rows (evaluated) and any findings."""
    with write_session() as s:
        task = _load_task(s, principal, task_id)
        c = s.get(Campaign, task.campaign_id)
        assert c is not None
        require_manager(principal, c)
        if c.published:
            raise Conflict("the results are published; withdraw them before recording", field="published")
        if task.status == "inspected":
            raise Conflict("this task's inspection is recorded already", field="inspected_on")
        if not c.starts_on <= data.inspected_on <= c.ends_on:
            raise InvalidInput(
                f"the inspection date must lie in the campaign's period {c.starts_on} – {c.ends_on}",
                field="inspected_on",
            )
        rows = _evaluate(c, data)
        before = snapshot(task)
        task.inspected_on = data.inspected_on
        for i, f in enumerate(data.findings):
            _check_finding(s, task, f, f.found_on or data.inspected_on, f"findings[{i}].")
        for pos, row in enumerate(rows, start=1):
            s.add(
                CampaignCheckItem(
                    task_id=task.id,
                    campaign_id=c.id,
                    enterprise_id=task.enterprise_id,
                    region_code=task.region_code,
                    template_code=row.template_code,
                    position=pos,
                    subject=row.subject[:60],
                    data=row.data,
                    error=row.error,
                    error_unit=row.error_unit,
                    mpe=row.mpe,
                    mpe_source=row.mpe_source,
                    mpe_source_status=row.mpe_source_status,
                    rule=row.rule,
                    verdict=row.verdict,
                    reasons=row.reasons,
                )
            )
        for f in data.findings:
            s.add(_new_finding(task, f, f.found_on or data.inspected_on, principal.username))
        task.status = "inspected"
        task.note = data.note
        task.recorded_by = principal.username
        task.recorded_at = utcnow()
        s.flush()
        _refresh_result(s, task)
        pending = s.scalar(
            select(func.count())
            .select_from(CampaignTask)
            .where(CampaignTask.campaign_id == c.id, CampaignTask.status != "inspected")
        )
        c.status = "completed" if not pending else "in_progress"
        c.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="record_inspection",
            object_type="campaign_task",
            object_id=task.id,
            before=before,
            after={
                **snapshot(task),
                "items": [[r.subject, r.verdict, r.error, r.mpe] for r in rows],
                "findings": len(data.findings),
            },
        )
        return task


def add_finding(*, principal: Principal, task_id: int, data: FindingCreate) -> CampaignFinding:
    """Add a finding to an inspected task (regulators of the campaign's region)."""
    with write_session() as s:
        task = _load_task(s, principal, task_id)
        c = s.get(Campaign, task.campaign_id)
        assert c is not None
        require_manager(principal, c)
        if c.published:
            raise Conflict(
                "the results are published; withdraw them before adding a finding", field="published"
            )
        if task.status != "inspected" or task.inspected_on is None:
            raise InvalidInput("record the inspection before its findings", field="task")
        found_on = data.found_on or task.inspected_on
        _check_finding(s, task, data, found_on, "")
        f = _new_finding(task, data, found_on, principal.username)
        s.add(f)
        s.flush()
        before = snapshot(task)
        _refresh_result(s, task)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="campaign_finding",
            object_id=f.id,
            after=snapshot(f),
        )
        if before["result"] != task.result:
            audit.record(
                s,
                actor=principal.username,
                action="update_result",
                object_type="campaign_task",
                object_id=task.id,
                before=before,
                after=snapshot(task),
            )
        return f


def upload_evidence(
    *, principal: Principal, task_id: int, content: bytes, file_name: str, content_type: str = ""
) -> CampaignEvidence:
    """Store an evidence file of a task; it is addressed by its SHA-256 (uploading it again returns it)."""
    if not content:
        raise InvalidInput("the evidence file is empty", field="file")
    if len(content) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(
            f"an evidence file has at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB", field="file"
        )
    sha = hashlib.sha256(content).hexdigest()
    with write_session() as s:
        task = _load_task(s, principal, task_id)
        c = s.get(Campaign, task.campaign_id)
        assert c is not None
        require_manager(principal, c)
        existing = s.scalar(
            select(CampaignEvidence).where(
                CampaignEvidence.task_id == task.id, CampaignEvidence.sha256 == sha
            )
        )
        if existing is not None:
            return existing
        ev = CampaignEvidence(
            task_id=task.id,
            enterprise_id=task.enterprise_id,
            region_code=task.region_code,
            sha256=sha,
            file_name=(file_name or "evidence")[:200],
            content_type=(content_type or "application/octet-stream")[:100],
            size=len(content),
            content=content,
            uploaded_by=principal.username,
        )
        s.add(ev)
        s.flush()
        snap = snapshot(ev)
        snap.pop("content", None)
        audit.record(
            s,
            actor=principal.username,
            action="upload",
            object_type="campaign_evidence",
            object_id=ev.id,
            after=snap,
        )
        return ev


def get_evidence(*, principal: Principal, task_id: int, sha256: str) -> CampaignEvidence:
    with read_session() as s:
        task = _load_task(s, principal, task_id)
        ev = s.scalar(
            select(CampaignEvidence).where(
                CampaignEvidence.task_id == task.id, CampaignEvidence.sha256 == sha256
            )
        )
        if ev is None:
            raise NotFound(f"no evidence {sha256[:64]} for task {task_id}")
        return ev


def get_finding(*, principal: Principal, finding_id: int) -> CampaignFinding:
    with read_session() as s:
        f = s.get(CampaignFinding, finding_id) if 0 < finding_id < 2**31 else None
        if f is None:
            raise NotFound(f"finding {finding_id} not found")
        task = s.get(CampaignTask, f.task_id)
        if task is None or not _task_visible(principal, task):
            raise NotFound(f"finding {finding_id} not found")
        return f


def follow_up(*, principal: Principal, finding_id: int, data: FollowUpUpdate) -> CampaignFinding:
    """Follow up a finding: regulators set any status and the deadline; the entity itself may only report its
    rectification (status ``rectified``, with a note) while the finding is not closed."""
    with write_session() as s:
        f = s.get(CampaignFinding, finding_id) if 0 < finding_id < 2**31 else None
        task = s.get(CampaignTask, f.task_id) if f is not None else None
        if f is None or task is None or not _task_visible(principal, task):
            raise NotFound(f"finding {finding_id} not found")
        c = s.get(Campaign, f.campaign_id)
        manager = c is not None and _may_manage(principal, c.region_code)
        own = _own_org(principal) == f.enterprise_id
        if not manager:
            if not own:
                raise Forbidden("only a regulator of the campaign's region follows up findings")
            if data.status != "rectified":
                raise Forbidden(
                    "an entity may only report its rectification (status rectified)", field="status"
                )
            if data.rectification_deadline is not None:
                raise Forbidden(
                    "the rectification deadline is the regulator's", field="rectification_deadline"
                )
            if f.status == "closed":
                raise InvalidInput("the finding is closed", field="status")
            if not data.note.strip():
                raise InvalidInput("describe the rectification", field="note")
        if data.rectification_deadline is not None and data.rectification_deadline < f.found_on:
            raise InvalidInput(
                f"the rectification deadline {data.rectification_deadline} precedes the inspection date {f.found_on}",
                field="rectification_deadline",
            )
        before = snapshot(f)
        f.status = data.status
        f.status_note = data.note
        if data.rectification_deadline is not None:
            f.rectification_deadline = data.rectification_deadline
        f.updated_by = principal.username
        f.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="follow_up",
            object_type="campaign_finding",
            object_id=f.id,
            before=before,
            after=snapshot(f),
        )
        return f


def mark_overdue(*, principal: Principal, today: dt.date) -> int:
    """Mark open findings past their rectification deadline as overdue (within the regulator's region)."""
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator follows up findings")
    with write_session() as s:
        rows = s.scalars(
            select(CampaignFinding).where(
                visible(principal, CampaignFinding),
                CampaignFinding.status == "open",
                CampaignFinding.rectification_deadline < today,
            )
        ).all()
        for f in rows:
            f.status = "overdue"
            f.updated_by = principal.username
            f.updated_at = utcnow()
        if rows:
            s.flush()
            audit.record(
                s,
                actor=principal.username,
                action="mark_overdue",
                object_type="campaign_finding",
                object_id=",".join(str(f.id) for f in rows)[:64],
                after={"ids": [f.id for f in rows], "as_of": today.isoformat()},
            )
        return len(rows)


# ----------------------------------------------------------------------------------------------------
# the draw: re-run and verify
# ----------------------------------------------------------------------------------------------------
def _entities_from(rows: Any, field: str) -> list[Entity]:
    if not isinstance(rows, list):
        raise InvalidInput("must be a list", field=field)
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, dict) or not isinstance(r.get("id"), str):
            raise InvalidInput("each entity is an object with a string id", field=f"{field}[{i}]")
        org = r.get("organisation")
        w = r.get("weight", 1.0)
        if (
            (org is not None and not isinstance(org, str))
            or isinstance(w, bool)
            or not isinstance(w, (int, float))
        ):
            raise InvalidInput(
                "organisation must be a string or null, weight a number", field=f"{field}[{i}]"
            )
        out.append(Entity(id=r["id"], organisation=org, weight=float(w)))
    return out


def _inspectors_from(rows: Any, field: str) -> list[Inspector]:
    if not isinstance(rows, list):
        raise InvalidInput("must be a list", field=field)
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, dict) or not isinstance(r.get("id"), str):
            raise InvalidInput("each inspector is an object with a string id", field=f"{field}[{i}]")
        org = r.get("organisation")
        conflicts = r.get("conflicts", [])
        if (
            (org is not None and not isinstance(org, str))
            or not isinstance(conflicts, list)
            or not all(isinstance(x, str) for x in conflicts)
        ):
            raise InvalidInput(
                "organisation must be a string or null, conflicts a list of strings", field=f"{field}[{i}]"
            )
        out.append(Inspector(id=r["id"], organisation=org, conflicts=frozenset(conflicts)))
    return out


def selection_from_dict(d: Any, field: str = "selection") -> Selection:
    """A :class:`Selection` from its published form (``Selection.to_dict()``)."""
    if not isinstance(d, dict):
        raise InvalidInput("must be an object (the published selection)", field=field)
    try:
        seed = int(str(d["seed"]))
        assignments = tuple(
            Assignment(entity_id=str(a["entity_id"]), inspector_ids=tuple(str(x) for x in a["inspector_ids"]))
            for a in d.get("assignments", [])
        )
        mepi = d.get("max_entities_per_inspector")
        return Selection(
            seed=seed,
            algorithm=str(d["algorithm"]),
            algorithm_version=str(d["algorithm_version"]),
            inputs_digest=str(d["inputs_digest"]),
            k=int(d["k"]),
            weighted=bool(d["weighted"]),
            entity_ids=tuple(str(e) for e in d["entity_ids"]),
            assignments=assignments,
            inspectors_per_entity=int(d["inspectors_per_entity"]) if d.get("inspectors_per_entity") else None,
            max_entities_per_inspector=int(mepi) if mepi is not None else None,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidInput(f"not a published selection: {type(e).__name__} {e}", field=field) from None


def verify_payload(data: DrawVerifyIn) -> DrawVerifyOut:
    """Re-run a published draw from its seed, candidates and pool (anyone; stores nothing)."""
    sel = selection_from_dict(data.selection)
    entities = _entities_from(data.entities, "entities")
    inspectors = _inspectors_from(data.inspectors, "inspectors")
    if sel.inspectors_per_entity is None:
        raise InvalidInput("the selection records no inspector assignment", field="selection")
    try:
        ok = verify_selection(sel, entities, inspectors)
        rerun = double_random_selection(
            entities,
            inspectors,
            sel.k,
            seed=sel.seed,
            inspectors_per_entity=sel.inspectors_per_entity,
            max_entities_per_inspector=sel.max_entities_per_inspector,
            weighted=sel.weighted,
        )
    except SelectionError as e:
        return DrawVerifyOut(reproduced=False, recomputed=None, reason=f"{e.field}: {e.reason}")
    if ok:
        reason = "the seed and inputs reproduce the published selection exactly"
    elif rerun.inputs_digest != sel.inputs_digest:
        reason = "the inputs differ from those of the published draw (inputs digest)"
    else:
        reason = "the recomputed selection differs from the published one"
    return DrawVerifyOut(reproduced=ok, recomputed=rerun.to_dict(), reason=reason)


def _reproduces(c: Campaign) -> bool:
    out = verify_payload(DrawVerifyIn(selection=c.selection, entities=c.candidates, inspectors=c.pool))
    return out.reproduced


# ----------------------------------------------------------------------------------------------------
# the public: published campaigns only
# ----------------------------------------------------------------------------------------------------
def list_published(*, offset: int = 0, limit: int = 50) -> tuple[int, Sequence[Campaign]]:
    stmt = select(Campaign).where(Campaign.published.is_(True))
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(Campaign.ends_on.desc(), Campaign.id.desc()).offset(offset).limit(limit)
        ).all()
        return total, rows


def _published(s: Session, campaign_id: int) -> Campaign:
    c = s.get(Campaign, campaign_id) if 0 < campaign_id < 2**31 else None
    if c is None or not c.published:
        raise NotFound(f"campaign {campaign_id} not found")
    return c


def public_results(*, campaign_id: int) -> PublicCampaignResult:
    """Published results: per entity its name, county, date, pass/fail, finding counts, rectification state.
    No person (inspectors, contacts), no penalty amount, no finding text."""
    with read_session() as s:
        c = _published(s, campaign_id)
        tasks = s.scalars(
            select(CampaignTask).where(CampaignTask.campaign_id == c.id).order_by(CampaignTask.rank)
        ).all()
        findings = s.scalars(select(CampaignFinding).where(CampaignFinding.campaign_id == c.id)).all()
        names = _org_names(s, [t.enterprise_id for t in tasks])
        per = []
        for t in tasks:
            mine = [f for f in findings if f.task_id == t.id]
            sev = Counter(f.severity for f in mine)
            states = {f.status for f in mine}
            rect = None
            if mine:
                rect = next((st for st in ("overdue", "open", "rectified", "closed") if st in states), None)
            per.append(
                PublicEntityResult(
                    enterprise_name=names.get(t.enterprise_id, ""),
                    region_code=t.region_code,
                    inspected_on=t.inspected_on,
                    result=t.result,
                    findings_minor=sev.get("minor", 0),
                    findings_major=sev.get("major", 0),
                    findings_serious=sev.get("serious", 0),
                    rectification=rect,
                )
            )
        return PublicCampaignResult(
            id=c.id,
            title=c.title,
            campaign_type=c.campaign_type,
            region_code=c.region_code,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            published_at=c.published_at,
            entities=len(tasks),
            inspected=sum(1 for t in tasks if t.status == "inspected"),
            passed=sum(1 for t in tasks if t.result == "pass"),
            failed=sum(1 for t in tasks if t.result == "fail"),
            findings_by_category=dict(sorted(Counter(f.category for f in findings).items())),
            findings_by_severity=dict(sorted(Counter(f.severity for f in findings).items())),
            per_entity=per,
        )


def draw_of(c: Campaign) -> PublicDraw:
    if not c.selection:
        raise NotFound(f"campaign {c.id} has no draw yet")
    return PublicDraw(
        campaign_id=c.id,
        seed=c.seed or "",
        algorithm=c.algorithm or "",
        algorithm_version=c.algorithm_version or "",
        inputs_digest=c.inputs_digest or "",
        entities=list(c.candidates or []),
        inspectors=list(c.pool or []),
        selection=dict(c.selection),
        reproduced=_reproduces(c),
    )


def public_draw(*, campaign_id: int) -> PublicDraw:
    """The published draw: seed, candidates, pool (ids only), result, and whether it re-runs exactly."""
    with read_session() as s:
        return draw_of(_published(s, campaign_id))


def campaign_draw(*, principal: Principal, campaign_id: int) -> PublicDraw:
    """The draw of a campaign the principal manages (before publication too)."""
    with read_session() as s:
        c = _load_campaign(s, principal, campaign_id)
        if not c.published:
            require_manager(principal, c)
        return draw_of(c)
