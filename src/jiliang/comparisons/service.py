"""Use cases of comparisons (计量比对) and proficiency-testing rounds (能力验证).

Workflow (CIPM MRA-D-05 "Measurement comparisons in the CIPM MRA"; JJF 1117 计量比对; ISO/IEC 17043 and
ISO 13528:2022 for proficiency testing):

1. A regulator (for a region in its scope) or a pilot institution (for itself) creates the comparison:
   kind, title, quantity, unit (checked with :mod:`jiliang.core.units`), artefact, protocol document
   (kept by SHA-256), participants with lab codes, circulation schedule, deadline, region.
2. Participants submit results. Results are SEALED: before unsealing only the submitting institution
   sees its own submissions; not other participants, not the pilot, not a regulator, not an
   administrator and not the public. Unsealing happens when every participant has submitted, or when the
   deadline has passed (recorded on the first request after it, with the reason and time).
   An amendment is a new version (nothing is overwritten); before unsealing the latest version is used.
3. After unsealing (MRA-D-05: once results are disclosed they may not be changed, except for errors the
   pilot and participants agree are not measurement-related, e.g. transcription), a new version — an
   amendment, or a first result arriving after the deadline (flagged ``late``) — is recorded with
   ``after_unseal`` and decision ``pending``; it is excluded from every analysis until the pilot accepts
   it with a recorded reason (``decide_submission``). Rejected versions stay in the history.
4. The pilot analyses: Draft A (participants' results only, circulated to the participants) and Draft B
   (reference value and degrees of equivalence) or, for a PT round, the assigned value, σ_pt and scores.
   Each analysis is an immutable snapshot: inputs, options, outputs, core version and a SHA-256 digest.
5. A regulator of the region approves a Draft B (or PT) snapshot and publishes it: the public page, the
   DoE plot (SVG from core), the PDF report and the CSV. Participants' performance history across PT
   rounds comes from published rounds only.

Every number comes from :mod:`jiliang.core.comparison`; this module stores, checks access and seals.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import jiliang
from jiliang.comparisons.models import (
    Comparison,
    ComparisonAnalysis,
    ComparisonParticipant,
    ComparisonSubmission,
)
from jiliang.comparisons.schemas import AnalysisIn, ComparisonCreate, DecisionIn, ScheduleUpdate, SubmissionIn
from jiliang.core import comparison as cmp
from jiliang.core.codes import is_within
from jiliang.core.comparison.reference import jsonable
from jiliang.core.units import UnitError, parse_unit
from jiliang.core.units.convert import converter
from jiliang.organisations.models import Organisation
from jiliang.platform import audit
from jiliang.platform.access import Principal, in_region
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import DomainError, Forbidden, NotFound, RowError, ValidationReport
from jiliang.platform.models import Region, utcnow
from jiliang.platform.service import snapshot
from jiliang.platform.settings import get_settings

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CSV_BYTES = 2 * 1024 * 1024
CORE_VERSION = f"jiliang {jiliang.__version__} core.comparison"


class InvalidInput(DomainError):
    """Bad input (422, naming the field and the reason); nothing is written."""

    status_code = 422
    code = "invalid_input"


def today() -> dt.date:
    """Today's date (UTC); tests replace it to move past a deadline."""
    return dt.datetime.now(dt.UTC).date()


