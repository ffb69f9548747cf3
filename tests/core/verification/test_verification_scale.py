"""JJG 539-2016 digital indicating scale: worked examples computed by hand (OIML R 76 error bands in e)."""

from __future__ import annotations

from typing import Any

import pytest

from jiliang.core.verification import VerificationInputError, evaluate_document, form_document

from ._helpers import nominal_doc, point, set_point

# Class III, Max = 15 kg, e = 5 g: n = Max/e = 3000 (allowed 500…10 000 for e ≥ 5 g), Min = 20e = 100 g.
# First / subsequent verification MPE (research §1.3): 0 ≤ m ≤ 500e: ±0.5e = ±2.5 g;
# 500e < m ≤ 2000e: ±1.0e = ±5 g; 2000e < m ≤ 10 000e: ±1.5e = ±7.5 g. In service: twice these.
# 500e = 2.5 kg, 2000e = 10 kg.
SCALE = {"accuracy_class": "III", "max_capacity": 15, "e": 5}
ENV = {"temperature": {"value": 21.5, "unit": "°C"}}


def doc(stage: str = "first") -> dict[str, Any]:
    return nominal_doc("JJG539-2016", stage, dict(SCALE), dict(ENV))


def test_form_points_and_mpe() -> None:
    form = form_document("JJG539-2016", stage="first", instrument=SCALE)
    pts = {p["id"]: p for p in form["points"]}
    # Min = 100 g, the changeover loads 500e and 2000e, 50 % Max, Max (5 loads: no 25/75 % fill needed)
    assert [
        (p["id"], p["nominal"])
        for p in form["points"]
        if p["id"] not in ("rep_50", "rep_max", "eccentricity")
    ] == [
        ("min", 0.1),
        ("changeover_500e", 2.5),
        ("half_max", 7.5),
        ("changeover_2000e", 10.0),
        ("max", 15.0),
    ]
    assert pts["min"]["mpe"]["upper"] == pytest.approx(0.0025)  # 20e ≤ 500e → 0.5e
    assert pts["changeover_500e"]["mpe"]["upper"] == pytest.approx(0.0025)  # 500e is in the first band
    assert pts["half_max"]["mpe"]["upper"] == pytest.approx(0.005)  # 1500e → 1.0e
    assert pts["changeover_2000e"]["mpe"]["upper"] == pytest.approx(0.005)
    assert pts["max"]["mpe"]["upper"] == pytest.approx(0.0075)  # 3000e → 1.5e
    assert pts["max"]["repeats"] == 1 and pts["min"]["reading_labels"] == ["loading", "unloading"]
    assert pts["rep_max"]["repeats_min"] == 3 and not pts["rep_max"]["repeats_exact"]
    env = {e["name"]: e for e in form["environment"]}
    assert (env["temperature"]["min"], env["temperature"]["max"], env["temperature"]["required"]) == (
        -10,
        40,
        True,
    )
    assert form["standards"][0]["ratio"] == "1/3"
    assert form["mpe"]["source_status"] == "unverified"


def test_small_scale_fills_to_five_loads() -> None:
    # class III, Max = 3 kg, e = 1 g: n = 3000 (100…10 000 for 0.1 g ≤ e ≤ 2 g); Min = 20 g;
    # 500e = 0.5 kg, 2000e = 2 kg, 50 % Max = 1.5 kg, Max = 3 kg → 5 loads.
    # class IIII, Max = 600 kg, e = 1 kg → n = 600; Min = 10e = 10 kg, 50e = 50 kg, 200e = 200 kg, 300 kg, 600 kg.
    form = form_document(
        "JJG539-2016", stage="first", instrument={"accuracy_class": "IIII", "max_capacity": 600, "e": 1000}
    )
    assert [p["nominal"] for p in form["points"] if p["id"] not in ("rep_50", "rep_max", "eccentricity")] == [
        10,
        50,
        200,
        300,
        600,
    ]
    # class IIII, Max = 100 kg, e = 1 kg: n = 100; Min = 10 kg, 50e = 50 kg = 50 % Max → 3 loads: 25 % and 75 % added
    form = form_document(
        "JJG539-2016", stage="first", instrument={"accuracy_class": "IIII", "max_capacity": 100, "e": 1000}
    )
    assert [p["nominal"] for p in form["points"] if p["id"] not in ("rep_50", "rep_max", "eccentricity")] == [
        10,
        25,
        50,
        75,
        100,
    ]


