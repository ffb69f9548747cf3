"""Procedures as data: loading, lookup, catalogue mapping and provenance of every rule."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from jiliang.core.verification import (
    STAGES,
    UnknownProcedureError,
    VerificationInputError,
    get_procedure,
    list_procedures,
    procedure_for_catalogue,
)

REPO = Path(__file__).resolve().parents[3]
CATALOGUE = REPO / "src" / "jiliang" / "instruments" / "data" / "catalogue-samr-2020-42.json"


def _rules(value: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(value, dict):
        if "source_status" in value:
            found.append(value)
        for k, v in value.items():
            if k != "sources":
                found.extend(_rules(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_rules(v))
    return found


def test_at_least_six_instrument_types_with_three_stages() -> None:
    procs = list_procedures()
    codes = {p.code for p in procs}
    assert {"JJG539-2016", "JJG443-2023", "JJG162-2019", "JJG52-2013", "JJG517-2016", "JJG596-2012"} <= codes
    assert "JJG692-2010" in codes and "JJG270-2008" in codes
    for p in procs:
        assert set(p.mpe) == set(STAGES)
        assert p.regulation.designation.startswith(p.regulation.number)
        assert str(p.regulation.year) in p.code


@pytest.mark.parametrize("code", ["JJG539-2016", "JJG 539-2016", "jjg539", "JJG539"])
def test_get_procedure_tolerates_spelling(code: str) -> None:
    assert get_procedure(code).code == "JJG539-2016"


def test_unknown_procedure() -> None:
    with pytest.raises(UnknownProcedureError) as exc:
        get_procedure("JJG 999-2099")
    assert isinstance(exc.value, VerificationInputError) and isinstance(exc.value, ValueError)
    assert exc.value.errors[0]["field"] == "procedure"


def test_catalogue_codes_exist_and_name_the_regulation() -> None:
    items = {i["code"]: i for i in json.loads(CATALOGUE.read_text(encoding="utf-8"))["items"]}
    for p in list_procedures():
        assert p.catalogue_codes
        for code in p.catalogue_codes:
            assert code in items, code
            refs = " ".join(items[code]["jjg_refs"])
            assert p.regulation.number in refs, (code, refs)
            assert procedure_for_catalogue(code) is p
    assert procedure_for_catalogue("0101") is None  # clinical thermometers: not encoded
    assert procedure_for_catalogue("nope") is None


def test_every_rule_has_clause_and_status_and_verified_ones_are_sourced() -> None:
    for p in list_procedures():
        d = p.to_dict()
        assert d["source_status"] == p.source_status
        for rule in _rules({k: v for k, v in d.items() if k != "source_status"}):
            assert rule["source_status"] in ("verified", "unverified", "unavailable"), rule
            assert "clause" in rule, rule
            if rule["source_status"] == "verified":
                # never promoted: only what the research marks "sourced" from the regulation itself
                assert rule["research_status"].startswith("sourced"), rule
                assert "old ed" not in rule["research_status"], rule
                assert rule["sources"] and all(s in d["sources"] for s in rule["sources"]), rule
            for s in rule.get("sources", []):
                assert s in d["sources"], (p.code, s)


def test_corroborated_limits_are_not_verified() -> None:
    """The scale bands, the dispenser ±0.30 % and the BP limits are corroborated/old-edition facts."""
    for code in ("JJG539-2016", "JJG443-2023", "JJG162-2019", "JJG52-2013", "JJG517-2016", "JJG692-2010"):
        for stage, rule in get_procedure(code).mpe.items():
            assert rule.source_status != "verified", (code, stage)
    # the JJG 596 class 1/2 table and the JJG 270 mercury zero are read in reproductions of the text
    rows = get_procedure("JJG596-2012").to_dict()["mpe"]["first"]["rows"]
    assert {
        r["source_status"] for r in rows if set(r["classes"]) <= {"1", "2"} and len(r["classes"]) == 2
    } == {"verified"}
    assert {r["source_status"] for r in rows if "0.2S" in r["classes"]} == {"unverified"}
    zero = get_procedure("JJG270-2008").to_dict()["mpe"]["first"]["zero_rule"]
    assert zero["source_status"] == "verified" and "3.1.1" in zero["clause"]


def test_unavailable_rules_say_so() -> None:
    for code in ("JJG52-2013", "JJG270-2008", "JJG596-2012"):
        rule = get_procedure(code).mpe["in_service"]
        assert rule.type == "unavailable" and rule.source_status == "unavailable"
        assert "not available" in rule.note


def test_numbers_match_the_research_note() -> None:
    """Spot-check the encoded limits against shared/research/verification-regulations.md."""
    import os

    shared = Path(os.environ.get("JILIANG_SHARED", REPO / ".." / "shared"))
    text = (shared / "research" / "verification-regulations.md").read_text(encoding="utf-8")
    assert "±0.5e" in text and "±1.0e" in text and "±1.5e" in text
    assert "**±0.30 %**" in text and "≤ 0.10 %" in text
    assert "−4.0 % … +1.0 %" in text
    assert re.search(r"±0\.4 kPa \(±3 mmHg\)", text) and re.search(r"±0\.5 kPa \(±4 mmHg\)", text)
    assert "−0.2 kPa … +0.5 kPa (−1.5 … +3.75 mmHg)" in text
    d = get_procedure("JJG539-2016").to_dict()["mpe"]
    assert d["first"]["bands"]["III"] == [[500, 0.5], [2000, 1.0], [10000, 1.5]]
    assert d["first"]["bands"]["IIII"] == [[50, 0.5], [200, 1.0], [1000, 1.5]]
    assert d["in_service"]["factor"] == 2 and d["subsequent"]["factor"] == 1
    assert get_procedure("JJG443-2023").to_dict()["mpe"]["first"]["value"] == 0.30
    taxi = get_procedure("JJG517-2016").to_dict()["mpe"]["first"]
    assert (taxi["lower"], taxi["upper"]) == (-4.0, 1.0)
    bp = get_procedure("JJG692-2010").to_dict()["mpe"]
    assert bp["first"]["values"] == {"kPa": 0.4, "mmHg": 3} and bp["subsequent"]["values"] == {
        "kPa": 0.5,
        "mmHg": 4,
    }
    water = get_procedure("JJG162-2019").to_dict()["mpe"]
    assert water["first"]["classes"]["2"] == {"lower": 5, "upper_cold": 2, "upper_warm": 3}
    assert water["first"]["classes"]["1"] == {"lower": 3, "upper_cold": 1, "upper_warm": 2}
    gauge = get_procedure("JJG52-2013").to_dict()["mpe"]["first"]["classes"]
    assert gauge["1.6"] == {"rest": 1.6, "upper_zone": 2.5} and gauge["4.0"] == {
        "rest": 4.0,
        "upper_zone": 4.0,
    }


def test_to_dict_is_json_and_independent() -> None:
    p = get_procedure("JJG539-2016")
    d = p.to_dict()
    json.dumps(d, ensure_ascii=False)
    d["mpe"]["first"]["bands"]["III"][0][1] = 99
    assert p.to_dict()["mpe"]["first"]["bands"]["III"][0][1] == 0.5
    assert d["status_counts"]["verified"] >= 1
