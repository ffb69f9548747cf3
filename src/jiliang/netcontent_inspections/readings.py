"""Reading a balance's CSV export and typed lists of readings (no database; the service stores nothing here).

CSV: a header row naming the columns, then one row per package. Recognised columns (case and spaces
ignored): ``net`` (净含量, 实际含量, 净重), ``gross`` (毛重), ``tare`` (皮重); ``no``/``index``/``package``
(序号, 编号, 样品编号) and ``note`` (备注) are read and ignored. Rules:

* a ``net`` column: the sample's actual contents, one per row;
* a ``gross`` column with a ``tare`` on the same row: individual tare (逐个除皮);
* rows with only a ``tare``: a tare sample whose mean is the average tare (平均皮重);
* ``gross`` without any tare: the average tare comes from the form (``tare``).

UTF-8 (with or without BOM) and GB18030 (which includes GBK) are read. Every bad row is reported as
row/field/reason (row 1 is the header) and nothing is written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from jiliang.platform.errors import RowError, ValidationReport

MAX_CSV_BYTES = 1024 * 1024
MAX_ROWS = 2000
MAX_VALUE = Decimal("1e9")

COLUMNS = {
    "net": "net",
    "net_content": "net",
    "净含量": "net",
    "实际含量": "net",
    "净重": "net",
    "gross": "gross",
    "毛重": "gross",
    "tare": "tare",
    "皮重": "tare",
    "no": "ignore",
    "index": "ignore",
    "package": "ignore",
    "序号": "ignore",
    "编号": "ignore",
    "样品编号": "ignore",
    "note": "ignore",
    "备注": "ignore",
}


@dataclass
class Readings:
    """Readings read from a CSV file or typed lists, with the file row of every value (for errors)."""

    net: list[Decimal] | None = None
    gross: list[Decimal] | None = None
    tare: list[Decimal] | None = None
    tare_method: str | None = None
    rows: dict[str, list[int]] = field(default_factory=dict)  # field -> file row of each value

    def row_of(self, field_name: str) -> tuple[str, int] | None:
        """``("gross", 5)`` for ``"gross[3]"`` when the values came from a file."""
        m = re.fullmatch(r"(net|gross|tare)\[(\d+)\]", field_name)
        if not m or m.group(1) not in self.rows:
            return None
        idx = int(m.group(2))
        rows = self.rows[m.group(1)]
        return (m.group(1), rows[idx]) if idx < len(rows) else None


def decode(data: bytes, encoding: str = "") -> str:
    """UTF-8 (BOM allowed) or GB18030; an explicit ``encoding`` wins."""
    if len(data) > MAX_CSV_BYTES:
        raise ValidationReport(errors=[RowError(0, "file", f"the file is larger than {MAX_CSV_BYTES} bytes")])
    if b"\x00" in data[:4096]:
        raise ValidationReport(errors=[RowError(0, "file", "not a text (CSV) file")])
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in candidates:
        try:
            return data.decode("utf-8-sig" if enc.lower() in ("utf-8", "utf8") else enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ValidationReport(
        errors=[RowError(0, "encoding", f"cannot decode the file as {' or '.join(candidates)}")]
    )


def _number(text: str, row: int, name: str, errors: list[RowError]) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        errors.append(RowError(row, name, "not a number", text[:40]))
        return None
    if not value.is_finite():
        errors.append(RowError(row, name, "not a finite number", text[:40]))
        return None
    if value < 0:
        errors.append(RowError(row, name, "a reading cannot be negative", text[:40]))
        return None
    if value > MAX_VALUE:
        errors.append(RowError(row, name, f"out of range (at most {MAX_VALUE})", text[:40]))
        return None
    return value


def read_csv(data: bytes, *, encoding: str = "") -> Readings:
    """Read a balance's CSV export (see the module docstring). Raises :class:`ValidationReport`."""
    text = decode(data, encoding)
    sample = text[:2048]
    delimiter = (
        ";"
        if sample.count(";") > sample.count(",")
        else ("\t" if "\t" in sample and "," not in sample else ",")
    )
    table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    table = [r for r in table if any(c.strip() for c in r)]
    if not table:
        raise ValidationReport(errors=[RowError(1, "file", "the file is empty")])
    if len(table) > MAX_ROWS + 1:
        raise ValidationReport(errors=[RowError(MAX_ROWS + 2, "file", f"more than {MAX_ROWS} rows")])
    errors: list[RowError] = []
    header = [c.strip().lower().replace(" ", "_") for c in table[0]]
    roles: list[str] = []
    for i, name in enumerate(header):
        role = COLUMNS.get(name)
        if role is None:
            errors.append(RowError(1, name or f"column {i + 1}", "unknown column; use net, gross and tare"))
        roles.append(role or "ignore")
    if errors:
        raise ValidationReport(errors=errors)
    for role in ("net", "gross", "tare"):
        if roles.count(role) > 1:
            raise ValidationReport(errors=[RowError(1, role, "the column appears twice")])
    if "net" not in roles and "gross" not in roles:
        raise ValidationReport(errors=[RowError(1, "header", "give a net column, or a gross column")])
    if "net" in roles and "gross" in roles:
        raise ValidationReport(
            errors=[RowError(1, "header", "give either a net or a gross column, not both")]
        )

    out = Readings()
    net: list[Decimal] = []
    gross: list[Decimal] = []
    own_tare: list[Decimal] = []
    sample_tare: list[Decimal] = []
    rows: dict[str, list[int]] = {"net": [], "gross": [], "tare": []}
    tare_rows: list[int] = []
    for row_no, cells in enumerate(table[1:], start=2):
        values = {role: (cells[i].strip() if i < len(cells) else "") for i, role in enumerate(roles)}
        if len(cells) > len(roles) and any(c.strip() for c in cells[len(roles) :]):
            errors.append(RowError(row_no, "row", "more cells than columns"))
            continue
        if "net" in roles:
            if not values.get("net"):
                errors.append(RowError(row_no, "net", "missing value"))
                continue
            v = _number(values["net"], row_no, "net", errors)
            if v is not None:
                net.append(v)
                rows["net"].append(row_no)
            continue
        g_text, t_text = values.get("gross", ""), values.get("tare", "")
        g = _number(g_text, row_no, "gross", errors) if g_text else None
        t = _number(t_text, row_no, "tare", errors) if t_text else None
        if not g_text and not t_text:
            errors.append(RowError(row_no, "gross", "missing value"))
        elif g_text and g is not None:
            gross.append(g)
            rows["gross"].append(row_no)
            if t_text and t is not None:
                if t > g:
                    errors.append(RowError(row_no, "tare", f"the tare {t} is heavier than the gross {g}"))
                own_tare.append(t)
                tare_rows.append(row_no)
        elif not g_text and t is not None:
            sample_tare.append(t)
            rows["tare"].append(row_no)
    if "net" in roles:
        out.net = net
    else:
        if own_tare and len(own_tare) != len(gross):
            missing = sorted(set(rows["gross"]) - set(tare_rows))
            for r in missing[:50]:
                errors.append(RowError(r, "tare", "missing: give a tare on every row, or none (tare sample)"))
        if own_tare and sample_tare:
            errors.append(
                RowError(rows["tare"][0], "tare", "give individual tares or a tare sample, not both")
            )
        out.gross = gross
        if own_tare:
            out.tare, out.tare_method = own_tare, "individual"
            rows["tare"] = tare_rows
        elif sample_tare:
            out.tare, out.tare_method = sample_tare, "average"
    if errors:
        raise ValidationReport(errors=errors)
    out.rows = {k: v for k, v in rows.items() if v}
    return out


def parse_list(text: str, field_name: str) -> list[Decimal] | None:
    """A typed list of readings (separated by spaces, commas, semicolons or new lines); None when blank."""
    tokens = [t for t in re.split(r"[\s,;，；、]+", text or "") if t]
    if not tokens:
        return None
    errors: list[RowError] = []
    out: list[Decimal] = []
    if len(tokens) > MAX_ROWS:
        raise ValidationReport(errors=[RowError(0, field_name, f"more than {MAX_ROWS} values")])
    for i, tok in enumerate(tokens):
        try:
            v = Decimal(tok)
        except InvalidOperation:
            errors.append(RowError(i + 1, f"{field_name}[{i}]", "not a number", tok[:40]))
            continue
        if not v.is_finite():
            errors.append(RowError(i + 1, f"{field_name}[{i}]", "not a finite number", tok[:40]))
            continue
        out.append(v)
    if errors:
        raise ValidationReport(errors=errors)
    return out
