"""Use cases of the uncertainty calculator and of saved budgets. Keyword-only; each owns its transaction.

The calculation is ``jiliang.core.uncertainty`` (GUM law of propagation, JCGM 101 Monte Carlo and
the §8 validation); this module only bounds the work a request may ask for, turns every bad input
into a 422 that names the field, and keeps the saved budgets (never overwritten: a revision is a
new row) with an audit entry for every write.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

import jiliang
from jiliang.core.uncertainty import Evaluation, ModelError, evaluate_spec, load_model
from jiliang.core.uncertainty.modelfile import McmOptions
from jiliang.organisations.models import Organisation
from jiliang.platform import audit
from jiliang.platform.access import Principal, can_see, visible
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from jiliang.platform.models import utcnow
from jiliang.platform.service import get_visible, require_role, snapshot
from jiliang.uncertainty_budgets.models import ATTACHED_KINDS, UncertaintyBudget
from jiliang.uncertainty_budgets.schemas import BudgetCreate, BudgetUpdate

# Bounds of one evaluation (the calculator is public: it must not be a way to burn the server)
MAX_DOCUMENT_BYTES = 200_000
MAX_TRIALS = 2_000_000
MAX_DRAWS = 20_000_000  # Monte Carlo trials × (inputs + outputs): the work of one request
MAX_EXPRESSION_LENGTH = 2_000
MAX_INPUTS = 100
MAX_OUTPUTS = 20
MAX_OBSERVATIONS = 10_000
HISTOGRAM_BINS = 100
ENGINE_VERSION = f"jiliang.core.uncertainty {jiliang.__version__}"
MCM_KEYS = ("trials", "adaptive", "seed", "significant_digits", "interval", "max_trials", "block_size")


class ModelInputError(DomainError):
    """A model document that cannot be evaluated: 422 naming the field (``inputs.x.u``, ``mcm.trials``…)."""

    status_code = 422
    code = "invalid_model"

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out["errors"] = [{"row": None, "field": self.field or "model", "reason": self.message}]
        return out


def example_document() -> dict[str, Any]:
    """The GUM H.1 end-gauge example (JCGM 100:2008 Annex H.1) that the calculator starts with."""
    text = (resources.files("jiliang.uncertainty_budgets.data") / "gum-h1.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def parse_document(text: str | bytes, *, field: str = "model") -> dict[str, Any]:
    """Parse the JSON text of a model file; malformed JSON or a non-object is a 422 naming ``field``."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise ModelInputError(
            f"the model document is larger than {MAX_DOCUMENT_BYTES // 1000} kB", field=field
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ModelInputError("the model document is not UTF-8 text", field=field) from exc
    if not text.strip():
        raise ModelInputError("the model document is empty", field=field)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelInputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", field=field
        ) from exc
    except RecursionError as exc:
        raise ModelInputError("the JSON document is nested too deeply", field=field) from exc
    if not isinstance(doc, dict):
        raise ModelInputError("the model document must be a JSON object", field=field)
    return doc


def _field_path(doc: Mapping[str, Any], exc: ModelError) -> str:
    """Where in the document the core's error points: ``inputs.<name>.<attribute>``, ``mcm.trials``, …"""
    f, q, msg = exc.field, exc.quantity, str(exc)
    raw_inputs, raw_outputs = doc.get("inputs"), doc.get("outputs")
    inputs: Mapping[str, Any] = raw_inputs if isinstance(raw_inputs, Mapping) else {}
    outputs: Mapping[str, Any] = raw_outputs if isinstance(raw_outputs, Mapping) else {}
    if f in (
        "correlations",
        "simultaneous",
        "units",
        "inputs",
        "outputs",
        "coverage_probability",
        "k",
        "second_order",
        "dof_rounding",
        "output",
        "mcm",
        "rounding",
    ):
        return f
    if f in ("significant_digits", "rule") and "rounding." in msg:
        return f"rounding.{f}"
    if f in MCM_KEYS:
        return f"mcm.{f}"
    if f in ("expression", "value") and not (q in inputs and f == "value"):
        if "model" in doc:
            return "model"
        for name in outputs:
            if f"output {name!r}" in msg or q == name:
                return f"outputs.{name}"
        return "outputs"
    if q is not None and q in inputs:
        return f"inputs.{q}.{f}" if f else f"inputs.{q}"
    return f or "model"


def _bad(doc: Mapping[str, Any], exc: ModelError) -> ModelInputError:
    err = ModelInputError(str(exc), field=_field_path(doc, exc))
    if exc.quantity:
        err.details = {"quantity": exc.quantity}
    return err


