"""Reading documents to check for non-legal units: plain text, CSV and XLSX (bytes in, rows/lines out).

Shared by the CLI (``jiliang units check``), the web page ``/tools/units``, ``POST /api/v1/units/check``
and the special inspections, so that every face reads a file the same way and reports the same errors.
The checking itself is :mod:`jiliang.core.units` (``check_text`` per line, ``check_cells`` per sheet); this
module only turns bytes into text or table rows and places each finding (line/column, or sheet/row/cell).

Errors are :class:`jiliang.core.units.InvalidInputError` (the faces turn them into exit code 2 or a 422).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from jiliang.core.units import Finding, InvalidInputError, check_cells, check_text
from jiliang.core.units.documents import cell_ref, decode_text, split_lines

#: Longest text line accepted (characters); longer lines are usually not prose.
DEFAULT_MAX_LINE = 1_000_000
#: Largest number of table cells read from one workbook or CSV file.
MAX_CELLS = 2_000_000


@dataclass(frozen=True)
class Sheet:
    """One table: a CSV file or one worksheet of a workbook (cells as text; None for empty cells)."""

    name: str
    rows: list[list[str]]


@dataclass(frozen=True)
class Document:
    """A document ready to check: ``kind`` is ``text`` (``text`` set) or ``table`` (``sheets`` set)."""

    kind: str
    name: str
    text: str = ""
    sheets: list[Sheet] = field(default_factory=list)


@dataclass(frozen=True)
class Located:
    """A finding with its place in the document.

    Text: ``line`` (1-based), ``column`` (1-based character in the line) and ``offset`` (0-based character in
    the whole text; ``finding.start``/``end`` are relative to the line). Table: ``sheet``, ``row`` and
    ``column`` (1-based) and the A1-style ``cell``.
    """

    finding: Finding
    where: str
    line: int | None = None
    column: int | None = None
    offset: int | None = None
    sheet: str | None = None
    row: int | None = None
    cell: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = self.finding.to_dict()
        # the core's row/column are 0-based indexes; the located ones are 1-based, as people count
        d.update(
            where=self.where,
            line=self.line,
            column=self.column,
            offset=self.offset,
            sheet=self.sheet,
            row=self.row,
            cell=self.cell,
        )
        if self.offset is not None:
            d["start"] = self.offset
            d["end"] = self.offset + (self.finding.end - self.finding.start)
        return d


def suffix_of(name: str) -> str:
    return PurePath(name).suffix.lower()


def read_csv_rows(text: str) -> list[list[str]]:
    """CSV text (already decoded) to rows of cells."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:
        raise InvalidInputError(f"not a readable CSV file ({e})") from None
    if sum(len(r) for r in rows) > MAX_CELLS:
        raise InvalidInputError(f"more than {MAX_CELLS} cells; split the file")
    return rows


def read_xlsx(data: bytes, *, name: str = "input") -> list[Sheet]:
    """The worksheets of an .xlsx workbook (values, not formulas), cells as text."""
    from openpyxl import load_workbook

    if not data:
        raise InvalidInputError(f"{name}: the file is empty")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as e:
        raise InvalidInputError(f"{name}: not a readable .xlsx workbook ({type(e).__name__})") from None
    sheets: list[Sheet] = []
    cells = 0
    try:
        for ws in wb.worksheets:
            rows: list[list[str]] = []
            for row in ws.iter_rows(values_only=True):
                rows.append(["" if v is None else str(v) for v in row])
                cells += len(row)
                if cells > MAX_CELLS:
                    raise InvalidInputError(f"{name}: more than {MAX_CELLS} cells; split the workbook")
            sheets.append(Sheet(ws.title, rows))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as e:
        if isinstance(e, InvalidInputError):
            raise
        raise InvalidInputError(f"{name}: not a readable .xlsx workbook ({type(e).__name__})") from None
    finally:
        wb.close()
    return sheets


