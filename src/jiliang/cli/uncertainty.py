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

app = typer.Typer(
    help="Measurement uncertainty (GUM / JJF 1059.1, Monte Carlo / JJF 1059.2)", no_args_is_help=True
)


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
        lines.append(
            f"  standard uncertainty     u_c = {g.standard_uncertainty:.6g}{unit}"
            + ("  (with second-order terms)" if ev.gum.second_order else "")
        )
        lines.append(f"  effective dof            ν_eff = {_g(g.effective_dof)}")
        p = f"p = {g.coverage_probability:g}, " if g.coverage_probability else ""
        lines.append(
            f"  coverage factor          k   = {g.coverage_factor:.4g}  ({p}ν = {_g(g.dof_for_coverage)})"
        )
        lines.append(f"  expanded uncertainty     U   = {g.expanded_uncertainty:.6g}{unit}")
        lines.append(f"  result: {o['result_en']}")
        lines.append(f"  结果:   {o['result_zh']}")
        hdr = (
            f"  {'quantity':<14}{'estimate':>14}{'u(x)':>12}  {'distribution':<12}{'c':>12}{'|c|u':>12}"
            f"{'share %':>9}{'dof':>7}"
        )
        lines += ["  budget:", hdr, "  " + "-" * (len(hdr) - 2)]
        for r in g.budget:
            lines.append(
                f"  {r.quantity:<14}{r.estimate:>14.6g}{r.standard_uncertainty:>12.4g}  "
                f"{r.distribution:<12}{r.sensitivity:>12.4g}{r.contribution:>12.4g}"
                f"{r.share_percent:>9.2f}{_g(r.dof, 4):>7}"
            )
        if g.correlation_variance:
            lines.append(f"  correlation terms: {g.correlation_variance:.4g} (variance)")
        if g.second_order_variance:
            lines.append(f"  second-order terms: {g.second_order_variance:.4g} (variance)")
        for note in g.notes:
            lines.append(f"  note: {note}")
        if ev.mcm is not None:
            m = ev.mcm[name]
            v = ev.validations[name]
            lines.append(
                f"  Monte Carlo ({m.trials:,} trials, seed {ev.mcm.seed}"
                + (", adaptive" if ev.mcm.adaptive else "")
                + "):"
            )
            lines.append(
                f"    y = {m.value:.10g}{unit}, u = {m.standard_uncertainty:.6g}{unit}, "
                f"{m.coverage_probability * 100:g} % {m.interval_type} interval "
                f"[{m.interval[0]:.8g}, {m.interval[1]:.8g}]{unit}"
            )
            lines.append(
                f"    §8 validation: d_low = {v.d_low:.3g}, d_high = {v.d_high:.3g}, δ = {v.tolerance:.3g} → "
                f"{v.verdict}"
            )
            if ev.mcm.adaptive and not ev.mcm.adaptive.converged:
                lines.append(
                    "    warning: adaptive procedure stopped at max_trials before reaching the tolerance"
                )
    if len(ev.gum.output_names) > 1:
        lines.append("\nCorrelation of outputs:")
        names = ev.gum.output_names
        lines.append("  " + "".join(f"{n:>10}" for n in ("", *names)))
        for i, n in enumerate(names):
            lines.append(
                "  " + f"{n:>10}" + "".join(f"{ev.gum.correlation[i, j]:>10.4f}" for j in range(len(names)))
            )
    return "\n".join(lines)