def check_limits(doc: Mapping[str, Any]) -> None:
    """Refuse documents that would make one evaluation too large (422 naming the field)."""
    try:
        size = len(json.dumps(doc, ensure_ascii=False, allow_nan=True))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ModelInputError("the model document is not plain JSON", field="model") from exc
    if size > MAX_DOCUMENT_BYTES:
        raise ModelInputError(
            f"the model document is larger than {MAX_DOCUMENT_BYTES // 1000} kB", field="model"
        )
    exprs: list[tuple[str, Any]] = []
    if "model" in doc:
        exprs.append(("model", doc["model"]))
    outputs = doc.get("outputs")
    if isinstance(outputs, Mapping):
        if len(outputs) > MAX_OUTPUTS:
            raise ModelInputError(f"at most {MAX_OUTPUTS} outputs", field="outputs")
        exprs += [(f"outputs.{k}", v) for k, v in outputs.items()]
    for where, expr in exprs:
        if isinstance(expr, str) and len(expr) > MAX_EXPRESSION_LENGTH:
            raise ModelInputError(
                f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters ({len(expr)})", field=where
            )
    inputs = doc.get("inputs")
    if isinstance(inputs, Mapping):
        if len(inputs) > MAX_INPUTS:
            raise ModelInputError(f"at most {MAX_INPUTS} inputs ({len(inputs)} given)", field="inputs")
        for name, spec in inputs.items():
            obs = spec.get("observations") if isinstance(spec, Mapping) else None
            if isinstance(obs, list) and len(obs) > MAX_OBSERVATIONS:
                raise ModelInputError(
                    f"at most {MAX_OBSERVATIONS} observations per input", field=f"inputs.{name}.observations"
                )
    mcm = doc.get("mcm")
    if isinstance(mcm, Mapping):
        cap = max_trials_for(doc)
        for key in ("trials", "max_trials", "block_size"):
            value = mcm.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > cap:
                raise ModelInputError(
                    f"at most {cap:,} Monte Carlo trials for this model here ({MAX_TRIALS:,}, and trials × "
                    f"(inputs + outputs) ≤ {MAX_DRAWS:,}); use the command line `jiliang uncertainty evaluate` "
                    f"for more; got {value:,}",
                    field=f"mcm.{key}",
                )


