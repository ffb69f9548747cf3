"""`jiliang comparison …` and `jiliang pt …`: comparison and proficiency-testing analysis from a file.

Thin face over :mod:`jiliang.core.comparison`: read CSV or JSON, validate every cell (errors name
the row and the column), call core, print a table or JSON, optionally write SVG charts.

Comparison input (CSV header or JSON objects): ``lab``, ``x`` (or ``value``), ``u`` (or
``standard_uncertainty``) — or ``U`` with ``k`` — optional ``dof`` (``nu``, ``df``), ``included``
(``in_kcrv``; true/false), ``unit``. JSON may be a list of objects, ``{"results": [...]}`` or a
reference-case file ``{"inputs": {"results": [...]}}``.

Proficiency-test input: one result per row with ``x`` (censored results such as ``<10`` allowed)
and optional ``lab``, ``u``, ``U``, ``k``; JSON as above or a plain list of numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import typer

from jiliang.core import comparison as cmp
from jiliang.core.comparison.reference import jsonable

app = typer.Typer(help="Interlaboratory comparisons (计量比对): reference values, consistency, degrees of equivalence.",
                  no_args_is_help=True)
pt_app = typer.Typer(help="Proficiency testing (能力验证, ISO 13528:2022): robust statistics and scores.",
                     no_args_is_help=True)

_FIELD_ALIASES = {
    "lab": ("lab", "laboratory", "participant", "code"),
    "x": ("x", "value", "result"),
    "u": ("u", "standard_uncertainty", "u_x"),
    "U": ("U", "expanded_uncertainty", "U_x"),
    "k": ("k", "coverage_factor"),
    "dof": ("dof", "nu", "df", "degrees_of_freedom"),
    "included": ("included", "in_kcrv", "include"),
    "unit": ("unit", "units"),
}
_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否"}


class InputFileError(ValueError):
    pass


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


# ------------------------------------------------------------------------------------------------
# reading


def _read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows as dicts with canonical keys, from CSV or JSON."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    text = raw.decode("utf-8-sig", errors="strict") if raw else ""
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(data, dict):
            data = data.get("results", data.get("inputs", {}).get("results") if isinstance(data.get("inputs"), dict) else None)
        if not isinstance(data, list):
            raise InputFileError(f"{path}: expected a list of results, {{'results': [...]}} or {{'inputs': {{'results': [...]}}}}")
        rows = []
        for i, item in enumerate(data, start=1):
            if isinstance(item, dict):
                rows.append(_canonical(item, i))
            else:
                rows.append({"x": item, "_row": i})
        return rows
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise InputFileError(f"{path}: empty file")
    rows = []
    for i, rec in enumerate(reader, start=1):
        if rec is None or all((v or "").strip() == "" for k, v in rec.items() if k is not None):
            continue
        if None in rec:
            raise InputFileError(f"row {i} (line {reader.line_num}): more cells than header columns")
        rows.append(_canonical({k.strip(): v for k, v in rec.items() if k is not None}, i))
    return rows


def _canonical(rec: dict[str, Any], row: int) -> dict[str, Any]:
    out: dict[str, Any] = {"_row": row}
    lower = {k.lower() if k not in ("U",) else k: v for k, v in rec.items()}
    for canon, names in _FIELD_ALIASES.items():
        for name in names:
            key = name if name == "U" or name.startswith("U_") else name.lower()
            if key in lower and lower[key] not in (None, ""):
                out[canon] = lower[key]
                break
            if name in rec and rec[name] not in (None, ""):
                out[canon] = rec[name]
                break
    return out


def _num(row: dict[str, Any], key: str, *, required: bool = True, positive: bool = False,
         allow_inf: bool = False) -> float | None:
    r = row["_row"]
    lab = row.get("lab")
    if key not in row or row[key] is None or (isinstance(row[key], str) and not row[key].strip()):
        if required:
            raise cmp.ComparisonInputError("missing value", row=r, lab=lab, field=key)
        return None
    v = row[key]
    if isinstance(v, bool):
        raise cmp.ComparisonInputError(f"not a number: {v!r}", row=r, lab=lab, field=key)
    try:
        f = float(v.strip()) if isinstance(v, str) else float(v)
    except (TypeError, ValueError):
        raise cmp.ComparisonInputError(f"not a number: {v!r}", row=r, lab=lab, field=key) from None
    if math.isnan(f) or (math.isinf(f) and not allow_inf):
        raise cmp.ComparisonInputError(f"not a finite number: {v!r}", row=r, lab=lab, field=key)
    if positive and f <= 0:
        raise cmp.ComparisonInputError(f"must be positive, got {v!r}", row=r, lab=lab, field=key)
    return f


def _unit_check(rows: list[dict[str, Any]], unit: str | None) -> str | None:
    expected = unit
    for row in rows:
        ru = row.get("unit")
        if ru is None:
            continue
        ru = str(ru).strip()
        if expected is None:
            expected = ru
        elif ru != expected:
            raise cmp.ComparisonInputError(f"unit {ru!r} differs from {expected!r}", row=row["_row"],
                                           lab=row.get("lab"), field="unit")
    return expected


def _lab_results(rows: list[dict[str, Any]]) -> list[cmp.LabResult]:
    out: list[cmp.LabResult] = []
    seen: dict[str, int] = {}
    for row in rows:
        r = row["_row"]
        lab = str(row.get("lab", "")).strip()
        if not lab:
            raise cmp.ComparisonInputError("missing laboratory label", row=r, field="lab")
        row["lab"] = lab
        if lab in seen:
            raise cmp.ComparisonInputError(f"duplicate laboratory (first in row {seen[lab]})", row=r, lab=lab,
                                           field="lab")
        seen[lab] = r
        x = _num(row, "x")
        assert x is not None
        k = _num(row, "k", required=False, positive=True)
        if "u" in row:
            u = _num(row, "u", positive=True)
        elif "U" in row:
            big_u = _num(row, "U", positive=True)
            assert big_u is not None
            u = big_u / (k if k is not None else 2.0)
        else:
            raise cmp.ComparisonInputError("missing uncertainty (give u, or U and k)", row=r, lab=lab, field="u")
        dof = _num(row, "dof", required=False, positive=True, allow_inf=True)
        inc_raw = row.get("included", True)
        if isinstance(inc_raw, bool):
            inc = inc_raw
        else:
            s = str(inc_raw).strip().lower()
            if s in _TRUE:
                inc = True
            elif s in _FALSE:
                inc = False
            else:
                raise cmp.ComparisonInputError(f"expected true or false, got {inc_raw!r}", row=r, lab=lab,
                                               field="included")
        assert u is not None
        try:
            out.append(cmp.LabResult(lab, x, u, dof=dof, included=inc, coverage_factor=k))
        except cmp.ComparisonInputError as exc:
            raise cmp.ComparisonInputError(str(exc).split(": ", 1)[-1], row=r, lab=lab, field=exc.field) from None
    if len(out) < 2:
        raise cmp.ComparisonInputError(f"a comparison needs at least two participants, got {len(out)}")
    return out


# ------------------------------------------------------------------------------------------------
# comparison analyse


def _method_options(method: str, *, uncertainty: str | None, knapp_hartung: bool, bootstrap: bool,
                    trials: int | None, seed: int, alpha: float, coverage_factor: float,
                    u_convention: str, scale: str) -> dict[str, Any]:
    m = cmp.canonical_method(method)
    opts: dict[str, Any] = {}
    if m in ("weighted-mean", "largest-consistent-subset", "arithmetic-mean", "median"):
        opts["coverage_factor"] = coverage_factor
    if m != "hierarchical-bayes":
        opts["alpha"] = alpha
    if m == "arithmetic-mean":
        opts["uncertainty"] = u_convention.replace("-", "_")
    if m == "median":
        opts["scale"] = scale
    if m == "dersimonian-laird":
        unc = uncertainty or ("bootstrap" if bootstrap else "knapp_hartung" if knapp_hartung else "naive")
        opts["uncertainty"] = unc.replace("-", "_")
        if opts["uncertainty"] == "bootstrap":
            opts["seed"] = seed
            if trials:
                opts["trials"] = trials
    if m in ("procedure-b", "linear-pool", "hierarchical-bayes"):
        opts["seed"] = seed
        if trials and m != "hierarchical-bayes":
            opts["trials"] = trials
    return opts


@app.command("analyse")
def analyse(
    file: Path = typer.Argument(..., help="CSV or JSON with columns lab, x, u (or U and k), optional dof, included, unit."),
    method: str = typer.Option("weighted-mean", "--method", "-m",
                               help="weighted-mean | procedure-b | lcs | mean | median | dl | pm | linear-pool | hb"),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    uncertainty: str | None = typer.Option(None, help="DL uncertainty: naive | knapp-hartung | knapp-hartung-modified | bootstrap."),
    knapp_hartung: bool = typer.Option(False, "--knapp-hartung", help="DL: Knapp–Hartung uncertainty."),
    bootstrap: bool = typer.Option(False, "--bootstrap", help="DL: NICOB parametric-bootstrap uncertainty."),
    u_convention: str = typer.Option("propagated", "--u-convention", help="Arithmetic mean: propagated (√Σu²/n) | type-a (s/√n)."),
    scale: str = typer.Option("made", help="Median: made | niqr."),
    trials: int | None = typer.Option(None, help="Monte Carlo trials (method default if omitted)."),
    seed: int = typer.Option(1, help="Random seed for Monte Carlo methods (recorded in the output)."),
    alpha: float = typer.Option(0.05, help="Significance level of the χ² consistency test."),
    coverage_factor: float = typer.Option(2.0, "--coverage-factor", "-k", help="k for U(d) and U(KCRV)."),
    loo: bool = typer.Option(False, "--loo", help="Leave-one-out degrees of equivalence."),
    covariance: bool = typer.Option(True, "--covariance/--no-covariance", help="Covariance term in u(d_i)."),
    include_tau: bool | None = typer.Option(None, "--include-tau/--no-tau", help="Add τ² to u(d_i) (random-effects; default on)."),
    bilateral: bool = typer.Option(False, "--bilateral", help="Also print the bilateral DoE matrix."),
    unit: str | None = typer.Option(None, help="Expected unit; rows with a different unit are rejected."),
    svg: Path | None = typer.Option(None, help="Write the results/reference-band chart (SVG) here."),
    doe_svg: Path | None = typer.Option(None, "--doe-svg", help="Write the DoE chart (SVG) here."),
) -> None:
    """Reference value, χ² consistency, Birge ratio, τ and degrees of equivalence for a comparison."""
    try:
        rows = _read_rows(file)
        used_unit = _unit_check(rows, unit)
        results = _lab_results(rows)
        opts = _method_options(method, uncertainty=uncertainty, knapp_hartung=knapp_hartung, bootstrap=bootstrap,
                               trials=trials, seed=seed, alpha=alpha, coverage_factor=coverage_factor,
                               u_convention=u_convention, scale=scale)
        ref = cmp.reference_value(results, method, **opts)
        doe = cmp.unilateral_doe(results, ref, form="loo" if loo else "mra", covariance=covariance,
                                 include_tau=include_tau, coverage_factor=coverage_factor, seed=seed)
        bi = cmp.bilateral_doe(doe) if bilateral else None
    except (ValueError, InputFileError) as exc:
        _fail(str(exc))
        return
    if svg is not None:
        svg.write_text(cmp.comparison_plot_svg(results, ref, unit=used_unit or ""), encoding="utf-8")
    if doe_svg is not None:
        doe_svg.write_text(cmp.doe_plot_svg(doe, unit=used_unit or ""), encoding="utf-8")
    cons = ref.consistency
    if json_output:
        out = {
            "method": ref.method,
            "unit": used_unit,
            "reference_value": ref.value,
            "standard_uncertainty": ref.standard_uncertainty,
            "expanded_uncertainty": ref.expanded_uncertainty,
            "coverage_interval": list(ref.coverage_interval),
            "chi2": cons.chi2,
            "chi2_dof": cons.dof,
            "p_value": cons.p_value,
            "consistent": cons.passed,
            "birge_ratio": cons.birge_ratio,
            "tau": ref.tau,
            "labs": [
                {"lab": e.lab, "x": e.value, "u": e.lab_standard_uncertainty, "contributes": e.contributes,
                 "d": e.d, "u_d": e.standard_uncertainty, "U_d": e.expanded_uncertainty, "E_n": e.en}
                for e in doe.entries
            ],
            "reference": ref.to_dict(),
            "doe": doe.to_dict(),
        }
        if bi is not None:
            out["bilateral"] = bi.to_dict()
        typer.echo(json.dumps(jsonable(out), ensure_ascii=False, indent=2, allow_nan=False))
        return
    u_s = f" {used_unit}" if used_unit else ""
    typer.echo(f"method            {ref.method}")
    typer.echo(f"reference value   {ref.value:.6g}{u_s}")
    typer.echo(f"u(ref)            {ref.standard_uncertainty:.4g}{u_s}   U = {ref.expanded_uncertainty:.4g}"
               f"   interval [{ref.coverage_interval[0]:.6g}, {ref.coverage_interval[1]:.6g}]")
    typer.echo(f"chi2 (Cochran Q)  {cons.chi2:.4g}  (nu = {cons.dof}, p = {cons.p_value:.3g}, "
               f"{'consistent' if cons.passed else 'NOT consistent'} at alpha = {cons.alpha})")
    typer.echo(f"Birge ratio       {cons.birge_ratio:.4g}")
    if ref.tau is not None:
        typer.echo(f"tau               {ref.tau:.4g}{u_s}")
    if ref.monte_carlo is not None:
        typer.echo(f"Monte Carlo       {ref.monte_carlo.trials} trials, seed {ref.monte_carlo.seed}")
    for note in (*ref.notes, *doe.notes):
        typer.echo(f"note: {note}")
    typer.echo("")
    typer.echo(f"{'lab':<14}{'x':>12}{'u':>11}{'d':>12}{'U(d)':>11}{'E_n':>8}  in ref")
    for e in doe.entries:
        typer.echo(f"{e.lab:<14}{e.value:>12.6g}{e.lab_standard_uncertainty:>11.3g}{e.d:>12.4g}"
                   f"{e.expanded_uncertainty:>11.3g}{e.en:>8.2f}  {'yes' if e.contributes else 'no'}")
    if bi is not None:
        typer.echo("")
        typer.echo("bilateral B_ij (U)")
        for i, lab in enumerate(bi.labs):
            cells = "  ".join(f"{bi.difference[i][j]:>8.3g} ({bi.expanded_uncertainty[i][j]:.3g})"
                              for j in range(len(bi.labs)))
            typer.echo(f"{lab:<14}{cells}")


# American spelling, as in the issue text
app.command("analyze", hidden=True)(analyse)




# ------------------------------------------------------------------------------------------------
# proficiency testing


def _pt_rows(path: Path) -> tuple[list[str], list[object], list[dict[str, Any]]]:
    rows = _read_rows(path)
    if not rows:
        raise InputFileError(f"{path}: no results")
    labs: list[str] = []
    values: list[object] = []
    seen: dict[str, int] = {}
    for row in rows:
        r = row["_row"]
        lab = str(row.get("lab", f"L{r}")).strip() or f"L{r}"
        if lab in seen:
            raise cmp.ComparisonInputError(f"duplicate laboratory (first in row {seen[lab]})", row=r, lab=lab,
                                           field="lab")
        seen[lab] = r
        row["lab"] = lab
        labs.append(lab)
        v = row.get("x")
        if v is None or (isinstance(v, str) and not v.strip()):
            raise cmp.ComparisonInputError("missing value", row=r, lab=lab, field="x")
        values.append(v.strip() if isinstance(v, str) else v)
    return labs, values, rows


def _robust(values: list[object], method: str, stopping: str, censored: str | None) -> tuple[cmp.RobustEstimate, Any]:
    if censored is None:
        nums = []
        for i, v in enumerate(values, start=1):
            if isinstance(v, str) and v[:1] in "<>＜＞":
                raise cmp.ComparisonInputError("censored result; choose a treatment with --censored", row=i,
                                               field="x")
            try:
                f = float(v)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise cmp.ComparisonInputError(f"not a number: {v!r}", row=i, field="x") from None
            if not math.isfinite(f):
                raise cmp.ComparisonInputError(f"not a finite number: {v!r}", row=i, field="x")
            nums.append(f)
        cv = None
        arr = nums
    else:
        cv = cmp.censored_values(values, censored)
        arr = list(cv.values)
    m = method.replace("_", "-").lower()
    est = cmp.robust_estimate(arr, m, stopping=stopping) if m == "algorithm-a" else cmp.robust_estimate(arr, m)
    return est, cv


@pt_app.command("robust")
def pt_robust(
    file: Path = typer.Argument(..., help="CSV/JSON with a column x (one result per participant)."),
    method: str = typer.Option("algorithm-a", "--method", "-m", help="algorithm-a | q-hampel | median-made | median-niqr | mean"),
    stopping: str = typer.Option("iso13528", help="Algorithm A stopping rule: iso13528 | convergence."),
    censored: str | None = typer.Option(None, help="Treatment of '<L' results: limit | delete | half."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Robust assigned value x*, robust standard deviation s* and u(x_pt) = 1.25 s*/√p."""
    try:
        _, values, _ = _pt_rows(file)
        est, cv = _robust(values, method, stopping, censored)
    except (ValueError, InputFileError) as exc:
        _fail(str(exc))
        return
    if json_output:
        out = est.to_dict()
        if cv is not None:
            out["censored"] = {"treatment": cv.treatment, "censored_rows": list(cv.censored_rows),
                               "kept_rows": list(cv.kept_rows)}
        typer.echo(json.dumps(jsonable(out), ensure_ascii=False, indent=2, allow_nan=False))
        return
    typer.echo(f"method     {est.method}" + (f" (stopping: {est.options['stopping']})" if "stopping" in est.options else ""))
    typer.echo(f"p          {est.p}")
    typer.echo(f"x*         {est.location:.6g}")
    typer.echo(f"s*         {est.scale:.6g}")
    typer.echo(f"u(x_pt)    {est.standard_uncertainty:.4g}   (1.25·s*/√p)")
    if est.method == "algorithm-a":
        typer.echo(f"iterations {est.iterations}")


