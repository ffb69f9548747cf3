"""Shared helpers for the issue-7 net-content inspection tests: lots, counts read straight from the tables."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from tests.platform.scope_issue2 import scalar

SHARED = Path(os.environ.get("JILIANG_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared"))

# 500 g rice crackers, lot of 80 -> n = 13, λ = 0.848, T = 15 g: individual tare (examples/netcontent/lot-pass.json)
GROSS = [523.4, 525.1, 522.8, 524.6, 519.9, 526.3, 523.0, 524.2, 522.1, 525.7, 512.0, 523.9, 524.8]
TARE = [22.1, 22.4, 21.9, 22.6, 22.0, 22.3, 21.8, 22.2, 22.5, 22.0, 22.1, 22.4, 22.3]


def lot(**changes: Any) -> dict[str, Any]:
    """A complete, valid inspection body (JSON API); ``changes`` replace or (None) drop fields."""
    body: dict[str, Any] = {
        "product_name": "米饼（测试）",
        "product_category": "food",
        "brand": "旺旺",
        "batch": "20261120A",
        "producer_name": "测试食品有限公司",
        "region_code": "330100",
        "inspected_on": "2026-11-20",
        "place": "杭州市上城区某超市",
        "inspectors": ["王建国", "李敏"],
        "lot_size": 80,
        "kind": "mass",
        "nominal": 500,
        "unit": "g",
        "gross": list(GROSS),
        "tare": list(TARE),
        "label_text": "净含量：500克",
        "label_character_height_mm": 4,
    }
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = copy.deepcopy(value)
    return body


def count(sql: str, **params: Any) -> int:
    return int(scalar(sql, **params))


def state() -> tuple[int, int, int]:
    """(inspection rows, C-mark rows, audit rows)."""
    return (
        count("SELECT count(*) FROM netcontent_inspections"),
        count("SELECT count(*) FROM cmark_declarations"),
        count("SELECT count(*) FROM audit_log"),
    )


def reference(name: str) -> dict[str, Any]:
    return json.loads((SHARED / "reference" / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