def max_trials_for(doc: Mapping[str, Any]) -> int:
    """The most Monte Carlo trials one request may run for this model (see :data:`MAX_DRAWS`)."""
    inputs, outputs = doc.get("inputs"), doc.get("outputs")
    size = (len(inputs) if isinstance(inputs, Mapping) else 1) + (
        len(outputs) if isinstance(outputs, Mapping) else 1
    )
    return max(min(MAX_TRIALS, MAX_DRAWS // max(size, 1)), 10_000)


def evaluate(
    *,
    document: Mapping[str, Any],
    mcm: bool | None = None,
    adaptive: bool | None = None,
    second_order: bool | None = None,
    histogram: bool = True,
) -> Evaluation:
    """Evaluate a model-file document (GUM always; Monte Carlo and §8 validation when asked or when the
    document has an ``"mcm"`` section). Stores nothing. Any bad input is a :class:`ModelInputError`."""
    if not isinstance(document, Mapping):
        raise ModelInputError("the model document must be a JSON object", field="model")
    check_limits(document)
    try:
        ms = load_model(document)
        run_mcm = bool(mcm or adaptive or (mcm is None and ms.mcm is not None))
        if run_mcm:
            opts = ms.mcm or McmOptions()
            raw_mcm = document.get("mcm")
            given: Mapping[str, Any] = raw_mcm if isinstance(raw_mcm, Mapping) else {}
            cap = max_trials_for(document)  # given values above it were refused by check_limits
            if "max_trials" not in given and opts.max_trials > cap:
                opts = dataclasses.replace(opts, max_trials=cap)
            if "trials" not in given and opts.trials > cap:  # the default 10⁶ for a large model
                opts = dataclasses.replace(opts, trials=cap)
            ms = dataclasses.replace(ms, mcm=opts)
        with np.errstate(all="ignore"):
            return evaluate_spec(
                ms,
                mcm=run_mcm,
                adaptive=adaptive,
                second_order=second_order,
                histogram_bins=HISTOGRAM_BINS if (run_mcm and histogram) else None,
            )
    except ModelError as exc:
        raise _bad(document, exc) from exc
    except (
        ArithmeticError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        np.linalg.LinAlgError,
        RecursionError,
    ) as exc:  # a gap in the core's own checks must still answer 422, not 500
        raise ModelInputError(
            f"the model cannot be evaluated: {type(exc).__name__}: {exc}"[:500], field="model"
        ) from exc
    except MemoryError as exc:
        raise ModelInputError("the model is too large to evaluate here", field="model") from exc


def evaluation_document(ev: Evaluation, *, histograms: bool = True) -> dict[str, Any]:
    """The answer of the evaluate API: the CLI's ``--json`` document plus ``histogram_svg`` (MCM)."""
    doc = ev.to_json_dict()
    if histograms and ev.mcm is not None:
        doc["histogram_svg"] = ev.histogram_svgs()
    doc["engine_version"] = ENGINE_VERSION
    return doc


# ----------------------------------------------------------------------------------------------------
# saved budgets
# ----------------------------------------------------------------------------------------------------
def _scope(principal: Principal) -> ColumnElement[bool]:
    """Platform visibility, narrowed for institution staff to their own institution's budgets."""
    clause = visible(principal, UncertaintyBudget)
    if principal.role == "institution":
        clause = and_(clause, UncertaintyBudget.organisation_id == (principal.organisation_id or -1))
    return clause


def _load(session: Any, principal: Principal, budget_id: int) -> UncertaintyBudget:
    b: UncertaintyBudget = get_visible(session, principal, UncertaintyBudget, budget_id, "uncertainty budget")
    if principal.role == "institution" and b.organisation_id != principal.organisation_id:
        raise NotFound(f"uncertainty budget {budget_id} not found")
    return b


def _superseded_by(session: Any, budget_id: int) -> int | None:
    later: int | None = session.scalar(
        select(UncertaintyBudget.id).where(UncertaintyBudget.supersedes_id == budget_id)
    )
    return later


def list_budgets(
    *,
    principal: Principal,
    q: str | None = None,
    attached_kind: str | None = None,
    include_superseded: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, Sequence[UncertaintyBudget]]:
    """The budgets the principal may see; by default only the latest revision of each."""
    B = UncertaintyBudget
    stmt = select(B).where(_scope(principal))
    if not include_superseded:
        later = aliased(B)
        stmt = stmt.where(~exists(select(later.id).where(later.supersedes_id == B.id)))
    if attached_kind:
        stmt = stmt.where(B.attached_kind == attached_kind)
    if q:
        stmt = stmt.where(or_(B.name.contains(q), B.attached_ref.contains(q)))
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(B.id.desc()).offset(offset).limit(limit)).all()
        return total, rows


def get_budget(*, principal: Principal, budget_id: int) -> tuple[UncertaintyBudget, int | None]:
    """One budget revision and the id of the revision that supersedes it (None for the latest)."""
    with read_session() as s:
        b = _load(s, principal, budget_id)
        return b, _superseded_by(s, b.id)


def budget_history(*, principal: Principal, budget_id: int) -> Sequence[UncertaintyBudget]:
    """Every revision of the budget's lineage, oldest first."""
    with read_session() as s:
        b = _load(s, principal, budget_id)
        rows = s.scalars(
            select(UncertaintyBudget)
            .where(UncertaintyBudget.lineage == b.lineage)
            .order_by(UncertaintyBudget.revision)
        ).all()
        return [r for r in rows if can_see(principal, r)]


def _evaluate_for_saving(model: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Evaluate a model to be saved; the Monte Carlo seed actually used is written into the stored model so
    that re-evaluating the saved budget reproduces the same numbers (JCGM 101 §7.2: record the seed)."""
    try:
        ev = evaluate(document=model, histogram=False)
    except ModelInputError as exc:  # the model is one field of the budget: point inside it
        exc.field = f"model.{exc.field}" if exc.field and exc.field != "model" else "model"
        raise
    stored = copy.deepcopy(dict(model))
    if ev.mcm is not None and isinstance(stored.get("mcm"), dict) and stored["mcm"].get("seed") is None:
        stored["mcm"]["seed"] = ev.mcm.seed
    return stored, evaluation_document(ev, histograms=False)


def _institution(session: Any, principal: Principal) -> Organisation:
    org: Organisation | None = (
        session.get(Organisation, principal.organisation_id) if principal.organisation_id else None
    )
    if org is None or org.kind != "institution":
        raise Forbidden("only staff of a technical institution may save uncertainty budgets")
    return org


def check_may_save(principal: Principal) -> None:
    """Only institution staff save and revise budgets (403 for every other role)."""
    require_role(principal, "institution")


def create_budget(*, principal: Principal, data: BudgetCreate) -> UncertaintyBudget:
    """Save a budget (revision 1 of a new lineage), owned by the principal's institution."""
    check_may_save(principal)
    if data.attached_kind not in ATTACHED_KINDS:  # pragma: no cover - the schema already checks it
        raise DomainError("unknown attachment kind", field="attached_kind")
    stored, result = _evaluate_for_saving(data.model)  # outside the write transaction: MCM may take a second
    with write_session() as s:
        org = _institution(s, principal)
        b = UncertaintyBudget(
            lineage=uuid.uuid4().hex,
            revision=1,
            supersedes_id=None,
            organisation_id=org.id,
            region_code=org.region_code,
            name=data.name.strip(),
            attached_kind=data.attached_kind,
            attached_ref=data.attached_ref.strip(),
            change_note=data.change_note.strip(),
            model=stored,
            result=result,
            evaluated_at=utcnow(),
            engine_version=ENGINE_VERSION,
            created_by=principal.username,
        )
        s.add(b)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="uncertainty_budget",
            object_id=b.id,
            after=snapshot(b),
        )
        return b


def revise_budget(*, principal: Principal, budget_id: int, data: BudgetUpdate) -> UncertaintyBudget:
    """Create the next revision of a budget; the revised row is never changed. Only the latest revision
    may be revised (409 otherwise), so the history of a budget is a straight line."""
    with read_session() as s:
        prev = _load(s, principal, budget_id)  # 404 outside the caller's scope, before the role check
        model = data.model if data.model is not None else prev.model
    check_may_save(principal)
    stored, result = _evaluate_for_saving(model)
    with write_session() as s:
        prev = _load(s, principal, budget_id)
        if prev.organisation_id != principal.organisation_id:  # pragma: no cover - _load answers 404 first
            raise Forbidden("only the owning institution may revise this budget")
        later = _superseded_by(s, prev.id)
        if later is not None:
            raise Conflict(
                f"revision {prev.revision} is superseded by budget {later}; revise the latest revision",
                field="budget_id",
            )
        new = UncertaintyBudget(
            lineage=prev.lineage,
            revision=prev.revision + 1,
            supersedes_id=prev.id,
            organisation_id=prev.organisation_id,
            region_code=prev.region_code,
            name=(data.name or prev.name).strip(),
            attached_kind=data.attached_kind or prev.attached_kind,
            attached_ref=(data.attached_ref or prev.attached_ref).strip(),
            change_note=data.change_note.strip(),
            model=stored,
            result=result,
            evaluated_at=utcnow(),
            engine_version=ENGINE_VERSION,
            created_by=principal.username,
        )
        s.add(new)
        try:
            s.flush()
        except IntegrityError as exc:  # a concurrent revision of the same row won the race
            raise Conflict(
                "this revision was revised at the same time; reload and revise the latest revision",
                field="budget_id",
            ) from exc
        audit.record(
            s,
            actor=principal.username,
            action="revise",
            object_type="uncertainty_budget",
            object_id=new.id,
            before=snapshot(prev),
            after=snapshot(new),
        )
        return new


def reevaluate(*, principal: Principal, budget_id: int) -> tuple[Evaluation, bool]:
    """Re-run the saved model with today's engine; True when the GUM and MCM numbers equal the saved ones."""
    b, _ = get_budget(principal=principal, budget_id=budget_id)
    ev = evaluate(document=b.model)
    fresh = evaluation_document(ev, histograms=False)
    return ev, same_numbers(b.result, fresh)


def same_numbers(saved: Mapping[str, Any], fresh: Mapping[str, Any], rel: float = 1e-12) -> bool:
    """The saved and the fresh evaluation agree in value, u, ν_eff, k, U (and the MCM y, u, interval)."""
    keys = ("value", "standard_uncertainty", "effective_dof", "coverage_factor", "expanded_uncertainty")
    so, fo = saved.get("outputs", {}), fresh.get("outputs", {})
    if set(so) != set(fo):
        return False

    def close(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return a is b
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
        return bool(abs(float(a) - float(b)) <= rel * max(abs(float(a)), abs(float(b)), 1e-300))

    for name, s_out in so.items():
        f_out = fo[name]
        if not all(close(s_out.get(k), f_out.get(k)) for k in keys):
            return False
        sm, fm = s_out.get("mcm"), f_out.get("mcm")
        if (sm is None) != (fm is None):
            return False
        if (
            sm
            and fm
            and not all(close(sm.get(k), fm.get(k)) for k in ("value", "standard_uncertainty", "interval"))
        ):
            return False
    return True
