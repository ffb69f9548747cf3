"""Extreme user numbers give a NetContentInputError naming the field, never a decimal Overflow (found by
the net-content inspection area's fuzzing: 1e999999, 1e308 and a nominal of 1e29 used to crash)."""

from __future__ import annotations

import pytest

from jiliang.core.netcontent import evaluate_lot_record
from jiliang.core.netcontent.errors import NetContentInputError

BASE = {"kind": "mass", "nominal": 500, "unit": "g", "lot_size": 50, "net": [500] * 10}


@pytest.mark.parametrize(
    "patch,field",
    [
        ({"net": ["1e999999"] + [500] * 9}, "net[0]"),
        ({"net": [500] * 9 + [1e308]}, "net[9]"),
        ({"nominal": "1e29"}, "nominal"),
        ({"net": [500] * 4 + ["500.0000000000000000000000001"] + [500] * 5}, "net[4]"),
        ({"gross": [600] * 10, "tare": ["-1e999999"], "net": None}, "tare"),
    ],
)
def test_extreme_numbers_are_input_errors(patch: dict[str, object], field: str) -> None:
    doc = {**BASE, **patch}
    doc = {k: v for k, v in doc.items() if v is not None}
    with pytest.raises(NetContentInputError) as info:
        evaluate_lot_record(doc)
    assert str(info.value).startswith(field), str(info.value)


def test_ordinary_precision_still_accepted() -> None:
    doc = {**BASE, "net": ["499.123456789"] + [500] * 9}
    assert evaluate_lot_record(doc) is not None
