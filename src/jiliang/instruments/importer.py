"""Bulk import and export of the register (CSV in UTF-8 or GBK/GB18030, and Excel .xlsx).

Import is all-or-nothing: every row is validated first; a single bad row means nothing is written
and the report lists every bad row with its field and reason. Re-importing the same file creates
no duplicates: a row whose instrument is already registered with the same data counts as
unchanged. The accepted file is kept (by its SHA-256) under the data directory and the import is one
audit entry that names the batch, the file digest and the id range.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiliang.core import duedates
from jiliang.core.codes import CodeError, make_instrument_code, validate_credit_code, validate_instrument_code
from jiliang.instruments import tallies
from jiliang.instruments.models import STATUSES, USES, CatalogueItem, ImportBatch, Instrument
from jiliang.instruments.service import check_code_matches, due_for, next_sequence, rule_of
from jiliang.organisations.models import Organisation
from jiliang.platform import audit
from jiliang.platform.access import Principal
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import DomainError, Forbidden, RowError, ValidationReport
from jiliang.platform.settings import get_settings

# (key, Chinese header, required)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("code", "识别码", False),
    ("catalogue_code", "目录代码", True),
    ("owner_credit_code", "所有者统一社会信用代码", True),
    ("maker", "制造单位", False),
    ("model", "型号规格", False),
    ("serial_number", "出厂编号", True),
    ("measuring_range", "测量范围", False),
    ("accuracy_class", "准确度等级", False),
    ("location", "使用地点", False),
    ("use", "用途", True),
    ("status", "状态", False),
    ("first_verified_on", "首次检定日期", False),
    ("last_verified_on", "最近检定日期", False),
    ("last_result", "最近检定结论", False),
)
KEYS = tuple(c[0] for c in COLUMNS)
_ALIASES: dict[str, str] = {}
for _key, _zh, _req in COLUMNS:
    _ALIASES[_key] = _key
    _ALIASES[_zh] = _key
    _ALIASES[f"{_zh} ({_key})"] = _key
    _ALIASES[f"{_zh}({_key})"] = _key

# columns an export writes that import recomputes: accepted and ignored, so that an export re-imports unchanged
_EXPORT_ONLY = (("next_due_on", "下次检定日期"), ("region_code", "区划代码"))
_IGNORED = {name for key, zh in _EXPORT_ONLY for name in (key, zh, f"{zh} ({key})", f"{zh}({key})")}

USE_ALIASES = {
    "贸易结算": "trade_settlement", "安全防护": "safety_protection",
    "医疗卫生": "medical_health", "环境监测": "environmental_monitoring",
} | {u: u for u in USES}
STATUS_ALIASES = {"在用": "in_use", "停用": "suspended", "报废": "scrapped", "": "in_use"} | {s: s for s in STATUSES}
RESULT_ALIASES = {"合格": "pass", "不合格": "fail", "": None, "pass": "pass", "fail": "fail"}
CONTENT_FIELDS = (
    "catalogue_code", "owner_id", "maker", "model", "serial_number", "measuring_range", "accuracy_class",
    "location", "use", "status", "first_verified_on", "last_verified_on", "last_result",
)
_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
MAX_ERRORS = 10_000
CHUNK = 20_000


@dataclass
class ImportResult:
    rows: int
    created: int
    unchanged: int
    batch_id: int | None
    sha256: str
    first_id: int | None = None
    last_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: int, field_: str, reason: str, value: Any = "") -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, field_, reason, str(value)[:100]))


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK); anything else is refused."""
    if not data.strip():
        raise DomainError("the file is empty", field="file")
    if b"\x00" in data[:65536]:
        raise DomainError("the file is binary, not CSV text", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DomainError(
                f"the file is neither UTF-8 nor GBK/GB18030 text (bad byte at offset {utf8_error.start}, "
                f"then at {exc.start})",
                field="file",
            ) from exc


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise DomainError(f"not a readable Excel .xlsx file: {exc.__class__.__name__}", field="file") from exc
    ws = wb.worksheets[0]
    for row in ws.iter_rows(values_only=True):
        yield ["" if v is None else v for v in row]
    wb.close()


def read_table(data: bytes, file_name: str) -> Iterator[list[Any]]:
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        return _xlsx_rows(data)
    text = decode_csv(data)
    return csv.reader(io.StringIO(text, newline=""))


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError("not a date (use YYYY-MM-DD)")
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _header(cells: Sequence[Any], parsed: _Parsed) -> list[str | None]:
    keys: list[str | None] = []
    for i, raw in enumerate(cells):
        name = _cell(raw)
        key = _ALIASES.get(name) or _ALIASES.get(name.lower())
        if key is None and name and name not in _IGNORED and name.lower() not in _IGNORED:
            parsed.error(1, "header", f"unknown column '{name}' (column {i + 1})", name)
        keys.append(key)
    present = {k for k in keys if k}
    for key, zh, required in COLUMNS:
        if required and key not in present:
            parsed.error(1, "header", f"required column '{key}' ({zh}) is missing")
    dup = {k for k in present if keys.count(k) > 1}
    for k in sorted(dup):
        parsed.error(1, "header", f"column '{k}' appears twice")
    return keys


def parse_rows(
    table: Iterator[list[Any]],
    *,
    orgs: dict[str, tuple[int, str, str]],
    catalogue: dict[str, CatalogueItem],
    today: dt.date,
    progress: Callable[[int], None] | None = None,
) -> _Parsed:
    """Validate every row; keep typed rows for insertion and every error with row and field."""
    parsed = _Parsed()
    header = next(table, None)
    if header is None:
        parsed.error(1, "file", "the file has no header row")
        return parsed
    keys = _header(header, parsed)
    if parsed.errors:
        return parsed
    width = len(keys)
    seen_codes: dict[str, int] = {}
    seen_natural: dict[tuple[Any, ...], int] = {}
    rows = parsed.rows
    rule_cache: dict[str, duedates.CatalogueRule] = {}
    line = 1
    for cells in table:
        line += 1
        if progress is not None and line % 10000 == 0:
            progress(line)
        if not any(str(c).strip() for c in cells):
            continue
        if len(cells) > width and any(str(c).strip() for c in cells[width:]):
            parsed.error(line, "row", f"{len(cells)} cells but the header has {width} columns")
            continue
        rec: dict[str, str] = {}
        for key, value in zip(keys, cells, strict=False):
            if key is not None:
                rec[key] = _cell(value)
        bad = False
        code = rec.get("code", "").upper()
        if code:
            try:
                validate_instrument_code(code)
            except CodeError as exc:
                parsed.error(line, "code", str(exc), code)
                bad = True
            else:
                if code in seen_codes:
                    parsed.error(line, "code", f"duplicate code: also on row {seen_codes[code]}", code)
                    bad = True
                seen_codes[code] = line
        item_code = rec.get("catalogue_code", "")
        item = catalogue.get(item_code)
        if item is None:
            parsed.error(line, "catalogue_code", "unknown catalogue item", item_code)
            bad = True
        credit = rec.get("owner_credit_code", "").upper()
        owner = orgs.get(credit)
        if owner is None:
            # say why the code itself is wrong (GB 32100 check character etc.), not only that it is unknown
            try:
                validate_credit_code(credit)
            except CodeError as exc:
                parsed.error(line, "owner_credit_code", f"invalid credit code: {exc.reason}", credit)
            else:
                parsed.error(line, "owner_credit_code", "no registered enterprise with this credit code", credit)
            bad = True
        elif owner[2] != "enterprise":
            parsed.error(line, "owner_credit_code", "the organisation is not an enterprise", credit)
            bad = True
        serial = rec.get("serial_number", "")
        if not serial:
            parsed.error(line, "serial_number", "required", serial)
            bad = True
        use = USE_ALIASES.get(rec.get("use", ""))
        if use is None:
            parsed.error(line, "use", "must be one of " + ", ".join(USES), rec.get("use", ""))
            bad = True
        status = STATUS_ALIASES.get(rec.get("status", ""))
        if status is None:
            parsed.error(line, "status", "must be one of " + ", ".join(STATUSES), rec.get("status", ""))
            bad = True
        raw_result = rec.get("last_result", "")
        if raw_result not in RESULT_ALIASES:
            parsed.error(line, "last_result", "must be pass or fail (合格/不合格)", raw_result)
            bad = True
        dates: dict[str, dt.date | None] = {}
        for name in ("first_verified_on", "last_verified_on"):
            text = rec.get(name, "")
            try:
                value = _date(text)
            except ValueError as exc:
                parsed.error(line, name, f"impossible date: {exc}", text)
                bad = True
                continue
            if value is not None and value > today:
                parsed.error(line, name, "date lies in the future", text)
                bad = True
            elif value is not None and value.year < 1950:
                parsed.error(line, name, "date before 1950", text)
                bad = True
            dates[name] = value
        first, last = dates.get("first_verified_on"), dates.get("last_verified_on")
        if first and last and last < first:
            parsed.error(line, "last_verified_on", "earlier than first_verified_on", rec.get("last_verified_on"))
            bad = True
        for name, limit in (("maker", 200), ("model", 100), ("measuring_range", 100), ("accuracy_class", 50),
                            ("location", 300), ("serial_number", 100)):
            if len(rec.get(name, "")) > limit:
                parsed.error(line, name, f"longer than {limit} characters")
                bad = True
        if bad or owner is None or item is None:
            continue
        if code:
            mismatch = check_code_matches(code, owner[1], item_code)
            if mismatch:
                parsed.error(line, "code", mismatch, code)
                continue
        natural = (owner[0], item_code, rec.get("maker", ""), serial)
        if natural in seen_natural:
            parsed.error(line, "serial_number", f"same owner, item, maker and serial as row {seen_natural[natural]}",
                         serial)
            continue
        seen_natural[natural] = line
        rule = rule_cache.get(item_code)
        if rule is None:
            rule = rule_cache[item_code] = rule_of(item)
        rows.append(
            {
                "_line": line, "code": code or None, "catalogue_code": item_code, "owner_id": owner[0],
                "region_code": owner[1], "maker": rec.get("maker", ""), "model": rec.get("model", ""),
                "serial_number": serial, "measuring_range": rec.get("measuring_range", ""),
                "accuracy_class": rec.get("accuracy_class", ""), "location": rec.get("location", ""),
                "use": use, "status": status, "first_verified_on": first, "last_verified_on": last,
                "last_result": RESULT_ALIASES[raw_result],
                "next_due_on": due_for(rule, first, last),
            }
        )
    return parsed


def _existing(session: Session, rows: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[tuple[Any, ...], dict[str, Any]]]:
    cols = [getattr(Instrument, f) for f in ("id", "code", *CONTENT_FIELDS)]
    by_code: dict[str, dict[str, Any]] = {}
    codes = [r["code"] for r in rows if r["code"]]
    for i in range(0, len(codes), 500):
        for rec in session.execute(select(*cols).where(Instrument.code.in_(codes[i : i + 500]))).mappings():
            by_code[rec["code"]] = dict(rec)
    by_natural: dict[tuple[Any, ...], dict[str, Any]] = {}
    owners = sorted({r["owner_id"] for r in rows if not r["code"]})
    for i in range(0, len(owners), 500):
        for rec in session.execute(select(*cols).where(Instrument.owner_id.in_(owners[i : i + 500]))).mappings():
            by_natural[(rec["owner_id"], rec["catalogue_code"], rec["maker"], rec["serial_number"])] = dict(rec)
    return by_code, by_natural


def _may_import_for(principal: Principal, owner_id: int, region: str) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "enterprise":
        return principal.organisation_id == owner_id
    if principal.role == "regulator" and principal.region_code:
        from jiliang.core.codes import is_within

        return is_within(region, principal.region_code)
    return False


def import_instruments(
    *,
    principal: Principal,
    data: bytes,
    file_name: str,
    today: dt.date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Validate and import a register file; all-or-nothing (raises ValidationReport)."""
    if principal.role not in ("admin", "regulator", "enterprise"):
        raise Forbidden("your role may not import instruments")
    today = today or dt.date.today()
    digest = hashlib.sha256(data).hexdigest()
    with read_session() as s:
        orgs = {
            r.credit_code: (r.id, r.region_code, r.kind)
            for r in s.execute(select(Organisation.id, Organisation.credit_code, Organisation.region_code,
                                      Organisation.kind))
        }
        catalogue = {c.code: c for c in s.scalars(select(CatalogueItem))}
    table = read_table(data, file_name)
    parsed = parse_rows(
        table, orgs=orgs, catalogue=catalogue, today=today,
        progress=(lambda n: progress("validate", n)) if progress else None,
    )
    for rec in parsed.rows:
        if not _may_import_for(principal, rec["owner_id"], rec["region_code"]):
            parsed.error(rec["_line"], "owner_credit_code", "outside what you may register")
    if not parsed.errors and not parsed.rows:
        parsed.error(2, "file", "the file has a header but no data rows")
    if parsed.errors:
        raise ValidationReport(errors=parsed.errors)
    with write_session() as s:
        by_code, by_natural = _existing(s, parsed.rows)
        new_rows: list[dict[str, Any]] = []
        unchanged = 0
        for rec in parsed.rows:
            old = by_code.get(rec["code"]) if rec["code"] else by_natural.get(
                (rec["owner_id"], rec["catalogue_code"], rec["maker"], rec["serial_number"])
            )
            if old is None:
                new_rows.append(rec)
                continue
            diff = [f for f in CONTENT_FIELDS if old[f] != rec[f]]
            if diff:
                parsed.error(rec["_line"], diff[0], f"instrument {old['code']} is already registered with other "
                             f"data ({', '.join(diff)}); change it through the instrument page or API")
            else:
                unchanged += 1
        if parsed.errors:
            raise ValidationReport(errors=parsed.errors)
        batch = ImportBatch(
            file_name=file_name[:300], sha256=digest, rows=len(parsed.rows), created=len(new_rows),
            unchanged=unchanged, actor=principal.username, organisation_id=principal.organisation_id,
            region_code=principal.region_code,
        )
        s.add(batch)
        s.flush()
        seqs: dict[tuple[str, str], int] = {}
        table_ = Instrument.__table__
        first_id = last_id = None
        for i in range(0, len(new_rows), CHUNK):
            chunk = new_rows[i : i + CHUNK]
            for rec in chunk:
                rec.pop("_line", None)
                rec["import_batch_id"] = batch.id
                if not rec["code"]:
                    key = (rec["region_code"], rec["catalogue_code"])
                    if key not in seqs:
                        seqs[key] = next_sequence(s, *key)
                    rec["code"] = make_instrument_code(key[0], key[1], seqs[key])
                    seqs[key] += 1
            s.execute(table_.insert(), chunk)
            if progress:
                progress("insert", i + len(chunk))
        tallies.record_many(s, new_rows)  # one set of deltas for the whole file
        if new_rows:
            first_id, last_id = s.execute(
                select(func.min(Instrument.id), func.max(Instrument.id)).where(Instrument.import_batch_id == batch.id)
            ).one()
        keep = get_settings().data_dir / "imports"
        keep.mkdir(parents=True, exist_ok=True)
        target = keep / f"{digest}{Path(file_name).suffix[:10]}"
        if not target.exists():
            target.write_bytes(data)
        audit.record(
            s, actor=principal.username, action="import", object_type="import_batch", object_id=batch.id,
            after={"file_name": file_name, "sha256": digest, "rows": len(parsed.rows), "created": len(new_rows),
                   "unchanged": unchanged, "first_id": first_id, "last_id": last_id},
        )
        return ImportResult(len(parsed.rows), len(new_rows), unchanged, batch.id, digest, first_id, last_id)


EXPORT_COLUMNS = (*KEYS, "next_due_on", "region_code")


def export_rows(instruments: Any, credit_codes: dict[int, str]) -> Iterator[list[Any]]:
    yield [f"{zh} ({key})" for key, zh, _ in COLUMNS] + ["下次检定日期 (next_due_on)", "区划代码 (region_code)"]
    for inst in instruments:
        yield [
            inst.code, inst.catalogue_code, credit_codes.get(inst.owner_id, ""), inst.maker, inst.model,
            inst.serial_number, inst.measuring_range, inst.accuracy_class, inst.location, inst.use, inst.status,
            inst.first_verified_on.isoformat() if inst.first_verified_on else "",
            inst.last_verified_on.isoformat() if inst.last_verified_on else "",
            inst.last_result or "", inst.next_due_on.isoformat() if inst.next_due_on else "", inst.region_code,
        ]


def write_csv(rows: Iterator[list[Any]], out: io.TextIOBase | Any) -> int:
    writer = csv.writer(out)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return max(count - 1, 0)  # data rows, without the header


def write_xlsx(rows: Iterator[list[Any]], path_or_buf: Any) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("instruments")
    count = 0
    for row in rows:
        ws.append(row)
        count += 1
    wb.save(path_or_buf)
    return max(count - 1, 0)  # data rows, without the header


COLUMN_HELP = {
    "code": "GB/T 36377-style identification code; leave empty to have one generated",
    "catalogue_code": "code of the catalogue item (see the catalogue page)",
    "owner_credit_code": "unified social credit code of the owning enterprise (GB 32100)",
    "use": "贸易结算 / 安全防护 / 医疗卫生 / 环境监测 (or the English keys)",
    "status": "在用 / 停用 / 报废 (empty = 在用)",
    "first_verified_on": "YYYY-MM-DD",
    "last_verified_on": "YYYY-MM-DD",
    "last_result": "合格 / 不合格 (pass / fail)",
}


def template_rows() -> Iterator[list[Any]]:
    yield [f"{zh} ({key})" for key, zh, _ in COLUMNS]


def write_template_xlsx(buf: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "instruments"
    ws.append(next(template_rows()))
    help_ws = wb.create_sheet("说明 help")
    help_ws.append(["列 column", "必填 required", "说明 description"])
    for key, zh, required in COLUMNS:
        help_ws.append([f"{zh} ({key})", "是 yes" if required else "否 no", COLUMN_HELP.get(key, "")])
    wb.save(buf)


def owner_credit_codes(owner_ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ids = sorted(owner_ids)
    with read_session() as s:
        for i in range(0, len(ids), 500):
            for oid, code in s.execute(
                select(Organisation.id, Organisation.credit_code).where(Organisation.id.in_(ids[i : i + 500]))
            ):
                out[oid] = code
    return out
