"""Loading of the legal tables (JSON package data in ``jiliang.core.netcontent.data``).

Numbers are parsed as :class:`~decimal.Decimal` so that stored legal constants compare
exactly with the published values. Every row keeps its ``source`` and ``source_status``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

_DATA_PACKAGE = "jiliang.core.netcontent.data"


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return data


def tolerable_deficiency_table() -> dict[str, Any]:
    """The T table (2005 Measures 附表3), rows with ``source`` and ``source_status``."""
    return _load("tolerable_deficiency.json")


def sampling_plan_table() -> dict[str, Any]:
    """The sampling plans by ``plan_version`` (JJF 1070-2005; OIML R 87 rows, unverified)."""
    return _load("sampling_plan.json")


def labelling_table() -> dict[str, Any]:
    """Unit selection and minimum character height (2005 Measures 附表1–2)."""
    return _load("labelling.json")


def to_decimal(value: Any) -> Decimal | None:
    """Table value -> Decimal (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"unexpected table value {value!r}")
