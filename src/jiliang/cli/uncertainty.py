"""``jiliang uncertainty …`` — evaluate measurement uncertainty from a JSON model file.

The model-file format is documented in ``docs/uncertainty-model-format.md``.  Bad input prints a
message naming the input to stderr and exits with code 2; nothing is evaluated or printed on
stdout.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from jiliang.core.uncertainty import ModelError, evaluate_spec, load_model
from jiliang.core.uncertainty.modelfile import Evaluation

app = typer.Typer(help="Measurement uncertainty (GUM / JJF 1059.1, Monte Carlo / JJF 1059.2)",
                  no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Measurement uncertainty evaluation."""


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code=2)


def _g(x: float | None, digits: int = 6) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "∞"
    return f"{x:.{digits}g}"


def _text_report(ev: Evaluation) -> str:
    lines: list[str] = []
    ms = ev.spec
    if ms.title:
        lines += [ms.title, "=" * len(ms.title)]
    doc = ev.to_dict()
    for name in ev.gum.output_names:
        g = ev.gum[name]
        o = doc["outputs"][name]
        unit = f" {g.unit}" if g.unit else ""
        lines.append(f"\nOutput {name}{' [' + g.unit + ']' if g.unit else ''}")
        lines.append(f"  estimate                 y   = {g.value:.10g}{unit}")
        lines.append(f"  standard uncertainty     u_c = {g.standard_uncertainty:.6g}{unit}"
                     + ("  (with second-order terms)" if ev.gum.second_order else ""))
        lines.append(f"  effective dof            ν_eff = {_g(g.effective_dof)}")
        p = f"p = {g.coverage_probability:g}, " if g.coverage_probability else ""
        lines.append(f"  coverage factor          k   = {g.coverage_factor:.4g}  ({p}ν = {_g(g.dof_for_coverage)})")
        lines.append(f"  expanded uncertainty     U   = {g.expanded_uncertainty:.6g}{unit}")
        lines.append(f"  result: {o['result_en']}")
        lines.append(f"  结果:   {o['result_zh']}")
        hdr = f"  {'quantity':<14}{'estimate':>14}{'u(x)':>12}  {'distribution':<12}{'c':>12}{'|c|u':>12}" \
              f"{'share %':>9}{'dof':>7}"
        lines += ["  budget:", hdr, "  " + "-" * (len(hdr) - 2)]
        for r in g.budget:
            lines.append(f"  {r.quantity:<14}{r.estimate:>14.6g}{r.standard_uncertainty:>12.4g}  "
                         f"{r.distribution:<12}{r.sensitivity:>12.4g}{r.contribution:>12.4g}"
                         f"{r.share_percent:>9.2f}{_g(r.dof, 4):>7}")
        if g.correlation_variance:
            lines.append(f"  correlation terms: {g.correlation_variance:.4g} (variance)")
        if g.second_order_variance:
            lines.append(f"  second-order terms: {g.second_order_variance:.4g} (variance)")
        for note in g.notes:
            lines.append(f"  note: {note}")
        if ev.mcm is not None:
            m = ev.mcm[name]
            v = ev.validations[name]
            lines.append(f"  Monte Carlo ({m.trials:,} trials, seed {ev.mcm.seed}"
                         + (", adaptive" if ev.mcm.adaptive else "") + "):")
            lines.append(f"    y = {m.value:.10g}{unit}, u = {m.standard_uncertainty:.6g}{unit}, "
                         f"{m.coverage_probability * 100:g} % {m.interval_type} interval "
                         f"[{m.interval[0]:.8g}, {m.interval[1]:.8g}]{unit}")
            lines.append(f"    §8 validation: d_low = {v.d_low:.3g}, d_high = {v.d_high:.3g}, δ = {v.tolerance:.3g} → "
                         f"{v.verdict}")
            if ev.mcm.adaptive and not ev.mcm.adaptive.converged:
                lines.append("    warning: adaptive procedure stopped at max_trials before reaching the tolerance")
    if len(ev.gum.output_names) > 1:
        lines.append("\nCorrelation of outputs:")
        names = ev.gum.output_names
        lines.append("  " + "".join(f"{n:>10}" for n in ("", *names)))
        for i, n in enumerate(names):
            lines.append("  " + f"{n:>10}" + "".join(f"{ev.gum.correlation[i, j]:>10.4f}" for j in range(len(names))))
    return "\n".join(lines)


@app.command("evaluate")
def evaluate(
    model_file: Annotated[Path, typer.Argument(help="JSON model file (see docs/uncertainty-model-format.md)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    mcm: Annotated[bool, typer.Option("--mcm", help="also run the Monte Carlo method (JCGM 101)")] = False,
    adaptive: Annotated[bool, typer.Option("--adaptive", help="adaptive Monte Carlo procedure (JCGM 101 §7.9)")]
    = False,
    second_order: Annotated[bool, typer.Option("--second-order", help="add the GUM 5.1.2 second-order terms")]
    = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="write the MCM histogram(s) as SVG to this file "
                                                           "(output name appended for several outputs)")] = None,
) -> None:
    """Evaluate MODEL_FILE: GUM budget, expanded uncertainty and, with --mcm, the Monte Carlo check."""
    try:
        text = model_file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read {model_file}: {exc.strerror or exc}")
    try:
        spec: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{model_file} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    try:
        ms = load_model(spec)
        ev = evaluate_spec(
            ms,
            mcm=True if (mcm or adaptive or svg is not None) else None,
            adaptive=True if adaptive else None,
            second_order=True if second_order else None,
            histogram_bins=100 if svg is not None else None,
        )
    except ModelError as exc:
        _fail(str(exc))
        return
    if svg is not None:
        svgs = ev.histogram_svgs()
        for name, text_svg in svgs.items():
            path = svg if len(svgs) == 1 else svg.with_name(f"{svg.stem}-{name}{svg.suffix or '.svg'}")
            path.write_text(text_svg, encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(ev.to_json_dict(), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        typer.echo(_text_report(ev))