# ----------------------------------------------------------------------------------------------------
# files (protocols, budgets): kept by SHA-256 under <data_dir>/comparisons/
# ----------------------------------------------------------------------------------------------------
def _store_file(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(get_settings().data_dir) / "comparisons"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest


def _read_file(digest: str) -> bytes:
    path = Path(get_settings().data_dir) / "comparisons" / digest
    if not path.is_file():
        raise NotFound("file not found")
    return path.read_bytes()


def _check_file(data: bytes | None, name: str, field: str) -> None:
    if data is None:
        return
    if not data:
        raise InvalidInput("the uploaded file is empty", field=field)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", field=field)
    if len(name) > 300:
        raise InvalidInput("the file name has more than 300 characters", field=field)


# ----------------------------------------------------------------------------------------------------
# who may do what
# ----------------------------------------------------------------------------------------------------
def _participant_orgs(s: Session, comparison_id: int) -> set[int]:
    return set(
        s.scalars(
            select(ComparisonParticipant.organisation_id).where(
                ComparisonParticipant.comparison_id == comparison_id
            )
        )
    )


def is_regulator_of(principal: Principal, comp: Comparison) -> bool:
    return principal.role == "admin" or (
        principal.role == "regulator"
        and bool(principal.region_code)
        and is_within(comp.region_code, principal.region_code or "")
    )


def is_pilot(principal: Principal, comp: Comparison) -> bool:
    return principal.role == "admin" or (
        principal.role == "institution" and principal.organisation_id == comp.pilot_id
    )


def is_participant(principal: Principal, orgs: set[int]) -> bool:
    return principal.role == "institution" and principal.organisation_id in orgs


def _sees(principal: Principal, comp: Comparison, orgs: set[int]) -> bool:
    if comp.published or principal.role == "admin":
        return True
    if principal.role == "public":
        return False
    return is_regulator_of(principal, comp) or is_pilot(principal, comp) or is_participant(principal, orgs)


def _scope(principal: Principal) -> Any:
    """WHERE clause: the comparisons a principal may see (published; region; pilot; participant)."""
    if principal.role == "admin":
        return Comparison.id.isnot(None)
    clauses: list[Any] = [Comparison.published.is_(True)]
    if principal.role == "regulator" and principal.region_code:
        clauses.append(in_region(Comparison.region_code, principal.region_code))
    if principal.role == "institution" and principal.organisation_id:
        clauses.append(Comparison.pilot_id == principal.organisation_id)
        clauses.append(
            Comparison.id.in_(
                select(ComparisonParticipant.comparison_id).where(
                    ComparisonParticipant.organisation_id == principal.organisation_id
                )
            )
        )
    return or_(*clauses)


def _load(s: Session, principal: Principal, comparison_id: int) -> tuple[Comparison, set[int]]:
    comp = s.get(Comparison, comparison_id) if 0 < comparison_id < 2**31 else None
    if comp is None:
        raise NotFound(f"comparison {comparison_id} not found")
    orgs = _participant_orgs(s, comp.id)
    if not _sees(principal, comp, orgs):
        raise NotFound(f"comparison {comparison_id} not found")
    return comp, orgs


# ----------------------------------------------------------------------------------------------------
# sealing
# ----------------------------------------------------------------------------------------------------
def refresh_seal(comparison_id: int) -> None:
    """Record the unsealing of a comparison whose deadline has passed (once; actor "system")."""
    if not 0 < comparison_id < 2**31:
        return
    with read_session() as s:
        comp = s.get(Comparison, comparison_id)
        if comp is None or comp.unsealed_at is not None or today() <= comp.deadline:
            return
    with write_session() as s:
        comp = s.get(Comparison, comparison_id)
        if comp is None or comp.unsealed_at is not None or today() <= comp.deadline:
            return
        _unseal(s, comp, "deadline_passed", "system")


def _unseal(s: Session, comp: Comparison, reason: str, actor: str) -> None:
    before = snapshot(comp)
    comp.unsealed_at = utcnow()
    comp.unsealed_reason = reason
    s.flush()
    audit.record(
        s,
        actor=actor,
        action="unseal",
        object_type="comparison",
        object_id=comp.id,
        before=before,
        after=snapshot(comp),
    )


def _refresh_visible_deadlines(principal: Principal) -> None:
    with read_session() as s:
        ids = list(
            s.scalars(
                select(Comparison.id).where(
                    Comparison.unsealed_at.is_(None), Comparison.deadline < today(), _scope(principal)
                )
            )
        )
    for cid in ids:
        refresh_seal(cid)


def sealed(comp: Comparison) -> bool:
    return comp.unsealed_at is None


# ----------------------------------------------------------------------------------------------------
# creation and the circulation schedule
# ----------------------------------------------------------------------------------------------------
def check_unit(text: str, field: str = "unit") -> str:
    try:
        parse_unit(text.strip())
    except UnitError as e:
        raise InvalidInput(f"{text!r}: {e}", field=field) from None
    return text.strip()


def create_comparison(
    *, principal: Principal, data: ComparisonCreate, protocol: bytes | None = None, protocol_name: str = ""
) -> Comparison:
    """Create a comparison or PT round with its participants (regulator of the region, or the pilot)."""
    if principal.role not in ("regulator", "institution", "admin"):
        raise Forbidden("only a regulator or a pilot institution creates a comparison")
    unit = check_unit(data.unit)
    _check_file(protocol, protocol_name, "protocol")
    errors: list[RowError] = []
    codes: dict[str, int] = {}
    orgs_seen: dict[int, int] = {}
    for i, p in enumerate(data.participants, start=1):
        if p.lab_code.upper() in codes:
            errors.append(
                RowError(
                    i,
                    "lab_code",
                    f"duplicate lab code (also participant {codes[p.lab_code.upper()]})",
                    p.lab_code,
                )
            )
        codes.setdefault(p.lab_code.upper(), i)
        if p.organisation_id in orgs_seen:
            errors.append(
                RowError(
                    i,
                    "organisation_id",
                    f"duplicate participant (also participant {orgs_seen[p.organisation_id]})",
                    str(p.organisation_id),
                )
            )
        orgs_seen.setdefault(p.organisation_id, i)
        if p.received_on and p.returned_on and p.returned_on < p.received_on:
            errors.append(RowError(i, "returned_on", "returned before it was received", str(p.returned_on)))
    with write_session() as s:
        if s.get(Region, data.region_code) is None:
            raise InvalidInput(f"unknown region {data.region_code}", field="region_code")
        pilot = s.get(Organisation, data.pilot_id)
        if pilot is None or pilot.kind != "institution":
            raise InvalidInput(f"no institution {data.pilot_id} in the register", field="pilot_id")
        if principal.role == "regulator" and not is_within(data.region_code, principal.region_code or "-"):
            raise Forbidden(f"region {data.region_code} lies outside your region", field="region_code")
        if principal.role == "institution":
            if principal.organisation_id != data.pilot_id:
                raise Forbidden("an institution creates comparisons only as their pilot", field="pilot_id")
            if not is_within(pilot.region_code, data.region_code):
                raise InvalidInput(f"the pilot lies outside region {data.region_code}", field="region_code")
        for i, p in enumerate(data.participants, start=1):
            org = s.get(Organisation, p.organisation_id)
            if org is None or org.kind != "institution":
                errors.append(
                    RowError(
                        i,
                        "organisation_id",
                        "no institution with this id in the register",
                        str(p.organisation_id),
                    )
                )
        if errors:
            raise ValidationReport(errors=errors)
        digest = _store_file(protocol) if protocol else None
        comp = Comparison(
            kind=data.kind,
            title=data.title.strip(),
            quantity=data.quantity.strip(),
            unit=unit,
            artefact=data.artefact.strip(),
            protocol_sha256=digest,
            protocol_file_name=(protocol_name or "protocol")[:300] if protocol else "",
            protocol_size=len(protocol or b""),
            pilot_id=data.pilot_id,
            region_code=data.region_code,
            deadline=data.deadline,
            published=False,
            created_by=principal.username,
        )
        s.add(comp)
        s.flush()
        for i, p in enumerate(data.participants, start=1):
            s.add(
                ComparisonParticipant(
                    comparison_id=comp.id,
                    organisation_id=p.organisation_id,
                    region_code=comp.region_code,
                    lab_code=p.lab_code,
                    position=i,
                    received_on=p.received_on,
                    returned_on=p.returned_on,
                )
            )
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="comparison",
            object_id=comp.id,
            after={**snapshot(comp), "participants": [p.model_dump(mode="json") for p in data.participants]},
        )
        return comp


