"""Shared helpers for the comparison / proficiency-testing tests (issue 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiliang.cli import app
from jiliang.core.comparison import LabResult

ROOT = Path(__file__).resolve().parents[3]


def reference_dir() -> Path:
    env = os.environ.get("JILIANG_SHARED")
    base = Path(env) if env else ROOT.parent / "shared"
    return base / "reference"


def load_reference(name: str) -> dict[str, Any]:
    path = reference_dir() / name
    if not path.exists():
        pytest.fail(f"reference file {path} not available (set JILIANG_SHARED)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def asserted(ref: dict[str, Any]) -> list[dict[str, Any]]:
    """The expected entries that carry ``assert: true``."""
    return [e for e in ref["expected"] if e.get("assert")]


def entry_id(e: dict[str, Any]) -> str:
    parts = [e.get("case"), e.get("lab"), e["name"], e.get("condition"), e.get("method")]
    return " | ".join(str(p) for p in parts if p)


def lab_results_from(ref: dict[str, Any], *, all_included: bool = False) -> list[LabResult]:
    out = []
    for r in ref["inputs"]["results"]:
        included = True if all_included else bool(r.get("in_kcrv", True))
        if "u" in r:
            out.append(LabResult(r["lab"], r["x"], r["u"], dof=r.get("dof"), included=included))
        else:
            out.append(LabResult.from_expanded(r["lab"], r["x"], r["U"], r["k"], dof=r.get("dof"),
                                               included=included))
    return out


def check(value: float, e: dict[str, Any]) -> None:
    """Assert ``value`` is within the entry's stated tolerance of its published value."""
    expected, tol = e["value"], e["tolerance"]
    assert abs(value - expected) <= tol + 1e-12 * max(1.0, abs(expected)), (
        f"{entry_id(e)}: computed {value!r}, published {e['printed']} ± {tol} ({e.get('tolerance_basis')})"
    )


def run_cli(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def cli_json(*args: str) -> dict[str, Any]:
    code, out, err = run_cli(*args, "--json")
    assert code == 0, f"exit {code}: {err or out}"
    data: dict[str, Any] = json.loads(out)
    return data
