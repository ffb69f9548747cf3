"""`jiliang netcontent …`: prepackaged goods net-content inspection (JJF 1070 / 2005 Measures 第九条).

Thin face over :mod:`jiliang.core.netcontent`: read LOT.json, call the core, render the result.
Exit codes: 0 evaluation done (whatever the verdict), 2 bad input (the message names the field).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from jiliang.core.netcontent import NetContentInputError, evaluate_lot_record, evaluation_to_dict

app = typer.Typer(
    help="Prepackaged goods net-content inspection (JJF 1070, OIML R 87).", no_args_is_help=True
)

EXIT_BAD_INPUT = 2


@app.callback()
def _group() -> None:
    """Prepackaged goods net-content inspection (JJF 1070, OIML R 87)."""


def _fail(field: str, reason: str) -> typer.Exit:
    typer.echo(f"error: {field}: {reason}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid number")


def _read_lot(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail("LOT", f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail("LOT", f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _fail("LOT", f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise _fail("LOT", f"malformed JSON: {exc}") from None


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _render_text(out: dict[str, Any]) -> str:
    unit = out["unit"]
    t = out["tolerable_deficiency"]
    plan = out["plan"]
    mc = out["mean_criterion"]
    counts = out["counts"]
    labelled = f"{_fmt(out['labelled_nominal']['value'])} {out['labelled_nominal']['unit']}"
    if out["labelled_nominal"]["unit"] != unit:
        labelled += f" ({_fmt(out['nominal'])} {unit})"
    lines = [
        f"Verdict: {out['verdict'].upper()}",
        f"Nominal Qn: {labelled}, kind {out['kind']}",
        f"Plan {plan['plan_version']} (lot {plan['lot_size_range']}, {plan['source_status']}): "
        f"lot size {out['lot_size']}, sample size required {out['sample_size_required']}",
        f"Tolerable deficiency T: {_fmt(t['value'])} {unit} ({t['rule']}; {t['source_status']})",
        f"Limits: Qn − T = {_fmt(out['limits']['Qn_minus_T'])} {unit}, "
        f"Qn − 2T = {_fmt(out['limits']['Qn_minus_2T'])} {unit}",
        f"Short by more than T: {counts['short_beyond_T']} "
        f"(T < d ≤ 2T: {counts['short_beyond_T_not_beyond_2T']}, allowed {counts['allowed_T_to_2T']}; "
        f"d > 2T: {counts['short_beyond_2T']}, allowed {counts['allowed_beyond_2T']})",
    ]
    if mc["applicable"]:
        lines.append(
            f"Mean criterion: mean {_fmt(mc['mean'])} {unit}, s {_fmt(mc['standard_deviation'])}, "
            f"λ {_fmt(mc['correction_factor'])}, λ·s {_fmt(mc['correction'])}, "
            f"limit Qn − λ·s {_fmt(mc['limit'])} {unit}: {'met' if mc['passed'] else 'NOT met'}"
        )
    else:
        lines.append(f"Mean criterion: not applicable (mean {_fmt(mc['mean'])} {unit})")
    if out["tare"] is not None:
        tare = out["tare"]
        lines.append(f"Tare: {tare['method']}, average {_fmt(tare['average'])} {tare['unit']}")
    if out["density"] is not None:
        lines.append(
            f"Volume from mass with density {_fmt(out['density']['value'])} {out['density']['unit']}"
        )
    lines.append("Reasons:")
    for r in out["reasons"]:
        lines.append(f"  [{'ok' if r['passed'] else 'FAIL'}] {r['code']}: {r['message']}")
    return "\n".join(lines)


@app.command("evaluate")
def evaluate(
    lot: Path = typer.Argument(..., help="LOT.json: kind, nominal, unit, lot_size, and net or gross + tare"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
) -> None:
    """Evaluate a lot of prepackages: sampling plan, T, counts beyond T and 2T, mean criterion, verdict."""
    data = _read_lot(lot)
    try:
        record = evaluate_lot_record(data)
    except NetContentInputError as exc:
        raise _fail(exc.field, exc.reason) from None
    out = evaluation_to_dict(record)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        typer.echo(_render_text(out))