def set_schedule(
    *, principal: Principal, comparison_id: int, lab_code: str, data: ScheduleUpdate
) -> ComparisonParticipant:
    """Record when a participant received and returned the artefact (the pilot or a regulator)."""
    with write_session() as s:
        comp, _ = _load(s, principal, comparison_id)
        if not (is_pilot(principal, comp) or is_regulator_of(principal, comp)):
            raise Forbidden("only the pilot or a regulator of the region records the circulation")
        part = s.scalar(
            select(ComparisonParticipant).where(
                ComparisonParticipant.comparison_id == comp.id, ComparisonParticipant.lab_code == lab_code
            )
        )
        if part is None:
            raise NotFound(f"no participant {lab_code!r} in comparison {comparison_id}")
        received = data.received_on if "received_on" in data.model_fields_set else part.received_on
        returned = data.returned_on if "returned_on" in data.model_fields_set else part.returned_on
        if received and returned and returned < received:
            raise InvalidInput("returned before it was received", field="returned_on")
        before = snapshot(part)
        part.received_on, part.returned_on = received, returned
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="schedule",
            object_type="comparison_participant",
            object_id=part.id,
            before=before,
            after=snapshot(part),
        )
        return part


# ----------------------------------------------------------------------------------------------------
# submissions
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Converted:
    value: float
    standard_uncertainty: float


def convert_result(value: float, u: float, unit: str, target: str, *, row: int | None = None) -> Converted:
    """Convert a value and its standard uncertainty to the comparison unit (u scales by the factor only)."""
    where = f"row {row}: " if row is not None else ""
    try:
        src, dst = parse_unit(unit.strip()), parse_unit(target)
        conv = converter(src, dst)
    except UnitError as e:
        raise InvalidInput(
            f"{where}unit {unit!r} cannot be converted to {target!r}: {e}", field="unit"
        ) from None
    x = float(conv.scale) * value + float(conv.offset)
    uu = abs(float(conv.scale)) * u
    if not (math.isfinite(x) and math.isfinite(uu) and uu > 0):
        raise InvalidInput(f"{where}the converted result is out of range", field="value")
    return Converted(x, uu)


def _validate_submission(data: SubmissionIn) -> None:
    if not math.isfinite(data.value):
        raise InvalidInput("the value must be a finite number", field="value")
    if not (math.isfinite(data.standard_uncertainty) and data.standard_uncertainty > 0):
        raise InvalidInput("the standard uncertainty must be a positive number", field="standard_uncertainty")
    if data.dof is not None and (math.isnan(data.dof) or data.dof <= 0):
        raise InvalidInput("the degrees of freedom must be positive", field="dof")


def _versions(s: Session, participant_id: int) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(ComparisonSubmission)
            .where(ComparisonSubmission.participant_id == participant_id)
        )
        or 0
    )


def _add_submission(
    s: Session,
    comp: Comparison,
    part: ComparisonParticipant,
    data: SubmissionIn,
    conv: Converted,
    *,
    actor: str,
    on_behalf: bool,
    budget: bytes | None = None,
    budget_name: str = "",
) -> ComparisonSubmission:
    after = not sealed(comp)
    dof = None if data.dof is None or math.isinf(data.dof) else data.dof
    sub = ComparisonSubmission(
        comparison_id=comp.id,
        participant_id=part.id,
        organisation_id=part.organisation_id,
        region_code=comp.region_code,
        version=_versions(s, part.id) + 1,
        value=conv.value,
        standard_uncertainty=conv.standard_uncertainty,
        dof=dof,
        coverage_factor=data.coverage_factor,
        entered_value=data.value,
        entered_uncertainty=data.standard_uncertainty,
        entered_unit=data.unit.strip(),
        budget_sha256=_store_file(budget) if budget else None,
        budget_file_name=(budget_name or "budget")[:300] if budget else "",
        note=data.note,
        late=today() > comp.deadline,
        after_unseal=after,
        # the pilot's own bulk entry after unsealing is its decision already
        decision=("accepted" if on_behalf else "pending") if after else None,
        decision_reason="entered by the pilot from the participant's report" if (after and on_behalf) else "",
        decided_by=actor if (after and on_behalf) else None,
        entered_by=actor,
        on_behalf=on_behalf,
        seal_nonce=secrets.token_hex(16),
        content_sha256="",
    )
    sub.content_sha256 = content_digest(sub)
    s.add(sub)
    s.flush()
    return sub


SEALED_FIELDS = (
    "value",
    "standard_uncertainty",
    "dof",
    "coverage_factor",
    "entered_value",
    "entered_uncertainty",
    "entered_unit",
    "budget_sha256",
    "budget_file_name",
    "note",
)


def content_digest(sub: ComparisonSubmission) -> str:
    """SHA-256 over the submission's nonce and its result fields (checkable once unsealed)."""
    content = {k: getattr(sub, k) for k in SEALED_FIELDS}
    payload = sub.seal_nonce + json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def audit_snapshot(sub: ComparisonSubmission) -> dict[str, Any]:
    """The submission without its sealed numbers (the audit log is readable by administrators)."""
    snap = snapshot(sub)
    for k in (*SEALED_FIELDS, "seal_nonce"):
        snap.pop(k, None)
    return snap


def submit_result(
    *,
    principal: Principal,
    comparison_id: int,
    data: SubmissionIn,
    budget: bytes | None = None,
    budget_name: str = "",
) -> ComparisonSubmission:
    """A participant submits (or amends: a new version) its result; sealed until unsealing."""
    refresh_seal(comparison_id)
    _validate_submission(data)
    _check_file(budget, budget_name, "budget")
    with write_session() as s:
        comp, orgs = _load(s, principal, comparison_id)
        if not is_participant(principal, orgs):
            raise Forbidden("only a participating institution submits results")
        if comp.published:
            raise InvalidInput("the comparison is published; no more results are taken", field="comparison")
        part = s.scalar(
            select(ComparisonParticipant).where(
                ComparisonParticipant.comparison_id == comp.id,
                ComparisonParticipant.organisation_id == principal.organisation_id,
            )
        )
        assert part is not None
        conv = convert_result(data.value, data.standard_uncertainty, data.unit, comp.unit)
        sub = _add_submission(
            s,
            comp,
            part,
            data,
            conv,
            actor=principal.username,
            on_behalf=False,
            budget=budget,
            budget_name=budget_name,
        )
        audit.record(
            s,
            actor=principal.username,
            action="submit" if sub.version == 1 else "amend",
            object_type="comparison_submission",
            object_id=sub.id,
            after=audit_snapshot(sub),
        )
        if sealed(comp):
            done = s.scalar(
                select(func.count(func.distinct(ComparisonSubmission.participant_id))).where(
                    ComparisonSubmission.comparison_id == comp.id
                )
            )
            if done == len(orgs):
                _unseal(s, comp, "all_submitted", principal.username)
        return sub


