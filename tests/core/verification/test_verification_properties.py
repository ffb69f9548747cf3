"""Property tests (hypothesis): monotonicity of the decision and invariance under unit changes."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.core.verification import evaluate_document

from ._helpers import nominal_doc, point, set_point

RANK = {"pass": 0, "undecided": 1, "fail": 2}
SCALE_DOC = nominal_doc(
    "JJG539-2016",
    "first",
    {"accuracy_class": "III", "max_capacity": 15, "e": 5},
    {"temperature": {"value": 20, "unit": "°C"}},
)
FUEL_DOC = {
    "procedure": "JJG443-2023",
    "stage": "first",
    "instrument": {"max_flow_rate": 60, "low_flow_rate": 10},
    "environment": {"ambient_temperature": {"value": 20, "unit": "°C"}},
    "points": [
        {"point": "Qmax", "unit": "L", "readings": [20, 20, 20], "reference": [20]},
        {"point": "Qlow", "unit": "L", "readings": [20, 20, 20], "reference": [20]},
    ],
}
# error in grams on the 10 kg point (MPE ±5 g), as whole 0.1 g
grams = st.integers(min_value=-150, max_value=150).map(lambda n: n / 10)
stds = st.sampled_from([None, 0.5, 1.0, 2.0, 3.0])
rules = st.sampled_from(["jjf1094", "simple_acceptance", "guarded_acceptance"])


def scale_verdict(err_g: float, std: float | None, rule: str, stage: str = "first") -> str:
    d = copy.deepcopy(SCALE_DOC)
    d["stage"] = stage
    d["decision_rule"] = rule
    if std is not None:
        d["standards"] = [{"standard_uncertainty": std, "unit": "g"}]
    set_point(d, "changeover_2000e", readings=[round(10 + err_g / 1000, 6), 10.0])
    return str(point(evaluate_document(d), "changeover_2000e")["decision"])


@settings(max_examples=60, deadline=None)
@given(grams, grams, stds, rules)
def test_larger_error_never_improves_the_decision(a: float, b: float, std: float | None, rule: str) -> None:
    small, large = sorted((a, b), key=abs)
    if small * large < 0:  # same side of the centre
        large = -large
    assert RANK[scale_verdict(large, std, rule)] >= RANK[scale_verdict(small, std, rule)]


@settings(max_examples=40, deadline=None)
@given(grams, stds)
def test_in_service_never_stricter_than_first(err: float, std: float | None) -> None:
    first = scale_verdict(err, std, "simple_acceptance")
    later = scale_verdict(err, std, "simple_acceptance", "in_service")
    assert RANK[later] <= RANK[first]


@settings(max_examples=40, deadline=None)
@given(grams)
def test_simple_acceptance_matches_the_mpe_exactly(err: float) -> None:
    # 10 kg = 2000e: MPE ±1.0e = ±5 g on first verification, boundary included
    assert scale_verdict(err, None, "simple_acceptance") == ("pass" if abs(err) <= 5 else "fail")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-50, max_value=50), min_size=3, max_size=3), stds)
def test_fuel_unit_invariance(centi_ml: list[int], std: float | None) -> None:
    # the same volumes in L and in mL give the same errors and decisions
    litres = [20 + c / 1000 for c in centi_ml]
    d1 = copy.deepcopy(FUEL_DOC)
    d1["points"][0]["readings"] = litres
    d2 = copy.deepcopy(d1)
    d2["points"][0]["readings"] = [round(v * 1000, 6) for v in litres]
    d2["points"][0]["unit"] = "mL"
    d2["points"][0]["reference_unit"] = "L"  # the reference defaults to the unit of the readings
    if std is not None:
        d1["standards"] = d2["standards"] = [{"standard_uncertainty": std / 100, "unit": "%"}]
    r1, r2 = evaluate_document(d1), evaluate_document(d2)
    p1, p2 = point(r1, "Qmax"), point(r2, "Qmax")
    assert p1["errors"] == p2["errors"] or all(
        abs(x - y) < 1e-12 for x, y in zip(p1["errors"], p2["errors"], strict=True)
    )
    assert p1["decision"] == p2["decision"] and r1["verdict"] == r2["verdict"]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=-60, max_value=60))
def test_fuel_every_run_is_judged(centi: int) -> None:
    # one run at e % (others exact) decides alone: |e| ≤ 0.30 % passes the MPE check
    err = centi / 100
    d: dict[str, Any] = copy.deepcopy(FUEL_DOC)
    d["points"][1]["readings"] = [20, round(20 * (1 + err / 100), 6), 20]
    p = point(evaluate_document(d), "Qlow")
    mpe_ok = abs(err) <= 0.30
    range_ok = abs(err) <= 0.10
    assert p["decision"] == ("pass" if mpe_ok and range_ok else "fail")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
PATHS = [
    ("instrument", "max_capacity"),
    ("instrument", "e"),
    ("instrument", "accuracy_class"),
    ("environment", "temperature"),
    ("points", 0),
    ("points", 1, "readings"),
    ("points", 2, "unit"),
    ("points", 3, "changeover"),
    ("points", 4, "reference"),
    ("standards",),
    ("decision_rule",),
    ("guard_band_factor",),
    ("stage",),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PATHS), json_values)
def test_garbage_gives_input_errors_only(path: tuple[Any, ...], value: Any) -> None:
    from jiliang.core.verification import VerificationInputError

    d: Any = copy.deepcopy(SCALE_DOC)
    target = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        result = evaluate_document(d)
    except VerificationInputError as exc:
        assert exc.errors and all(set(e) == {"row", "field", "reason"} for e in exc.errors)
    else:
        assert result["verdict"] in ("pass", "fail", "undecided")


OTHER_DOCS = [
    nominal_doc(
        "JJG596-2012",
        "first",
        {
            "accuracy_class": "2",
            "connection": "direct",
            "basic_current": 5,
            "max_current": 60,
            "load_points": [{"id": "a", "current": 5}, {"id": "b", "current": 0.3, "power_factor": "0.5L"}],
        },
        {},
    ),
    nominal_doc(
        "JJG52-2013",
        "first",
        {"accuracy_class": "1.6", "range_upper": 1.6, "numbered_graduations": [0, 0.8, 1.6]},
        {"temperature": {"value": 20, "unit": "°C"}},
    ),
    nominal_doc(
        "JJG270-2008",
        "first",
        {"type": "mercury", "range_max": 40, "test_points": [0, 20]},
        {"soak_time": {"value": 3, "unit": "h"}},
    ),
    nominal_doc("JJG517-2016", "first", {}, {}),
    {
        "procedure": "JJG443-2023",
        "stage": "first",
        "instrument": {
            "max_flow_rate": 60,
            "low_flow_rate": 10,
            "measure_material": "carbon_steel",
            "fuel_expansion_coefficient": 0.001,
        },
        "environment": {"ambient_temperature": {"value": 18, "unit": "°C"}},
        "points": [
            {
                "point": "Qmax",
                "unit": "L",
                "readings": [20, 20, 20],
                "reference": [20],
                "fuel_temperature": [20],
                "measure_temperature": [19, 19, 19],
            },
            {"point": "Qlow", "unit": "L", "readings": [20, 20, 20], "reference": [20]},
        ],
        "standards": [{"standard_uncertainty": 0.01, "unit": "%", "mpe": 0.05}],
    },
]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(range(len(OTHER_DOCS))), st.data(), json_values | st.just(1e308))
def test_garbage_in_other_procedures(index: int, data: Any, value: Any) -> None:
    from jiliang.core.verification import VerificationInputError

    d: Any = copy.deepcopy(OTHER_DOCS[index])
    path = data.draw(st.sampled_from(_paths(d)))
    target = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        result = evaluate_document(d)
    except VerificationInputError as exc:
        assert exc.errors
    else:
        assert result["verdict"] in ("pass", "fail", "undecided")
