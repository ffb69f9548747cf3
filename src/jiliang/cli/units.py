"""`jiliang units …`: convert values and check texts/tables for non-legal units (法定计量单位).

Exit codes: 0 = done and nothing found, 1 = non-legal units found (``check``), 2 = bad input.
"""

from __future__ import annotations

import csv
import html
import io
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from jiliang.core.units import (
    InvalidInputError,
    UnitError,
    conversion_factor,
    convert,
    exact_conversion,
    format_unit,
    get_checker,
    get_registry,
    parse_unit,
    to_dsi,
)
from jiliang.unit_inspections.reader import DEFAULT_MAX_LINE, Located, check_document, read_document

app = typer.Typer(
    help="Legal units of measurement: convert, show and check (法定计量单位).", no_args_is_help=True
)


class InputError(Exception):
    """Unusable input file (binary, wrong encoding, empty, too long a line)."""


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


# --------------------------------------------------------------------------------------------------
# convert / show
# --------------------------------------------------------------------------------------------------


@app.command("convert")
def convert_cmd(
    value: Annotated[str, typer.Argument(help="The number to convert, e.g. 5 or 3.5")],
    source: Annotated[str, typer.Argument(help="From unit, e.g. 斤, km/h, ℃, 千米每小时")],
    target: Annotated[str, typer.Argument(help="To unit, e.g. kg, m/s, K")],
    exact: Annotated[bool, typer.Option("--exact", help="Also print the exact rational factor")] = False,
    equivalence: Annotated[
        list[str] | None,
        typer.Option("--equivalence", "-e", help="Allow: angle, revolution, revolution_angle, kind"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Convert VALUE from SOURCE to TARGET units, e.g. `jiliang units convert 5 斤 kg`."""
    eqs = tuple(equivalence or ())
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        raise _fail(f"{value!r} is not a number") from None
    try:
        result = convert(number, source, target, equivalences=eqs)
        src, dst = parse_unit(source), parse_unit(target)
        ex = exact_conversion(src, dst, equivalences=eqs)
    except UnitError as e:
        raise _fail(str(e)) from None
    except ValueError as e:
        raise _fail(str(e)) from None
    out: dict[str, Any] = {
        "value": number,
        "from": format_unit(src, "en"),
        "to": format_unit(dst, "en"),
        "result": result,
        "scale": conversion_factor(src, dst, equivalences=eqs),
    }
    if ex.pi_power == 0 and ex.exact:
        out["exact_scale"] = str(ex.scale)
        out["exact_offset"] = str(ex.offset)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"{value} {format_unit(src, 'zh')} = {result:.12g} {format_unit(dst, 'zh')}")
    if exact:
        if "exact_scale" in out:
            off = f" + {ex.offset}" if ex.offset else ""
            typer.echo(f"exact: y = {ex.scale} · x{off}")
        else:
            typer.echo("exact: not rational (involves π or a measured constant)")


@app.command("show")
def show_cmd(unit: Annotated[str, typer.Argument(help="A unit expression, e.g. km/h or 千瓦时")]) -> None:
    """Show a unit expression in Chinese and English, its legal status and its D-SI string."""
    try:
        expr = parse_unit(unit)
    except UnitError as e:
        raise _fail(str(e)) from None
    typer.echo(f"zh: {format_unit(expr, 'zh')}  ({format_unit(expr, 'zh', 'name')})")
    typer.echo(f"en: {format_unit(expr, 'en')}  ({format_unit(expr, 'en', 'name')})")
    typer.echo(f"legal: {'yes' if expr.legal else 'no'}")
    for u in expr.units:
        extra = f"; restriction: {u.restriction}" if u.restriction else ""
        typer.echo(f"  {u.code}: {u.status}, {u.source} [{u.source_status}]{extra}")
    try:
        typer.echo(f"D-SI: {to_dsi(expr)}")
    except UnitError as e:
        typer.echo(f"D-SI: — ({e})")


# --------------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------------


def _read_bytes(file: str) -> tuple[bytes, str]:
    if file == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        return data, "<stdin>"
    path = Path(file)
    if not path.exists():
        raise InputError(f"{file}: no such file")
    if path.is_dir():
        raise InputError(f"{file}: is a directory")
    return path.read_bytes(), file


def _check_file(
    file: str,
    encoding: str,
    max_line: int,
    exemptions: Sequence[str] | None,
    include_exempt: bool,
    progress: bool,
) -> list[Located]:
    """Read and check one input through the shared reader (the web page and API read files the same way)."""
    data, name = _read_bytes(file)
    try:
        doc = read_document(data, name=name, encoding=encoding, max_line=max_line)
    except InvalidInputError as e:
        message = str(e).replace("give the encoding gb18030", "pass --encoding gb18030")
        if "characters (limit" in message:
            message += " — raise --max-line to check it anyway"
        raise InputError(message) from None

    def wrap(lines: list[tuple[int, int, str]]) -> Iterable[tuple[int, int, str]]:
        if progress and len(lines) > 1000:
            from rich.progress import track

            return track(lines, description=f"checking {name}", transient=True, console=None)
        return lines

    return check_document(
        doc, exemptions=exemptions, include_exempt=include_exempt, max_line=max_line, wrap=wrap
    )


def _record(loc: Located) -> dict[str, Any]:
    d = loc.finding.to_dict()  # row/column: the core's 0-based indexes
    d["where"] = loc.where
    d["line"] = loc.line
    d["sheet"] = loc.sheet
    return d


@app.command("check")
def check_cmd(
    file: Annotated[str, typer.Argument(help="Text, .csv or .xlsx file; - for standard input")],
    as_json: Annotated[bool, typer.Option("--json", help="Report as JSON")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text | json | csv | html")] = "text",
    encoding: Annotated[str, typer.Option(help="Encoding of text/CSV input")] = "utf-8",
    exemption: Annotated[
        list[str] | None,
        typer.Option(
            "--exemption", help="Apply only these context exemptions (repeatable); default: the enabled ones"
        ),
    ] = None,
    no_exemptions: Annotated[
        bool, typer.Option("--no-exemptions", help="Apply no context exemption")
    ] = False,
    include_exempt: Annotated[
        bool, typer.Option("--include-exempt", help="Also report exempted uses (info)")
    ] = False,
    max_line: Annotated[int, typer.Option(help="Longest text line accepted (characters)")] = DEFAULT_MAX_LINE,
    progress: Annotated[bool, typer.Option(help="Show a progress bar for long files")] = True,
) -> None:
    """Check FILE for non-legal units of measurement (exit 1 when any is found)."""
    fmt = "json" if as_json else fmt.lower()
    if fmt not in ("text", "json", "csv", "html"):
        raise _fail(f"unknown format {fmt!r}; choose text, json, csv or html")
    exemptions: Sequence[str] | None = [] if no_exemptions else exemption
    if exemptions:
        unknown = set(exemptions) - set(get_checker().exemptions)
        if unknown:
            raise _fail(f"unknown exemption(s) {sorted(unknown)}; known: {sorted(get_checker().exemptions)}")
    try:
        found = _check_file(
            file, encoding, max_line, exemptions, include_exempt, progress and sys.stderr.isatty()
        )
    except InputError as e:
        raise _fail(str(e)) from None
    _report(found, fmt, file)
    if any(loc.finding.exempted_by is None for loc in found):
        raise typer.Exit(code=1)


def _report(found: list[Located], fmt: str, file: str) -> None:
    if fmt == "json":
        doc = {
            "file": file,
            "registry_version": get_registry().version,
            "rules_version": get_checker().version,
            "count": len(found),
            "findings": [_record(loc) for loc in found],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(
            ["where", "text", "unit", "replacement", "converted", "message", "rule_id", "severity", "source"]
        )
        for loc in found:
            f = loc.finding
            w.writerow([loc.where, f.text, f.unit, f.replacement, f.converted or "", f.message, f.rule_id, f.severity,
                        f.source])  # fmt: skip
        typer.echo(buf.getvalue(), nl=False)
    elif fmt == "html":
        rows = "".join(
            f"<tr><td>{html.escape(loc.where)}</td><td><mark>{html.escape(loc.finding.text)}</mark></td>"
            f"<td>{html.escape(loc.finding.message)}</td><td>{html.escape(loc.finding.rule_id)}</td>"
            f"<td>{html.escape(loc.finding.severity)}</td></tr>"
            for loc in found
        )
        typer.echo(
            '<!doctype html><meta charset="utf-8"><title>非法定计量单位检查</title>'
            f"<p>{html.escape(file)}: {len(found)} finding(s)</p><table><tr><th>where</th><th>text</th>"
            f"<th>message</th><th>rule</th><th>severity</th></tr>{rows}</table>"
        )
    else:
        for loc in found:
            f = loc.finding
            tag = f" (exempt: {f.exempted_by})" if f.exempted_by else ""
            typer.echo(f"{loc.where}: [{f.rule_id}] {f.message}{tag}")
        typer.echo(f"{len(found)} finding(s)", err=True)