def decide_submission(
    *, principal: Principal, comparison_id: int, submission_id: int, data: DecisionIn
) -> ComparisonSubmission:
    """The pilot accepts or rejects a version received after unsealing (reason recorded)."""
    with write_session() as s:
        comp, _ = _load(s, principal, comparison_id)
        if not is_pilot(principal, comp):
            raise Forbidden("only the pilot decides on results received after unsealing")
        sub = s.get(ComparisonSubmission, submission_id) if 0 < submission_id < 2**31 else None
        if sub is None or sub.comparison_id != comp.id or sealed(comp):
            raise NotFound(f"submission {submission_id} not found")
        if not sub.after_unseal:
            raise InvalidInput(
                "only results received after unsealing wait for a decision", field="submission"
            )
        before = audit_snapshot(sub)
        sub.decision = "accepted" if data.accept else "rejected"
        sub.decision_reason = data.reason.strip()
        sub.decided_by = principal.username
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="decide",
            object_type="comparison_submission",
            object_id=sub.id,
            before=before,
            after=audit_snapshot(sub),
        )
        return sub


BULK_COLUMNS = ("lab_code", "value", "standard_uncertainty", "unit")


def bulk_enter(*, principal: Principal, comparison_id: int, data: bytes) -> list[ComparisonSubmission]:
    """The pilot enters participants' reported results from a CSV after unsealing (all rows or nothing).

    Columns: lab_code, value, standard_uncertainty (or expanded_uncertainty with coverage_factor), unit,
    optional dof, coverage_factor, note. Each row becomes a new version entered on behalf of the lab.
    """
    refresh_seal(comparison_id)
    with read_session() as s:
        comp, _ = _load(s, principal, comparison_id)
        if not is_pilot(principal, comp):
            raise Forbidden("only the pilot enters results in bulk")
        if sealed(comp):
            raise InvalidInput(
                "results are sealed until the deadline or until all have submitted", field="comparison"
            )
        parts = {
            p.lab_code: p
            for p in s.scalars(
                select(ComparisonParticipant).where(ComparisonParticipant.comparison_id == comp.id)
            )
        }
        unit = comp.unit
    rows = parse_results_csv(data)
    errors: list[RowError] = []
    parsed: list[tuple[str, SubmissionIn, Converted]] = []
    seen: dict[str, int] = {}
    for rowno, row in rows:
        code = (row.get("lab_code") or "").strip()
        if not code:
            errors.append(RowError(rowno, "lab_code", "missing", ""))
            continue
        if code not in parts:
            errors.append(RowError(rowno, "lab_code", "not a participant of this comparison", code))
            continue
        if code in seen:
            errors.append(RowError(rowno, "lab_code", f"duplicate lab (also row {seen[code]})", code))
            continue
        seen[code] = rowno
        nums: dict[str, float | None] = {}
        bad = False
        for col in ("value", "standard_uncertainty", "expanded_uncertainty", "coverage_factor", "dof"):
            cell = (row.get(col) or "").strip()
            if not cell:
                nums[col] = None
                continue
            try:
                v = float(cell)
            except ValueError:
                errors.append(RowError(rowno, col, "not a number", cell))
                bad = True
                continue
            if math.isnan(v) or (math.isinf(v) and col != "dof"):
                errors.append(RowError(rowno, col, "not a finite number", cell))
                bad = True
                continue
            if col != "value" and v <= 0:
                errors.append(RowError(rowno, col, "must be positive", cell))
                bad = True
                continue
            nums[col] = v
        if bad:
            continue
        if nums["value"] is None:
            errors.append(RowError(rowno, "value", "missing", ""))
            continue
        u = nums["standard_uncertainty"]
        if u is None and nums["expanded_uncertainty"] is not None:
            if nums["coverage_factor"] is None:
                errors.append(RowError(rowno, "coverage_factor", "needed with expanded_uncertainty", ""))
                continue
            u = nums["expanded_uncertainty"] / nums["coverage_factor"]
        if u is None:
            errors.append(RowError(rowno, "standard_uncertainty", "missing", ""))
            continue
        row_unit = (row.get("unit") or "").strip() or unit
        try:
            conv = convert_result(nums["value"], u, row_unit, unit, row=rowno)
        except InvalidInput as e:
            errors.append(RowError(rowno, e.field or "unit", e.message, row_unit))
            continue
        sub = SubmissionIn(
            value=nums["value"],
            standard_uncertainty=u,
            dof=nums["dof"],
            coverage_factor=nums["coverage_factor"],
            unit=row_unit,
            note=(row.get("note") or "")[:2000],
        )
        parsed.append((code, sub, conv))
    if errors:
        raise ValidationReport(errors=errors)
    if not parsed:
        raise ValidationReport(errors=[RowError(1, "lab_code", "no result rows", "")])
    out: list[ComparisonSubmission] = []
    with write_session() as s:
        comp, _ = _load(s, principal, comparison_id)
        for code, sub_in, conv in parsed:
            part = s.scalar(
                select(ComparisonParticipant).where(
                    ComparisonParticipant.comparison_id == comp.id, ComparisonParticipant.lab_code == code
                )
            )
            assert part is not None
            out.append(_add_submission(s, comp, part, sub_in, conv, actor=principal.username, on_behalf=True))
        audit.record(
            s,
            actor=principal.username,
            action="bulk_enter",
            object_type="comparison",
            object_id=comp.id,
            after={"sha256": hashlib.sha256(data).hexdigest(), "submission_ids": [x.id for x in out]},
        )
    return out