def test_all_nominal_passes() -> None:
    r = evaluate_document(doc())
    assert r["verdict"] == "pass" and r["reasons"] == []
    assert r["source_status"] == "unverified"
    assert r["regulation"]["designation"] == "JJG 539-2016"
    assert all(p["decision"] == "pass" and p["error"] == 0 for p in r["points"])


def test_boundary_at_500e() -> None:
    # 2.5 kg (= 500e): MPE ±0.5e = ±2.5 g. A reading of 2.5025 kg: error +2.5 g = MPE → pass (≤).
    d = set_point(doc(), "changeover_500e", readings=[2.5025, 2.5])
    r = evaluate_document(d)
    p = point(r, "changeover_500e")
    assert p["error"] == pytest.approx(0.0025) and p["mpe"] == pytest.approx(0.0025)
    assert p["decision"] == "pass" and r["verdict"] == "pass"
    # one display step more: 2.505 kg, error +5 g > 2.5 g → fail on first verification ...
    d = set_point(doc(), "changeover_500e", readings=[2.5, 2.505])
    r = evaluate_document(d)
    assert point(r, "changeover_500e")["decision"] == "fail" and r["verdict"] == "fail"
    assert point(r, "changeover_500e")["error"] == pytest.approx(0.005)
    # ... but in service the MPE is 2 × 0.5e = 5 g: pass at the boundary
    d = set_point(doc("in_service"), "changeover_500e", readings=[2.5, 2.505])
    r = evaluate_document(d)
    assert point(r, "changeover_500e")["mpe"] == pytest.approx(0.005)
    assert r["verdict"] == "pass"
    # negative side: 2.495 kg → −5 g: fail on first verification
    r = evaluate_document(set_point(doc(), "changeover_500e", readings=[2.495, 2.5]))
    assert point(r, "changeover_500e")["error"] == pytest.approx(-0.005) and r["verdict"] == "fail"


def test_changeover_point_method() -> None:
    # P = I + e/2 − ΔL (research §1.6). At 2.5 kg, I = 2.505 kg, ΔL = 5 g (ten 0.5 g weights):
    # P = 2.505 + 0.0025 − 0.005 = 2.5025 kg → E = +2.5 g = MPE → pass.
    d = set_point(doc(), "changeover_500e", readings=[2.505, 2.505], changeover=[0.005, 0.005])
    r = evaluate_document(d)
    p = point(r, "changeover_500e")
    assert p["error"] == pytest.approx(0.0025) and p["decision"] == "pass"
    # rounding uncertainty with 0.1e steps: u = (0.1e/2)/√3 = 0.25 g/√3 = 0.1443 g; U = 2u = 0.2887 g
    assert p["expanded_uncertainty"] == pytest.approx(2 * 0.00025 / 3**0.5, rel=1e-9)
    # ΔL = 4 g: P = 2.5035 kg → E = +3.5 g > 2.5 g → fail
    d = set_point(doc(), "changeover_500e", readings=[2.505, 2.505], changeover=[0.004, 0.005])
    assert evaluate_document(d)["verdict"] == "fail"


def test_repeatability_range() -> None:
    # rep_max at 15 kg: 14.995, 15.000, 15.005 kg → each error within ±7.5 g, but the range 10 g > |MPE| 7.5 g
    d = set_point(doc(), "rep_max", readings=[14.995, 15.0, 15.005])
    r = evaluate_document(d)
    p = point(r, "rep_max")
    check = p["checks"][0]
    assert check["check"] == "repeatability" and check["value"] == pytest.approx(0.01)
    assert check["limit"] == pytest.approx(0.0075) and check["decision"] == "fail"
    assert p["decision"] == "fail" and p["reason"] == "repeatability_exceeds_limit" and r["verdict"] == "fail"
    # 15.000, 15.005, 15.005 → range 5 g ≤ 7.5 g → pass; more than three readings are accepted
    d = set_point(doc(), "rep_max", readings=[15.0, 15.005, 15.005, 15.0])
    assert evaluate_document(d)["verdict"] == "pass"


