"""Registration of object types: each domain area registers the types it owns.

The registry gives the audit log readable names, lets the access-matrix test enumerate every scoped
type, and keeps the platform free of imports from the areas above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ObjectType:
    name: str
    model: Any
    label: str  # gettext msgid


_types: dict[str, ObjectType] = {}


def register(name: str, model: Any, label: str) -> None:
    if not hasattr(model, "__access__"):
        raise TypeError(f"{name}: model must declare __access__")
    _types[name] = ObjectType(name, model, label)


def object_types() -> dict[str, ObjectType]:
    return dict(_types)