def parse_results_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a results CSV (UTF-8, header row) as (row number counted from the header = 1, cells)."""
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInput(f"the CSV is larger than {MAX_CSV_BYTES // 1024} kB", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV is not UTF-8 text", field="file") from None
    if "\x00" in text:
        raise InvalidInput("the CSV is not text", field="file")
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "lab_code" not in header or "value" not in header:
            raise InvalidInput(
                "the CSV needs a header with lab_code, value and standard_uncertainty", field="file"
            )
        reader.fieldnames = header
        rows = [
            (i, {k: (v or "") for k, v in r.items() if isinstance(k, str) and not isinstance(v, list)})
            for i, r in enumerate(reader, start=2)
        ]
    except csv.Error as e:
        raise InvalidInput(f"unreadable CSV: {e}", field="file") from None
    if len(rows) > 2000:
        raise InvalidInput("at most 2000 rows", field="file")
    return rows


# ----------------------------------------------------------------------------------------------------
# reading (sealing applied)
# ----------------------------------------------------------------------------------------------------
@dataclass
class ComparisonView:
    comparison: Comparison
    pilot_name: str
    participants: list[ComparisonParticipant]
    names: dict[int, str]
    submissions: list[ComparisonSubmission]  # only what the principal may see
    used_ids: set[int]
    analyses: list[ComparisonAnalysis]
    submitted_labs: set[str] | None  # None while sealed
    may_submit: bool
    may_analyse: bool
    may_publish: bool
    may_schedule: bool
    lab_codes: dict[int, str] = field(default_factory=dict)


def _used_versions(subs: Sequence[ComparisonSubmission]) -> dict[int, ComparisonSubmission]:
    """participant id -> the version the analysis uses: latest before unsealing, or accepted after it."""
    used: dict[int, ComparisonSubmission] = {}
    for sub in sorted(subs, key=lambda x: (x.participant_id, x.version)):
        if sub.after_unseal and sub.decision != "accepted":
            continue
        used[sub.participant_id] = sub
    return used


def visible_analyses(
    principal: Principal, comp: Comparison, orgs: set[int], analyses: Sequence[ComparisonAnalysis]
) -> list[ComparisonAnalysis]:
    if sealed(comp):
        return []  # none can exist; belt and braces
    if principal.role == "admin" or is_regulator_of(principal, comp) or is_pilot(principal, comp):
        return list(analyses)
    if is_participant(principal, orgs):
        return list(analyses)  # Draft A and Draft B are circulated to the participants (MRA-D-05)
    return [a for a in analyses if a.id == comp.published_analysis_id]


def comparison_view(*, principal: Principal, comparison_id: int) -> ComparisonView:
    refresh_seal(comparison_id)
    with read_session() as s:
        comp, orgs = _load(s, principal, comparison_id)
        parts = list(
            s.scalars(
                select(ComparisonParticipant)
                .where(ComparisonParticipant.comparison_id == comp.id)
                .order_by(ComparisonParticipant.position, ComparisonParticipant.id)
            )
        )
        ids = {p.organisation_id for p in parts} | {comp.pilot_id}
        names = dict(
            s.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all()
        )
        all_subs = list(
            s.scalars(
                select(ComparisonSubmission)
                .where(ComparisonSubmission.comparison_id == comp.id)
                .order_by(ComparisonSubmission.participant_id, ComparisonSubmission.version)
            )
        )
        used = _used_versions(all_subs)
        if (
            sealed(comp)
            or comp.published
            and not (
                is_pilot(principal, comp)
                or is_regulator_of(principal, comp)
                or is_participant(principal, orgs)
            )
        ):
            # sealed: own submissions only; published: outsiders see the published analysis, not the history
            own = principal.organisation_id if principal.role == "institution" else None
            subs = [x for x in all_subs if own is not None and x.organisation_id == own]
        elif is_pilot(principal, comp) or is_regulator_of(principal, comp):
            subs = all_subs
        else:  # a participant after unsealing: its own history (the others come through Draft A)
            subs = [x for x in all_subs if x.organisation_id == principal.organisation_id]
        analyses = list(
            s.scalars(
                select(ComparisonAnalysis)
                .where(ComparisonAnalysis.comparison_id == comp.id)
                .order_by(ComparisonAnalysis.id)
            )
        )
        codes = {p.id: p.lab_code for p in parts}
        return ComparisonView(
            comparison=comp,
            pilot_name=names.get(comp.pilot_id, str(comp.pilot_id)),
            participants=parts,
            names=names,
            submissions=subs,
            used_ids={x.id for x in used.values()},
            analyses=visible_analyses(principal, comp, orgs, analyses),
            submitted_labs=None
            if sealed(comp)
            else {codes[pid] for pid in {x.participant_id for x in all_subs}},
            may_submit=is_participant(principal, orgs) and not comp.published,
            may_analyse=is_pilot(principal, comp) and not sealed(comp) and not comp.published,
            may_publish=is_regulator_of(principal, comp) and not comp.published,
            may_schedule=is_pilot(principal, comp) or is_regulator_of(principal, comp),
            lab_codes=codes,
        )


def list_comparisons(
    *, principal: Principal, offset: int = 0, limit: int = 50
) -> tuple[int, list[Comparison]]:
    _refresh_visible_deadlines(principal)
    with read_session() as s:
        stmt = select(Comparison).where(_scope(principal))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = list(
            s.scalars(
                stmt.order_by(Comparison.deadline.desc(), Comparison.id.desc()).offset(offset).limit(limit)
            )
        )
        return int(total), rows


def protocol_file(*, principal: Principal, comparison_id: int) -> tuple[bytes, str]:
    with read_session() as s:
        comp, _ = _load(s, principal, comparison_id)
        if not comp.protocol_sha256:
            raise NotFound("this comparison has no protocol document")
        return _read_file(comp.protocol_sha256), comp.protocol_file_name


def budget_file(*, principal: Principal, comparison_id: int, submission_id: int) -> tuple[bytes, str]:
    view = comparison_view(principal=principal, comparison_id=comparison_id)
    for sub in view.submissions:
        if sub.id == submission_id and sub.budget_sha256:
            return _read_file(sub.budget_sha256), sub.budget_file_name
    raise NotFound(f"no budget file for submission {submission_id}")


# ----------------------------------------------------------------------------------------------------
# analysis (all numbers from jiliang.core.comparison)
# ----------------------------------------------------------------------------------------------------
def _inputs(s: Session, comp: Comparison) -> list[dict[str, Any]]:
    parts = {
        p.id: p
        for p in s.scalars(
            select(ComparisonParticipant).where(ComparisonParticipant.comparison_id == comp.id)
        )
    }
    subs = list(s.scalars(select(ComparisonSubmission).where(ComparisonSubmission.comparison_id == comp.id)))
    used = _used_versions(subs)
    rows = []
    for pid, sub in sorted(used.items(), key=lambda kv: (parts[kv[0]].position, kv[0])):
        rows.append(
            {
                "lab": parts[pid].lab_code,
                "submission_id": sub.id,
                "version": sub.version,
                "x": sub.value,
                "u": sub.standard_uncertainty,
                "dof": sub.dof,
                "k": sub.coverage_factor,
                "late": sub.late,
                "after_unseal": sub.after_unseal,
            }
        )
    return rows


def _core_error(e: Exception) -> InvalidInput:
    if isinstance(e, cmp.ComparisonInputError):
        field = {"included": "excluded"}.get(e.field or "", e.field or "results")
        return InvalidInput(str(e), field=field, details={"lab": e.lab, "row": e.row, "field": e.field})
    return InvalidInput(str(e), field="options")


def _draft_b(
    rows: list[dict[str, Any]], data: AnalysisIn, unit: str
) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    unknown = sorted(set(data.excluded) - {r["lab"] for r in rows})
    if unknown:
        raise InvalidInput(f"excluded lab(s) {unknown} have no result", field="excluded")
    results = [
        cmp.LabResult(r["lab"], r["x"], r["u"], dof=r["dof"], included=r["lab"] not in data.excluded)
        for r in rows
    ]
    method = cmp.canonical_method(data.method) if data.method else "weighted-mean"
    opts: dict[str, Any] = {}
    if data.uncertainty is not None:
        opts["uncertainty"] = data.uncertainty
    if data.alpha is not None:
        opts["alpha"] = data.alpha
    if data.coverage_factor is not None and method in (
        "weighted-mean",
        "largest-consistent-subset",
        "arithmetic-mean",
        "median",
    ):
        opts["coverage_factor"] = data.coverage_factor
    if data.trials is not None:
        opts["trials"] = data.trials
    if method in ("procedure-b", "linear-pool", "dersimonian-laird", "hierarchical-bayes"):
        opts["seed"] = data.seed
    ref = cmp.reference_value(results, method, **opts)
    doe = cmp.unilateral_doe(results, ref, form=data.form, covariance=data.covariance, seed=data.seed)
    bil = cmp.bilateral_doe(doe)
    options = {
        "method": method,
        "reference_options": opts,
        "excluded": sorted(data.excluded),
        "doe": {"form": data.form, "covariance": data.covariance, "seed": data.seed},
    }
    outputs = {"reference": ref.to_dict(), "doe": doe.to_dict(), "bilateral": bil.to_dict()}
    svg = cmp.comparison_plot_svg(results, ref, unit=unit)
    doe_svg = cmp.doe_plot_svg(doe, unit=unit)
    return options, outputs, svg, doe_svg


def _pt(
    rows: list[dict[str, Any]], data: AnalysisIn, unit: str
) -> tuple[dict[str, Any], dict[str, Any], str]:
    if data.assigned is None or data.sigma_pt is None:
        raise InvalidInput("a PT analysis needs the assigned value and σ_pt", field="assigned")
    labs = [r["lab"] for r in rows]
    x = [r["x"] for r in rows]
    a = data.assigned
    robust: cmp.RobustEstimate | None = None
    if a.source == "consensus" or data.sigma_pt.source == "robust":
        robust = cmp.robust_estimate(
            x, a.method, **({"stopping": a.stopping} if a.method == "algorithm-a" else {})
        )
    if a.source == "formulation":
        if a.value is None or a.standard_uncertainty is None:
            raise InvalidInput(
                "give the formulated value and its standard uncertainty", field="assigned.value"
            )
        x_pt, u_x_pt = a.value, a.standard_uncertainty
    elif a.source == "reference_lab":
        ref = next((r for r in rows if r["lab"] == a.lab_code), None)
        if ref is None:
            raise InvalidInput(f"the reference lab {a.lab_code!r} has no result", field="assigned.lab_code")
        x_pt, u_x_pt = ref["x"], ref["u"]
    else:
        assert robust is not None
        x_pt, u_x_pt = robust.location, robust.standard_uncertainty  # u(x_pt) = 1.25 s*/√p (7.7.7)
    sp = data.sigma_pt
    if sp.source == "fixed":
        if sp.value is None:
            raise InvalidInput("give σ_pt", field="sigma_pt.value")
        sigma = sp.value
    elif sp.source == "model":
        if sp.relative is None:
            raise InvalidInput(
                "give the relative σ_pt of the fitness-for-purpose model", field="sigma_pt.relative"
            )
        sigma = sp.relative * abs(x_pt)
    else:
        assert robust is not None
        sigma = robust.scale
    if not (math.isfinite(sigma) and sigma > 0):
        raise InvalidInput("σ_pt must be positive", field="sigma_pt")
    u = [r["u"] for r in rows]
    big_u = [r["u"] * (r["k"] or 2.0) for r in rows]
    hom = stab = None
    if data.homogeneity is not None:
        hom = cmp.homogeneity_check(data.homogeneity.items, sigma)
    if data.stability is not None:
        stab = cmp.stability_check(data.stability.before, data.stability.after, sigma)
    sigma_used = hom.sigma_pt_adjusted if (hom is not None and not hom.passed) else sigma
    scores = cmp.pt_scores(
        x,
        x_pt,
        sigma_pt=sigma_used,
        u_x_pt=u_x_pt,
        standard_uncertainties=u,
        expanded_uncertainties=big_u,
        labs=labs,
    )
    options = {
        "assigned": a.model_dump(),
        "sigma_pt": sp.model_dump(),
        "sigma_pt_value": sigma,
        "sigma_pt_used": sigma_used,
        "expanded_uncertainty": "U = k·u with the participant's k, k = 2 where not given",
        "signals": "|z| ≤ 2 none; 2 < |z| < 3 warning; |z| ≥ 3 action (ISO 13528:2022 9.4)",
    }
    outputs = {
        "x_pt": x_pt,
        "u_x_pt": u_x_pt,
        "sigma_pt": sigma_used,
        "robust": robust.to_dict() if robust is not None else None,
        "scores": scores.to_dict(),
        "homogeneity": hom.to_dict() if hom is not None else None,
        "stability": stab.to_dict() if stab is not None else None,
    }
    stat = scores.statistic or "zeta"
    arr = {"z": scores.z, "z'": scores.z_prime, "zeta": scores.zeta}.get(stat)
    svg = cmp.score_chart_svg(labs, [float(v) for v in arr], kind=stat) if arr is not None else ""
    return options, outputs, svg


def analyse(*, principal: Principal, comparison_id: int, data: AnalysisIn) -> ComparisonAnalysis:
    """Draft A, Draft B or PT scores, stored as an immutable snapshot (the pilot, after unsealing)."""
    refresh_seal(comparison_id)
    with write_session() as s:
        comp, _ = _load(s, principal, comparison_id)
        if not is_pilot(principal, comp):
            raise Forbidden("only the pilot analyses the results")
        if sealed(comp):
            raise InvalidInput(
                "results are sealed until the deadline or until all have submitted", field="comparison"
            )
        if comp.published:
            raise InvalidInput("the comparison is published", field="comparison")
        if data.kind == "pt" and comp.kind != "proficiency_test":
            raise InvalidInput("PT scores belong to a proficiency-testing round", field="kind")
        rows = _inputs(s, comp)
        if len(rows) < 2:
            raise InvalidInput(
                f"{len(rows)} result(s): an analysis needs at least two participants", field="results"
            )
        svg = doe_svg = ""
        try:
            if data.kind == "draft_a":
                options: dict[str, Any] = {"kind": "draft_a"}
                outputs: dict[str, Any] = {
                    "results": [{**r, "U": r["u"] * (r["k"] or 2.0)} for r in rows],
                    "note": "participants' results only (Draft A); U = k·u, k = 2 where not given",
                }
                method = ""
            elif data.kind == "draft_b":
                options, outputs, svg, doe_svg = _draft_b(rows, data, comp.unit)
                method = options["method"]
            else:
                options, outputs, svg = _pt(rows, data, comp.unit)
                method = f"pt:{data.assigned.source if data.assigned else ''}"
        except (cmp.ComparisonInputError, ValueError, KeyError, TypeError) as e:
            raise _core_error(e) from None
        outputs = jsonable(outputs)
        payload = json.dumps(
            {"inputs": rows, "options": options, "outputs": outputs},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        an = ComparisonAnalysis(
            comparison_id=comp.id,
            region_code=comp.region_code,
            pilot_id=comp.pilot_id,
            kind=data.kind,
            method=method,
            options=jsonable(options),
            inputs=jsonable(rows),
            outputs=outputs,
            svg=svg,
            doe_svg=doe_svg,
            core_version=CORE_VERSION,
            digest=hashlib.sha256(payload.encode()).hexdigest(),
            created_by=principal.username,
        )
        s.add(an)
        s.flush()
        snap = snapshot(an)
        snap.pop("svg", None)
        snap.pop("doe_svg", None)
        audit.record(
            s,
            actor=principal.username,
            action="analyse",
            object_type="comparison_analysis",
            object_id=an.id,
            after=snap,
        )
        return an


def get_analysis(
    *, principal: Principal, comparison_id: int, analysis_id: int
) -> tuple[Comparison, ComparisonAnalysis]:
    view = comparison_view(principal=principal, comparison_id=comparison_id)
    for a in view.analyses:
        if a.id == analysis_id:
            return view.comparison, a
    raise NotFound(f"analysis {analysis_id} not found")


def publish(*, principal: Principal, comparison_id: int, analysis_id: int) -> Comparison:
    """A regulator of the region approves a Draft B (or PT) snapshot and publishes the comparison."""
    with write_session() as s:
        comp, _ = _load(s, principal, comparison_id)
        if not is_regulator_of(principal, comp):
            raise Forbidden("only a regulator of the comparison's region approves and publishes")
        an = s.get(ComparisonAnalysis, analysis_id) if 0 < analysis_id < 2**31 else None
        if an is None or an.comparison_id != comp.id:
            raise NotFound(f"analysis {analysis_id} not found")
        if comp.published:
            raise InvalidInput("the comparison is already published", field="comparison")
        if an.kind == "draft_a":
            raise InvalidInput("Draft A has no reference value; publish a Draft B", field="analysis")
        before = snapshot(comp)
        an.approved_by, an.approved_at = principal.username, utcnow()
        comp.published, comp.published_at = True, utcnow()
        comp.published_analysis_id, comp.approved_by = an.id, principal.username
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="publish",
            object_type="comparison",
            object_id=comp.id,
            before=before,
            after={**snapshot(comp), "analysis_digest": an.digest},
        )
        return comp


# ----------------------------------------------------------------------------------------------------
# the public
# ----------------------------------------------------------------------------------------------------
def list_published(
    *, offset: int = 0, limit: int = 50, kind: str | None = None
) -> tuple[int, list[Comparison]]:
    stmt = select(Comparison).where(Comparison.published.is_(True))
    if kind:
        stmt = stmt.where(Comparison.kind == kind)
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = list(
            s.scalars(
                stmt.order_by(Comparison.published_at.desc(), Comparison.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
        return int(total), rows


@dataclass
class PublishedView:
    comparison: Comparison
    analysis: ComparisonAnalysis
    pilot_name: str
    participants: list[tuple[str, str]]  # (lab code, institution name)


def published_view(*, comparison_id: int) -> PublishedView:
    with read_session() as s:
        comp = s.get(Comparison, comparison_id) if 0 < comparison_id < 2**31 else None
        if comp is None or not comp.published or comp.published_analysis_id is None:
            raise NotFound(f"comparison {comparison_id} not found")
        an = s.get(ComparisonAnalysis, comp.published_analysis_id)
        assert an is not None
        parts = s.execute(
            select(ComparisonParticipant.lab_code, Organisation.name)
            .join(Organisation, Organisation.id == ComparisonParticipant.organisation_id)
            .where(ComparisonParticipant.comparison_id == comp.id)
            .order_by(ComparisonParticipant.position)
        ).all()
        pilot = s.get(Organisation, comp.pilot_id)
        return PublishedView(comp, an, pilot.name if pilot else "", [(a, b) for a, b in parts])


def cached_report(digest: str, lang: str, render: Callable[[], bytes]) -> bytes:
    """The PDF report of a published (immutable) analysis snapshot, rendered once per language and kept
    under ``<data_dir>/comparisons/reports/`` by the snapshot's digest."""
    folder = Path(get_settings().data_dir) / "comparisons" / "reports"
    path = folder / f"{digest}-{'en' if lang == 'en' else 'zh'}.pdf"
    if path.is_file():
        return path.read_bytes()
    pdf = render()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    return pdf


