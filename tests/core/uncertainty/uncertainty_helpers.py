"""Shared helpers for the uncertainty-engine tests (issue 3)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiliang.cli import app

ROOT = Path(__file__).resolve().parents[3]


def reference_dir() -> Path:
    env = os.environ.get("JILIANG_SHARED")
    base = Path(env) if env else ROOT.parent / "shared"
    return base / "reference"


def load_reference(name: str) -> dict[str, Any]:
    path = reference_dir() / name
    if not path.exists():
        pytest.fail(f"reference file {path} not available (set JILIANG_SHARED)")
    return json.loads(path.read_text(encoding="utf-8"))


def run_cli(tmp_path: Path, spec: dict[str, Any], *args: str) -> tuple[int, str, str]:
    """Write ``spec`` to a model file and run ``jiliang uncertainty evaluate``."""
    f = tmp_path / "model.json"
    f.write_text(json.dumps(spec), encoding="utf-8")
    res = CliRunner().invoke(app, ["uncertainty", "evaluate", str(f), *args])
    return res.exit_code, res.stdout, res.stderr


def cli_json(tmp_path: Path, spec: dict[str, Any], *args: str) -> dict[str, Any]:
    code, out, err = run_cli(tmp_path, spec, "--json", *args)
    assert code == 0, err
    return json.loads(out)


def quantity_spec(q: dict[str, Any]) -> dict[str, Any]:
    """Model-file input from a reference-file quantity (exact u from half-widths)."""
    dist = q["distribution"]
    spec: dict[str, Any] = {"value": q["estimate"]}
    if dist.get("half_width") is not None:
        spec["half_width"] = dist["half_width"]
        spec["distribution"] = dist["type"]
    else:
        spec["u"] = q["standard_uncertainty"]
        if dist["type"] not in ("unspecified", "normal"):
            spec["distribution"] = dist["type"]
    if q.get("dof") is not None:
        spec["dof"] = q["dof"]
    return spec


def asserted(ref: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in ref["expected"] if e.get("assert")]


def entry_id(e: dict[str, Any]) -> str:
    return "|".join(str(e.get(k)) for k in ("case", "name", "method", "condition") if e.get(k) is not None)