def test_uncertainty_from_standard_and_jjf1094_zones() -> None:
    # weights u = 1 g (k = 1) → U = 2 g. At 2.5 kg MPEV = 2.5 g: U/MPEV = 0.8 > 1/3 → JJF 1094 zones:
    # pass if |E| ≤ 0.5 g, fail if |E| ≥ 4.5 g, otherwise undetermined. E = 0 → pass.
    d = doc()
    d["standards"] = [{"standard_uncertainty": 1, "unit": "g", "points": ["changeover_500e"]}]
    r = evaluate_document(d)
    p = point(r, "changeover_500e")
    assert p["expanded_uncertainty"] == pytest.approx(0.002) and p["coverage_factor"] == 2
    assert p["decision"] == "pass" and point(r, "min")["expanded_uncertainty"] == 0
    d = set_point(d, "changeover_500e", readings=[2.5025, 2.5])  # E = 2.5 g: in the undetermined zone
    r = evaluate_document(d)
    assert point(r, "changeover_500e")["decision"] == "undecided"
    assert point(r, "changeover_500e")["reason"] == "in_undetermined_zone"
    assert r["verdict"] == "undecided"
    # the same record with simple acceptance (ILAC G8 w = 0): pass
    d["decision_rule"] = "simple_acceptance"
    assert evaluate_document(d)["verdict"] == "pass"
    # guarded acceptance w = U = 2 g: acceptance limit 0.5 g → fail
    d["decision_rule"] = "guarded_acceptance"
    r = evaluate_document(d)
    assert r["verdict"] == "fail" and r["guard_band_factor"] == 1


def test_units_converted() -> None:
    # readings in g are converted to kg; the result is the same
    d = set_point(doc(), "max", readings=[15005], unit="g")
    r = evaluate_document(d)
    assert point(r, "max")["error"] == pytest.approx(0.005) and r["verdict"] == "pass"
    # instrument parameters with units
    inst = {
        "accuracy_class": "III",
        "max_capacity": {"value": 15000, "unit": "g"},
        "e": {"value": 0.005, "unit": "kg"},
    }
    assert form_document("JJG539-2016", stage="first", instrument=inst)["points"][-1]["nominal"] == 15


@pytest.mark.parametrize(
    ("instrument", "field"),
    [
        ({"accuracy_class": "III", "max_capacity": 1, "e": 5}, "instrument.max_capacity"),  # n = 200 < 500
        ({"accuracy_class": "IIII", "max_capacity": 10, "e": 2}, "instrument.e"),  # e < 5 g for IIII
        (
            {"accuracy_class": "III", "max_capacity": 15.001, "e": 5},
            "instrument.max_capacity",
        ),  # not a multiple
        ({"accuracy_class": "II", "max_capacity": 15, "e": 5}, "instrument.accuracy_class"),
        ({"accuracy_class": "III", "max_capacity": -1, "e": 5}, "instrument.max_capacity"),
        ({"accuracy_class": "III", "e": 5}, "instrument.max_capacity"),
        ({"accuracy_class": "III", "max_capacity": 15, "e": 5, "colour": "red"}, "instrument.colour"),
        (
            {"accuracy_class": "III", "max_capacity": {"value": 15, "unit": "kPa"}, "e": 5},
            "instrument.max_capacity",
        ),
    ],
)
def test_bad_instrument(instrument: dict[str, Any], field: str) -> None:
    with pytest.raises(VerificationInputError) as exc:
        form_document("JJG539-2016", stage="first", instrument=instrument)
    assert field in [e["field"] for e in exc.value.errors]


def test_eccentricity() -> None:
    # R 76-1 3.6.2: (Max + T+)/3 = 5 kg on each of 4 segments (≤ 4 supports); 5 kg = 1000e → MPE ±1.0e = ±5 g
    form = form_document("JJG539-2016", stage="first", instrument=SCALE)
    ecc = next(p for p in form["points"] if p["id"] == "eccentricity")
    assert ecc["nominal"] == 5 and ecc["repeats"] == 4 and ecc["mpe"]["upper"] == pytest.approx(0.005)
    r = evaluate_document(set_point(doc(), "eccentricity", readings=[5.0, 5.005, 4.995, 5.005]))
    assert point(r, "eccentricity")["decision"] == "pass"
    r = evaluate_document(set_point(doc(), "eccentricity", readings=[5.0, 5.005, 4.995, 5.01]))  # +10 g
    assert point(r, "eccentricity")["decision"] == "fail" and r["verdict"] == "fail"
    # T+ = 3 kg → (15 + 3)/3 = 6 kg; 6 supports → (15 + 0)/(6 − 1) = 3 kg on each of 6 supports
    form = form_document("JJG539-2016", stage="first", instrument={**SCALE, "max_additive_tare": 3})
    assert next(p for p in form["points"] if p["id"] == "eccentricity")["nominal"] == 6
    form = form_document("JJG539-2016", stage="first", instrument={**SCALE, "support_points": 6})
    ecc = next(p for p in form["points"] if p["id"] == "eccentricity")
    assert (ecc["nominal"], ecc["repeats"]) == (3, 6)
