"""The hash-chained audit log: append (inside the caller's transaction) and verify."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiliang.platform.models import AuditHead, AuditLog, utcnow
from jiliang.platform.settings import get_settings

GENESIS = "0" * 64


def jsonable(value: Any) -> Any:
    """Convert a value to plain JSON types so that it survives a database round trip unchanged."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _key() -> bytes:
    return hashlib.sha256(("audit:" + get_settings().resolved_secret_key()).encode()).digest()


def compute_digest(
    *,
    prev_digest: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    key: bytes | None = None,
) -> str:
    message = "\x1f".join(
        [
            prev_digest,
            str(seq),
            at.replace(microsecond=at.microsecond).isoformat(timespec="microseconds"),
            actor,
            action,
            object_type,
            object_id,
            _canonical(before),
            _canonical(after),
        ]
    )
    return hmac.new(key or _key(), message.encode(), hashlib.sha256).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: Any,
    before: Any = None,
    after: Any = None,
) -> AuditLog:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change)."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, digest=GENESIS)
        session.add(head)
        session.flush()
    at = utcnow()
    before_j, after_j = jsonable(before), jsonable(after)
    seq = head.seq + 1
    digest = compute_digest(
        prev_digest=head.digest,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before_j,
        after=after_j,
    )
    row = AuditLog(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before_j,
        after=after_j,
        prev_digest=head.digest,
        digest=digest,
    )
    session.add(row)
    head.seq, head.digest = seq, digest
    session.flush()
    return row


@dataclass(frozen=True)
class AuditProblem:
    seq: int | None
    row_id: int | None
    kind: str  # altered | inserted | deleted | head
    detail: str


def verify_rows(rows: Iterable[AuditLog], head: AuditHead | None) -> list[AuditProblem]:
    """Check the chain: every digest recomputes, seq has no gaps, each row links to the one before."""
    key = _key()
    problems: list[AuditProblem] = []
    prev_digest, expected_seq = GENESIS, 1
    last_seq = 0
    for row in rows:
        recomputed = compute_digest(
            prev_digest=row.prev_digest, seq=row.seq, at=row.at, actor=row.actor, action=row.action,
            object_type=row.object_type, object_id=row.object_id, before=row.before, after=row.after, key=key,
        )
        if not hmac.compare_digest(recomputed, row.digest):
            problems.append(
                AuditProblem(
                    row.seq, row.id, "altered", "digest does not match the row's content (altered or forged)"
                )
            )
        if row.seq > expected_seq:
            problems.append(
                AuditProblem(
                    expected_seq,
                    None,
                    "deleted",
                    f"sequence numbers {expected_seq}..{row.seq - 1} are missing",
                )
            )
        elif row.seq < expected_seq:
            problems.append(AuditProblem(row.seq, row.id, "inserted", "duplicate sequence number"))
        if row.prev_digest != prev_digest and row.seq == expected_seq:
            problems.append(
                AuditProblem(row.seq, row.id, "deleted", "does not link to the previous row")
            )
        prev_digest = row.digest
        expected_seq = row.seq + 1
        last_seq = max(last_seq, row.seq)
    if head is not None and (head.seq != last_seq or (last_seq and head.digest != prev_digest)):
        problems.append(
            AuditProblem(
                head.seq,
                None,
                "deleted" if head.seq > last_seq else "head",
                f"chain head says seq {head.seq}, the log ends at seq {last_seq}",
            )
        )
    return problems


def verify(session: Session) -> tuple[int, list[AuditProblem]]:
    """Verify the whole log; return (rows checked, problems)."""
    rows = session.execute(select(AuditLog).order_by(AuditLog.seq, AuditLog.id).execution_options(yield_per=2000))
    count = 0

    def counted() -> Iterable[AuditLog]:
        nonlocal count
        for (row,) in rows:
            count += 1
            yield row

    head = session.get(AuditHead, 1)
    problems = verify_rows(counted(), head)
    return count, problems


# --- external anchors -------------------------------------------------------------------------------
# The chain head lives in the same database as the log, so someone who deletes the last rows and also
# rewinds the head row leaves a consistent, shorter chain. An anchor is the head (seq, digest) written
# down OUTSIDE the database (a file on other storage, a printout, a message to the regulator), sealed with
# the audit key. Verifying against an anchor proves the log still holds that row unchanged, so nothing up
# to the anchor was cut off.

ANCHOR_FORMAT = "jiliang-audit-anchor/1"


def _anchor_mac(seq: int, digest: str, at: str) -> str:
    message = f"{ANCHOR_FORMAT}\x1f{seq}\x1f{digest}\x1f{at}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def make_anchor(session: Session) -> dict[str, Any]:
    """The current chain head as an anchor document to keep outside the database."""
    head = session.get(AuditHead, 1)
    seq, digest = (head.seq, head.digest) if head is not None else (0, GENESIS)
    at = utcnow().isoformat()
    return {"format": ANCHOR_FORMAT, "seq": seq, "digest": digest, "at": at, "mac": _anchor_mac(seq, digest, at)}


def check_anchor(session: Session, anchor: Any) -> list[AuditProblem]:
    """Problems when the log no longer holds the anchored row unchanged (or the anchor is not genuine)."""
    fields = ("format", "seq", "digest", "at", "mac")
    if not isinstance(anchor, dict) or any(k not in anchor for k in fields) or anchor["format"] != ANCHOR_FORMAT:
        return [AuditProblem(None, None, "anchor", f"not an anchor document (needs {', '.join(fields)})")]
    seq, digest, at = anchor["seq"], anchor["digest"], anchor["at"]
    if not isinstance(seq, int) or not isinstance(digest, str) or not isinstance(at, str):
        return [AuditProblem(None, None, "anchor", "anchor fields have the wrong types")]
    if not hmac.compare_digest(_anchor_mac(seq, digest, at), str(anchor["mac"])):
        return [AuditProblem(seq, None, "anchor", "the anchor's seal does not match (forged, or another key)")]
    if seq == 0:
        return []
    row = session.scalars(select(AuditLog).where(AuditLog.seq == seq).order_by(AuditLog.id)).first()
    if row is None:
        return [AuditProblem(seq, None, "deleted", f"the anchored row seq {seq} is missing (log cut off)")]
    if not hmac.compare_digest(row.digest, digest):
        return [AuditProblem(seq, row.id, "altered", f"row seq {seq} differs from the anchor taken at {at}")]
    return []
