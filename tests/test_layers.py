"""The import direction of DESIGN.md: core ← platform ← areas ← faces, never upwards."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "jiliang"
FACES = {"web", "cli", "demo", "migrations", "models_all"}
PLATFORM = {"platform"}
CORE = {"core"}


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "jiliang" or len(parts) < 2:
        return -1
    top = parts[1]
    if top in CORE:
        return 0
    if top in PLATFORM:
        return 1
    if top in FACES:
        return 3
    return 2  # a domain area


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
    return out


def test_imports_point_down() -> None:
    bad = []
    checked = 0
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts)
        own = layer(module)
        for lineno, target in imports_of(path):
            other = layer(target)
            checked += 1
            if other > own:
                bad.append(f"{module}:{lineno} imports {target}")
    assert checked > 100
    assert not bad, "imports against the layer direction:\n" + "\n".join(bad)


def test_core_does_no_io() -> None:
    forbidden = {"sqlalchemy", "fastapi", "starlette", "requests", "httpx", "socket", "jiliang.platform"}
    bad = []
    for path in (SRC / "core").rglob("*.py"):
        for lineno, target in imports_of(path):
            if target.split(".")[0] in forbidden or target.startswith("jiliang.platform"):
                bad.append(f"{path.name}:{lineno} {target}")
        text = path.read_text(encoding="utf-8")
        for needle in ("open(", ".read_text(", ".write_text(", "os.environ"):
            if needle in text and "importlib.resources" not in text and needle != ".read_text(":
                bad.append(f"{path.name}: uses {needle}")
    assert not bad, bad
