"""Schema and provenance checks of the packaged catalogue and region data (json + pathlib only)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "src" / "jiliang" / "instruments" / "data" / "catalogue-samr-2020-42.json"
REGIONS = ROOT / "src" / "jiliang" / "platform" / "data" / "regions-provinces.json"
SHARED = Path(os.environ["JILIANG_SHARED"]) if os.environ.get("JILIANG_SHARED") else ROOT / ".." / "shared"

ITEM_FIELDS = {
    "code",
    "name_l1",
    "name_l2",
    "name_en",
    "regulation_mode",
    "mandatory_verification",
    "verification_form",
    "period_months",
    "service_life_months",
    "uses",
    "usage_scope",
    "jjg_refs",
    "source",
    "source_status",
    "confidence",
    "period_source",
    "period_source_status",
    "effective_from",
    "effective_from_source",
    "effective_from_source_status",
    "notes",
}
MODES = {"P", "PV", "V", None}
FORMS = {"periodic", "first_only_scrap", "first_only_fixed_life", "none", None}
USES = {"trade_settlement", "safety_protection", "medical_health", "environmental_monitoring"}
TAGS = ("[O]", "[L]", "[S]")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return _load(CATALOGUE)


@pytest.fixture(scope="module")
def items(catalogue: dict) -> list[dict]:
    return catalogue["items"]


def test_header(catalogue: dict) -> None:
    for key in (
        "schema_version",
        "version",
        "title",
        "announcement",
        "source",
        "conventions",
        "completeness",
        "items",
    ):
        assert key in catalogue, key
    assert catalogue["version"] == "SAMR-2020-42"
    assert "OURS" in catalogue["conventions"]["code"]  # the ordinals are ours, and the file says so
    assert 25 <= len(catalogue["items"]) <= 62


def test_every_field_present_and_typed(items: list[dict]) -> None:
    for it in items:
        assert set(it) == ITEM_FIELDS, (it["code"], set(it) ^ ITEM_FIELDS)
        assert isinstance(it["name_l1"], str) and it["name_l1"]
        assert it["name_l2"] is None or (isinstance(it["name_l2"], str) and it["name_l2"])
        assert isinstance(it["name_en"], str) and it["name_en"]
        assert isinstance(it["uses"], list) and isinstance(it["jjg_refs"], list)
        assert all(ref.startswith("JJG ") for ref in it["jjg_refs"]), it["code"]
        assert it["mandatory_verification"] in (True, None), it["code"]
        assert isinstance(it["source"], str) and isinstance(it["confidence"], str) and it["confidence"]


def test_enums(items: list[dict]) -> None:
    for it in items:
        assert it["regulation_mode"] in MODES, it["code"]
        assert it["verification_form"] in FORMS, it["code"]
        assert set(it["uses"]) <= USES, it["code"]
        assert len(set(it["uses"])) == len(it["uses"]), it["code"]
        assert it["source_status"] in {"verified", "unverified"}, it["code"]
        assert it["period_source_status"] in {"verified", "unverified", "unknown"}, it["code"]
        assert it["effective_from_source_status"] in {"verified", "unverified", None}, it["code"]


def test_codes_unique_and_structured(items: list[dict]) -> None:
    codes = [it["code"] for it in items]
    assert len(codes) == len(set(codes))
    l1_names: dict[str, str] = {}
    for it in items:
        code = it["code"]
        assert len(code) == 4 and code.isdigit() and code[:2] != "00" and code[2:] != "00", code
        assert l1_names.setdefault(code[:2], it["name_l1"]) == it["name_l1"], code
    # one first-level ordinal per first-level name
    assert len(set(l1_names.values())) == len(l1_names)


def test_periods_have_sources_and_are_never_invented(items: list[dict]) -> None:
    for it in items:
        period, life = it["period_months"], it["service_life_months"]
        has_number = period is not None or life is not None
        for value in (period, life):
            assert value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0), (
                it["code"]
            )
        if has_number:
            assert it["period_source"] and any(tag in it["period_source"] for tag in TAGS), it["code"]
            assert it["period_source_status"] in {"verified", "unverified"}, it["code"]
        else:
            assert it["period_source"] is None, it["code"]
            assert it["period_source_status"] == "unknown", it["code"]
        form = it["verification_form"]
        if form == "periodic":
            assert life is None, it["code"]
        elif form == "first_only_fixed_life":
            assert period is None, it["code"]
        else:
            assert period is None and life is None, it["code"]  # no numbers without a form that uses them


def test_verified_only_with_official_source(catalogue: dict, items: list[dict]) -> None:
    for it in items:
        assert any(tag in it["source"] for tag in TAGS), it["code"]
        if it["source_status"] == "verified":
            assert "[O]" in it["source"], it["code"]
        if it["period_source_status"] == "verified":
            assert "[O]" in it["period_source"], it["code"]
        if it["effective_from"] is not None:
            assert it["effective_from_source_status"] in {"verified", "unverified"}, it["code"]
            if it["effective_from_source_status"] == "verified":
                assert "[O]" in it["effective_from_source"], it["code"]
        else:
            assert it["effective_from_source"] is None and it["effective_from_source_status"] is None
    for rule in catalogue["rules"]:
        if rule["source_status"] == "verified":
            assert "[O]" in rule["source"], rule["id"]


def test_water_meter_split(items: list[dict]) -> None:
    water = [it for it in items if it["name_l1"] == "水表"]
    rules = sorted((it["verification_form"], it["period_months"], it["service_life_months"]) for it in water)
    assert rules == [
        ("first_only_fixed_life", None, 48),
        ("first_only_fixed_life", None, 72),
        ("periodic", 24, None),
    ]


def _cited_hosts(text: str) -> list[str]:
    tokens = text
    for sep in ";,()'\"":
        tokens = tokens.replace(sep, " ")
    hosts = []
    for token in tokens.split():
        token = token.removeprefix("https://").removeprefix("http://").rstrip(".:")
        host = token.split("/")[0]
        if "." in host and any(host.endswith(tld) for tld in (".com", ".cn", ".net", ".org", ".life")):
            hosts.append(host)
    return hosts


def test_every_cited_site_comes_from_the_research(catalogue: dict, items: list[dict]) -> None:
    research = "\n".join(
        (SHARED / "research" / name).read_text(encoding="utf-8")
        for name in ("mandatory-verification-catalogue.md", "legal-metrology-cn.md")
    )
    texts = [catalogue["source"]] + [r["source"] for r in catalogue["rules"]]
    for it in items:
        texts += [it["source"], it["period_source"] or "", it["effective_from_source"] or "", it["notes"]]
    hosts = {h for t in texts for h in _cited_hosts(t)}
    assert len(hosts) > 20
    missing = sorted(h for h in hosts if h.removeprefix("www.") not in research)
    assert not missing, missing


def test_regions_file() -> None:
    data = _load(REGIONS)
    assert data["source"].startswith("GB/T 2260")
    assert data["source_status"] == "unverified"
    regions = data["regions"]
    assert len(regions) == 34
    codes = [r["code"] for r in regions]
    assert len(set(codes)) == 34
    for r in regions:
        assert set(r) == {"code", "name_zh", "name_en", "kind", "level"}
        assert len(r["code"]) == 6 and r["code"].isdigit() and r["code"].endswith("0000")
        assert r["level"] == "province"
        assert r["kind"] in {"province", "municipality", "autonomous_region", "special_administrative_region"}
        assert r["name_zh"] and r["name_en"]
    kinds = [r["kind"] for r in regions]
    assert (kinds.count("municipality"), kinds.count("autonomous_region")) == (4, 5)
    assert (kinds.count("special_administrative_region"), kinds.count("province")) == (2, 23)