def result_rows(analysis: ComparisonAnalysis) -> tuple[list[str], list[list[Any]]]:
    """The results table of an analysis (header, rows) for pages, CSV and PDF."""
    out = analysis.outputs or {}
    if analysis.kind == "draft_b":
        header = ["lab", "x", "u", "U", "d", "U(d)", "E_n", "contributes"]
        ks = {r["lab"]: r.get("k") for r in analysis.inputs}
        rows = [
            [
                e["lab"],
                e["x"],
                e["u"],
                e["u"] * (ks.get(e["lab"]) or 2.0),
                e["d"],
                e["U_d"],
                e["E_n"],
                e["contributes"],
            ]
            for e in out["doe"]["entries"]
        ]
        return header, rows
    if analysis.kind == "pt":
        parts = out["scores"]["participants"]
        stat = out["scores"].get("statistic")
        header = ["lab", "x", "D", "D%", "z", "z'", "zeta", "E_n", "classification", "signal"]
        rows = [
            [
                p["lab"],
                p["x"],
                p["D"],
                p["D%"],
                p.get("z"),
                p.get("z'"),
                p.get("zeta"),
                p.get("E_n"),
                p.get(f"{stat} class"),
                p.get(f"{stat} signal"),
            ]
            for p in parts
        ]
        return header, rows
    header = ["lab", "version", "x", "u", "U", "k", "dof", "late"]
    return header, [
        [r["lab"], r["version"], r["x"], r["u"], r["U"], r["k"], r["dof"], r["late"]]
        for r in out.get("results", [])
    ]