def read_document(
    data: bytes, *, name: str, encoding: str = "utf-8", max_line: int = DEFAULT_MAX_LINE
) -> Document:
    """Read the bytes of a .csv or .xlsx table, or else of a text document (chosen by the file name's suffix)."""
    suffix = suffix_of(name)
    if suffix == ".xlsx":
        return Document("table", name, sheets=read_xlsx(data, name=name))
    text = decode_text(data, encoding=encoding, name=name)
    if suffix == ".csv":
        return Document("table", name, sheets=[Sheet(PurePath(name).stem or "csv", read_csv_rows(text))])
    for _ in split_lines(text, max_line=max_line, name=name):
        pass  # validates every line before anything is checked
    return Document("text", name, text=text)


def text_document(text: str, *, name: str = "text", max_line: int = DEFAULT_MAX_LINE) -> Document:
    """A pasted text as a document (the same line checks as a file)."""
    if not text.strip():
        raise InvalidInputError(f"{name}: the text is empty")
    if "\x00" in text:
        raise InvalidInputError(f"{name}: contains NUL characters; this looks like binary data, not text")
    for _ in split_lines(text, max_line=max_line, name=name):
        pass
    return Document("text", name, text=text)


def check_lines(
    lines: Iterable[tuple[int, int, str]],
    *,
    name: str,
    exemptions: Collection[str] | None = None,
    include_exempt: bool = False,
) -> list[Located]:
    """Check text line by line (the checker's context never crosses a line)."""
    out: list[Located] = []
    for n, offset, line in lines:
        for f in check_text(line, exemptions=exemptions, include_exempt=include_exempt):
            out.append(
                Located(f, f"{name}:{n}:{f.start + 1}", line=n, column=f.start + 1, offset=offset + f.start)
            )
    return out


def check_sheet(
    sheet: Sheet,
    *,
    name: str,
    workbook: bool,
    exemptions: Collection[str] | None = None,
    include_exempt: bool = False,
) -> list[Located]:
    """Check the cells of one table; the header row is context for its column."""
    out: list[Located] = []
    for f in check_cells(sheet.rows, exemptions=exemptions, include_exempt=include_exempt):
        r, c = f.row or 0, f.column or 0
        where = f"{name}:{sheet.name}!{cell_ref(r, c)}" if workbook else f"{name}:{r + 1}:{c + 1}"
        out.append(
            Located(
                f, where, column=c + 1, sheet=sheet.name if workbook else None, row=r + 1, cell=cell_ref(r, c)
            )
        )
    return out


def check_document(
    doc: Document,
    *,
    exemptions: Collection[str] | None = None,
    include_exempt: bool = False,
    max_line: int = DEFAULT_MAX_LINE,
    wrap: Callable[[list[tuple[int, int, str]]], Iterable[tuple[int, int, str]]] | None = None,
) -> list[Located]:
    """Every finding of a document, in reading order. ``wrap`` may decorate the line list (a progress bar)."""
    if doc.kind == "table":
        workbook = suffix_of(doc.name) == ".xlsx"
        out: list[Located] = []
        for sheet in doc.sheets:
            out += check_sheet(
                sheet, name=doc.name, workbook=workbook, exemptions=exemptions, include_exempt=include_exempt
            )
        return out
    lines = list(split_lines(doc.text, max_line=max_line, name=doc.name))
    return check_lines(
        wrap(lines) if wrap else lines, name=doc.name, exemptions=exemptions, include_exempt=include_exempt
    )


def segments(text: str, found: Iterable[Located]) -> list[tuple[str, Located | None]]:
    """Split a text into plain pieces and findings (for highlighting in place); overlaps keep the first."""
    out: list[tuple[str, Located | None]] = []
    pos = 0
    for loc in sorted((f for f in found if f.offset is not None), key=lambda f: f.offset or 0):
        start = loc.offset or 0
        end = start + (loc.finding.end - loc.finding.start)
        if start < pos:
            continue
        if start > pos:
            out.append((text[pos:start], None))
        out.append((text[start:end], loc))
        pos = end
    if pos < len(text):
        out.append((text[pos:], None))
    return out
