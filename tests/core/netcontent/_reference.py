"""The shared reference files (``../shared/reference`` from the repo root, or ``$JILIANG_SHARED``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def shared_dir() -> Path:
    env = os.environ.get("JILIANG_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / ".." / "shared"


def load_reference(name: str) -> dict[str, Any]:
    path = shared_dir() / "reference" / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