@app.command("evaluate")
def evaluate(
    model_file: Annotated[
        Path, typer.Argument(help="JSON model file (see docs/uncertainty-model-format.md)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    mcm: Annotated[bool, typer.Option("--mcm", help="also run the Monte Carlo method (JCGM 101)")] = False,
    adaptive: Annotated[
        bool, typer.Option("--adaptive", help="adaptive Monte Carlo procedure (JCGM 101 §7.9)")
    ] = False,
    second_order: Annotated[
        bool, typer.Option("--second-order", help="add the GUM 5.1.2 second-order terms")
    ] = False,
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg",
            help="write the MCM histogram(s) as SVG to this file (output name appended for several outputs)",
        ),
    ] = None,
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


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    except RecursionError:
        _fail(f"{path}: the JSON document is nested too deeply")


def _curve_report(out: dict[str, Any]) -> str:
    yu = out["units"]["y"] or ""
    xu = out["units"]["x"] or ""
    lines: list[str] = []
    if out["title"]:
        lines += [out["title"], "=" * len(out["title"])]
    lines.append(f"Calibration curve {out['model']}, x0 = {out['x0']:g}{' ' + xu if xu else ''}")
    lines.append(
        f"  n = {out['n']}, weighting: {out['weighting']}, ν = {_g(out['dof'])}, "
        f"residual s = {_g(out['residual_standard_deviation'])}"
        + (f", Birge ratio = {out['birge_ratio']:.4g}" if out["birge_ratio"] is not None else "")
    )
    lines.append(f"  {'coefficient':<12}{'value':>16}{'u':>14}")
    for c in out["coefficients"]:
        lines.append(f"  {c['name']:<12}{c['value']:>16.8g}{c['standard_uncertainty']:>14.6g}")
    if len(out["coefficients"]) > 1:
        lines.append("  correlation:")
        for row in out["correlation"]:
            lines.append("    " + "".join(f"{r:>10.5f}" for r in row))
    m = out["minimum_prediction_uncertainty"]
    lines.append(f"  smallest u(f(x)) = {m['standard_uncertainty']:.6g} at x = {m['x']:.8g}")
    p = out["coverage_probability"]
    for pr in out["predictions"]:
        lines.append(
            f"  f({pr['x']:g}) = {pr['value']:.8g}{' ' + yu if yu else ''}, u = {pr['standard_uncertainty']:.4g}, "
            f"ν_eff = {_g(pr['effective_dof'], 4)}, k = {pr['coverage_factor']:.4g} (p = {p:g}), "
            f"U = {pr['expanded_uncertainty']:.4g}" + ("  (extrapolation)" if pr["extrapolation"] else "")
        )
    for iv in out["inverse"]:
        lines.append(
            f"  x(y = {iv['y']:g}) = {iv['value']:.8g}{' ' + xu if xu else ''}, u = {iv['standard_uncertainty']:.4g}, "
            f"ν_eff = {_g(iv['effective_dof'], 4)}, k = {iv['coverage_factor']:.4g}, "
            f"U = {iv['expanded_uncertainty']:.4g}" + ("  (extrapolation)" if iv["extrapolation"] else "")
        )
    return "\n".join(lines)


def _run_document(
    path: Path, compute: Any, document_error: type[Exception], report: Any, as_json: bool
) -> None:
    """Read a JSON document, run a core document function, print JSON or the text report."""
    doc = _read_json(path)
    try:
        out = compute(doc)
    except document_error as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        typer.echo(report(out))


@app.command("curve")
def curve(
    data_file: Annotated[
        Path, typer.Argument(help="JSON calibration data (see docs/uncertainty-model-format.md)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Least-squares calibration curve with uncertainty (GUM H.3): coefficients, predictions, inverse."""
    from jiliang.core.regression import CurveDocumentError, fit_document

    _run_document(data_file, fit_document, CurveDocumentError, _curve_report, as_json)


def _decision_lines(d: dict[str, Any], indent: str = "  ") -> list[str]:
    head = f"{indent}{d.get('label') + ': ' if d.get('label') else ''}"
    lines = []
    if "verdict" in d:
        lim = ", ".join(f"{k} = {v:g}" for k, v in d["limits"].items())
        lines.append(
            f"{head}{d['verdict'].upper()} ({d['verdict_zh']}) — {d['rule']}, measured {d['measured']:g}, "
            f"U = {d['expanded_uncertainty']:g}; {lim}"
        )
        lines.append(f"{indent}  {d['clause']}; reason: {d['reason']}")
    else:
        lines.append(f"{head}{d['rule']}, measured {d['measured']:g}")
    pc = d.get("probability_of_conformity")
    if pc:
        lines.append(
            f"{indent}  probability of conformity p_c = {pc['probability']:.6g} "
            f"(specific risk {pc['specific_risk']:.4g}, {pc['distribution']})"
        )
    return lines


def _conformity_report(out: dict[str, Any]) -> str:
    lines: list[str] = []
    if out.get("title"):
        lines += [out["title"], "=" * len(out["title"])]
    if "decision" in out:
        lines += ["Decision:", *_decision_lines(out["decision"])]
    if "points" in out:
        lines.append("Decision points:")
        for p in out["points"]:
            lines += _decision_lines(p)
        if "overall_verdict" in out:
            lines.append(f"Overall: {out['overall_verdict'].upper()} ({out['overall_verdict_zh']})")
    risk = out.get("risk")
    if risk is not None:
        lines.append("Global risks (JCGM 106 §9.5):")
        for r in risk if isinstance(risk, list) else [risk]:
            label = f"{r['case']}: " if r.get("case") else ""
            lines.append(
                f"  {label}σ_process = {r['process_standard_deviation']:.6g}, "
                f"u_test = {r['measurement_standard_uncertainty']:.6g}, guard band = {r['guard_band']:.6g}"
            )
            lines.append(
                f"    PFA = {r['probability_false_accept']:.6g}, PFR = {r['probability_false_reject']:.6g}, "
                f"conditional PFA = {r['conditional_probability_false_accept']:.6g}, "
                f"P(accept) = {r['probability_accept']:.6g}"
            )
    return "\n".join(lines)


@app.command("conformity")
def conformity(
    document_file: Annotated[
        Path, typer.Argument(help="JSON decision / risk document (see docs/uncertainty-model-format.md)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Conformity decisions (JJF 1094, ILAC G8, JCGM 106 p_c) and global risks PFA/PFR (JCGM 106)."""
    from jiliang.core.conformity import ConformityDocumentError, evaluate_document

    _run_document(document_file, evaluate_document, ConformityDocumentError, _conformity_report, as_json)