def results_csv(analysis: ComparisonAnalysis, unit: str) -> bytes:
    header, rows = result_rows(analysis)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*header, "unit"])
    for r in rows:
        w.writerow([("" if v is None else (f"{v:.10g}" if isinstance(v, float) else v)) for v in r] + [unit])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# ----------------------------------------------------------------------------------------------------
# a participant's performance history across PT rounds (published rounds only)
# ----------------------------------------------------------------------------------------------------
def pt_history(*, principal: Principal, organisation_id: int) -> tuple[str, list[dict[str, Any]]]:
    """Scores of an institution in every published PT round: the institution itself, regulators whose
    region covers it, and administrators."""
    with read_session() as s:
        org = s.get(Organisation, organisation_id) if 0 < organisation_id < 2**31 else None
        if org is None:
            raise NotFound(f"organisation {organisation_id} not found")
        allowed = (
            principal.role == "admin"
            or (principal.role == "institution" and principal.organisation_id == org.id)
            or (principal.role == "regulator" and is_within(org.region_code, principal.region_code or "-"))
        )
        if not allowed:
            raise NotFound(f"organisation {organisation_id} not found")
        q = (
            select(Comparison, ComparisonParticipant.lab_code, ComparisonAnalysis)
            .join(ComparisonParticipant, ComparisonParticipant.comparison_id == Comparison.id)
            .join(ComparisonAnalysis, ComparisonAnalysis.id == Comparison.published_analysis_id)
            .where(
                ComparisonParticipant.organisation_id == org.id,
                Comparison.published.is_(True),
                ComparisonAnalysis.kind == "pt",
            )
            .order_by(Comparison.published_at, Comparison.id)
        )
        rows: list[dict[str, Any]] = []
        for comp, code, an in s.execute(q).all():
            sc = an.outputs["scores"]
            stat = sc.get("statistic")
            for p in sc["participants"]:
                if p["lab"] != code:
                    continue
                rows.append(
                    {
                        "comparison_id": comp.id,
                        "title": comp.title,
                        "lab_code": code,
                        "published_at": comp.published_at,
                        "x": p["x"],
                        "x_pt": sc["x_pt"],
                        "sigma_pt": sc.get("sigma_pt"),
                        "statistic": stat,
                        "score": p.get(stat) if stat else None,
                        "classification": p.get(f"{stat} class") if stat else None,
                        "signal": p.get(f"{stat} signal") if stat else None,
                        "z": p.get("z"),
                        "zeta": p.get("zeta"),
                        "en": p.get("E_n"),
                    }
                )
        return org.name, rows


def institutions(*, principal: Principal, limit: int = 500) -> list[tuple[int, str, str]]:
    """Institutions offered as pilot/participants in the creation form (id, name, region)."""
    with read_session() as s:
        return [
            (a, b, c)
            for a, b, c in s.execute(
                select(Organisation.id, Organisation.name, Organisation.region_code)
                .where(Organisation.kind == "institution")
                .order_by(Organisation.region_code, Organisation.id)
                .limit(limit)
            ).all()
        ]