@pt_app.command("scores")
def pt_scores_cmd(
    file: Path = typer.Argument(..., help="CSV/JSON with lab, x and optional u, U, k."),
    x_pt: float | None = typer.Option(None, "--x-pt", help="Assigned value (default: robust consensus)."),
    sigma_pt: float | None = typer.Option(None, "--sigma-pt", help="SD for proficiency assessment (default: s*)."),
    u_x_pt: float | None = typer.Option(None, "--u-x-pt", help="Standard uncertainty of the assigned value."),
    big_u_x_pt: float | None = typer.Option(None, "--U-x-pt", help="Expanded uncertainty of the assigned value (k = 2)."),
    method: str = typer.Option("algorithm-a", "--method", "-m", help="Consensus when --x-pt is omitted."),
    stopping: str = typer.Option("convergence", help="Algorithm A stopping rule for the consensus."),
    json_output: bool = typer.Option(False, "--json"),
    svg: Path | None = typer.Option(None, help="Write a score chart (SVG) here."),
) -> None:
    """z, z′, ζ, E_n, D and D% for every participant, with warning/action signals (ISO 13528 clause 9)."""
    try:
        labs, values, rows = _pt_rows(file)
        xs = []
        for row, v in zip(rows, values, strict=True):
            row["x"] = v
            f = _num(row, "x")
            assert f is not None
            xs.append(f)
        us: list[float] | None = []
        big_us: list[float] | None = []
        for row in rows:
            k = _num(row, "k", required=False, positive=True) or 2.0
            u = _num(row, "u", required=False, positive=True)
            big_u = _num(row, "U", required=False, positive=True)
            if u is None and big_u is not None:
                u = big_u / k
            if big_u is None and u is not None:
                big_u = k * u
            if us is not None:
                us = None if u is None else [*us, u]
            if big_us is not None:
                big_us = None if big_u is None else [*big_us, big_u]
        consensus = None
        if x_pt is None or sigma_pt is None:
            consensus, _ = _robust(list(xs), method, stopping, None)
        xpt = x_pt if x_pt is not None else consensus.location  # type: ignore[union-attr]
        spt = sigma_pt if sigma_pt is not None else consensus.scale  # type: ignore[union-attr]
        upt = u_x_pt
        if upt is None and big_u_x_pt is None and x_pt is None and consensus is not None:
            upt = consensus.standard_uncertainty
        res = cmp.pt_scores(xs, xpt, sigma_pt=spt, u_x_pt=upt, expanded_uncertainty_x_pt=big_u_x_pt,
                            standard_uncertainties=us, expanded_uncertainties=big_us, labs=labs)
    except (ValueError, InputFileError) as exc:
        _fail(str(exc))
        return
    if svg is not None and res.statistic is not None:
        arr = res.z if res.statistic == "z" else res.z_prime
        assert arr is not None
        svg.write_text(cmp.score_chart_svg(res.labs, [float(v) for v in arr], kind=res.statistic), encoding="utf-8")
    if json_output:
        out = res.to_dict()
        if consensus is not None:
            out["consensus"] = consensus.to_dict()
        typer.echo(json.dumps(jsonable(out), ensure_ascii=False, indent=2, allow_nan=False))
        return
    typer.echo(f"x_pt {res.x_pt:.6g}   sigma_pt {res.sigma_pt:.4g}   u(x_pt) "
               f"{'-' if res.u_x_pt is None else f'{res.u_x_pt:.4g}'}   statistic {res.statistic}")
    cols = [c for c, a in (("z", res.z), ("z'", res.z_prime), ("zeta", res.zeta), ("E_n", res.en)) if a is not None]
    typer.echo(f"{'lab':<12}{'x':>12}{'D%':>9}" + "".join(f"{c:>8}" for c in cols) + "  signal")
    for row in res.rows():
        sig = row.get(f"{res.statistic} signal", "")
        typer.echo(f"{row['lab']:<12}{row['x']:>12.6g}{row['D%']:>9.1f}" + "".join(f"{row[c]:>8.2f}" for c in cols)
                   + f"  {sig}")
    typer.echo("counts: " + ", ".join(f"{k} {v}" for k, v in res.counts.items()))
