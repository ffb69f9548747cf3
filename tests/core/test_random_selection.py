"""Issue 7: "double random" selection — reproducible from its seed, documented algorithm, constraints,
distribution sanity."""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter

import pytest

from jiliang.core import random_selection as rs
from jiliang.core.random_selection import Entity, Inspector, SelectionError


def _entities(n: int, orgs: int = 10) -> list[Entity]:
    return [Entity(f"E{i:04d}", organisation=f"ORG{i % orgs}") for i in range(n)]


def _inspectors(n: int, orgs: int = 10) -> list[Inspector]:
    return [Inspector(f"I{j:02d}", organisation=f"ORG{j % orgs}") for j in range(n)]


def test_uniform_follows_the_documented_recipe() -> None:
    # step 2 of the algorithm, recomputed independently from the docstring
    message = "\x1f".join(["jiliang-double-random/1", "42", "entity", "E0001"]).encode()
    h = int.from_bytes(hashlib.sha256(message).digest()[:8], "big")
    assert rs.uniform(42, "entity", "E0001") == ((h >> 11) + 0.5) / 2**53
    assert 0 < rs.uniform(0, "x") < 1


def test_selection_follows_the_documented_recipe() -> None:
    ids = [f"E{i}" for i in range(50)]
    weights = {e: 1.0 + (i % 4) for i, e in enumerate(ids)}
    keys = sorted((-math.log(rs.uniform(7, "entity", e)) / weights[e], e) for e in ids)
    expected = tuple(e for _, e in keys[:6])
    assert rs.select_entities(ids, 6, seed=7, weights=weights).entity_ids == expected


def test_same_seed_same_result_any_input_order() -> None:
    ents, insps = _entities(200), _inspectors(12)
    a = rs.double_random_selection(ents, insps, 15, seed=2026)
    shuffled_e, shuffled_i = list(ents), list(insps)
    random.Random(1).shuffle(shuffled_e)
    random.Random(2).shuffle(shuffled_i)
    b = rs.double_random_selection(shuffled_e, shuffled_i, 15, seed=2026)
    assert a == b
    assert a.to_dict() == b.to_dict()
    assert a.seed == 2026 and a.algorithm == "jiliang-double-random" and a.algorithm_version == "1"
    assert rs.verify_selection(a, shuffled_e, shuffled_i)


def test_different_seed_different_result() -> None:
    ents, insps = _entities(200), _inspectors(12)
    draws = {rs.double_random_selection(ents, insps, 15, seed=s).entity_ids for s in range(20)}
    assert len(draws) == 20


def test_verify_detects_changed_inputs_or_result() -> None:
    ents, insps = _entities(50), _inspectors(8)
    sel = rs.double_random_selection(ents, insps, 5, seed=99)
    assert rs.verify_selection(sel, ents, insps)
    assert not rs.verify_selection(sel, ents[:-1], insps)  # an entity removed from the register
    assert not rs.verify_selection(sel, ents, [*insps, Inspector("I99", organisation="X")])
    forged = rs.Selection(**{**sel.__dict__, "entity_ids": tuple(reversed(sel.entity_ids))})
    assert not rs.verify_selection(forged, ents, insps)


def test_inputs_digest_changes_with_inputs() -> None:
    ents, insps = _entities(30), _inspectors(6)
    d1 = rs.double_random_selection(ents, insps, 3, seed=1).inputs_digest
    d2 = rs.double_random_selection(ents[:-1], insps, 3, seed=1).inputs_digest
    d3 = rs.double_random_selection(ents, insps, 3, seed=2).inputs_digest
    assert d1 != d2
    assert d1 == d3  # the seed is recorded separately


def test_selected_entities_only_from_candidates_and_unique() -> None:
    ents = _entities(100)
    sel = rs.double_random_selection(ents, _inspectors(10), 30, seed=5)
    assert len(set(sel.entity_ids)) == 30
    assert set(sel.entity_ids) <= {e.id for e in ents}


def test_constraints_conflicts_and_two_inspectors() -> None:
    ents = _entities(60, orgs=6)
    insps = _inspectors(12, orgs=6)
    insps[0] = Inspector("I00", organisation="ORG0", conflicts=frozenset({"E0001", "ORG2"}))
    sel = rs.double_random_selection(ents, insps, 60, seed=11, inspectors_per_entity=3)
    by_id_e = {e.id: e for e in ents}
    by_id_i = {i.id: i for i in insps}
    for a in sel.assignments:
        assert len(a.inspector_ids) == 3 == len(set(a.inspector_ids))
        ent = by_id_e[a.entity_id]
        for iid in a.inspector_ids:
            insp = by_id_i[iid]
            assert insp.organisation != ent.organisation
            assert ent.id not in insp.conflicts and ent.organisation not in insp.conflicts
    assert "I00" not in sel.inspectors_of("E0001")
    assert all(
        "I00" not in a.inspector_ids for a in sel.assignments if by_id_e[a.entity_id].organisation == "ORG2"
    )


def test_workload_cap() -> None:
    ents, insps = _entities(20), _inspectors(10)
    sel = rs.double_random_selection(ents, insps, 20, seed=3, max_entities_per_inspector=4)
    load = Counter(i for a in sel.assignments for i in a.inspector_ids)
    assert max(load.values()) <= 4
    assert sum(load.values()) == 40


def test_too_few_eligible_inspectors_is_an_error_naming_the_entity() -> None:
    ents = [Entity("SHOP1", organisation="A")]
    insps = [Inspector("I1", organisation="A"), Inspector("I2", organisation="B")]
    with pytest.raises(SelectionError) as info:
        rs.double_random_selection(ents, insps, 1, seed=1)
    assert info.value.field == "inspectors" and "SHOP1" in info.value.reason


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"inspectors_per_entity": 1}, "inspectors_per_entity"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**64}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"k": 11}, "k"),
        ({"k": -1}, "k"),
        ({"max_entities_per_inspector": 0}, "max_entities_per_inspector"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"k": 3, "seed": 1}
    args.update(kwargs)
    with pytest.raises(SelectionError) as info:
        rs.double_random_selection(_entities(10), _inspectors(5), **args)
    assert info.value.field == field


def test_bad_ids_and_weights() -> None:
    with pytest.raises(SelectionError) as info:
        rs.select_entities(["A", "B", "A"], 1, seed=1)
    assert info.value.field == "entity_ids[2]"
    with pytest.raises(SelectionError) as info:
        rs.select_entities(["A", ""], 1, seed=1)
    assert info.value.field == "entity_ids[1]"
    with pytest.raises(SelectionError) as info:
        rs.select_entities(["A", "B"], 1, seed=1, weights={"A": 1.0})
    assert info.value.field == "weights[B]"
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(SelectionError) as info:
            rs.select_entities(["A", "B"], 1, seed=1, weights={"A": 1.0, "B": bad})
        assert info.value.field == "weights[B]"
    with pytest.raises(SelectionError) as info:
        rs.select_entities(["A", "B"], 1, seed=1, weights={"A": 1.0, "B": 1.0, "C": 1.0})
    assert info.value.field == "weights[C]"
    with pytest.raises(SelectionError):
        rs.double_random_selection([_entities(1)[0], _entities(1)[0]], _inspectors(4), 1, seed=1)


def test_new_seed_is_recorded_and_reusable() -> None:
    seed = rs.new_seed()
    assert 0 <= seed < 2**64
    a = rs.select_entities([f"E{i}" for i in range(40)], 4, seed=seed)
    assert a.seed == seed
    assert rs.select_entities([f"E{i}" for i in reversed(range(40))], 4, seed=a.seed) == a
    assert a.to_dict()["seed"] == str(seed)


def test_unweighted_inclusion_is_uniform() -> None:
    ids = [f"E{i}" for i in range(10)]
    counts: Counter[str] = Counter()
    trials = 2000
    for seed in range(trials):
        counts.update(rs.select_entities(ids, 3, seed=seed).entity_ids)
    # each id is included with probability 3/10; sd of the frequency ≈ 0.0102
    for e in ids:
        assert abs(counts[e] / trials - 0.3) < 0.05


def test_weighted_k1_selection_probability_is_proportional_to_weight() -> None:
    weights = {"low": 1.0, "mid": 2.0, "high": 7.0}
    counts: Counter[str] = Counter()
    trials = 3000
    for seed in range(trials):
        (chosen,) = rs.select_entities(list(weights), 1, seed=seed, weights=weights).entity_ids
        counts[chosen] += 1
    for e, w in weights.items():
        p = w / 10
        assert abs(counts[e] / trials - p) < 5 * math.sqrt(p * (1 - p) / trials)


def test_risk_weights_favour_high_risk_entities() -> None:
    ents = [Entity(f"E{i:03d}", weight=5.0 if i < 20 else 1.0) for i in range(100)]
    hits = Counter[str]()
    for seed in range(300):
        hits.update(rs.double_random_selection(ents, _inspectors(4, orgs=4), 10, seed=seed).entity_ids)
    high = sum(hits[f"E{i:03d}"] for i in range(20)) / 20
    low = sum(hits[f"E{i:03d}"] for i in range(20, 100)) / 80
    assert high > 2.5 * low
    assert rs.double_random_selection(ents, _inspectors(4, orgs=4), 10, seed=1).weighted


def test_inspector_assignment_is_spread() -> None:
    ents = [Entity(f"E{i}") for i in range(30)]
    insps = [Inspector(f"I{j}") for j in range(6)]
    counts: Counter[str] = Counter()
    for seed in range(200):
        sel = rs.double_random_selection(ents, insps, 5, seed=seed)
        counts.update(i for a in sel.assignments for i in a.inspector_ids)
    total = sum(counts.values())
    assert total == 200 * 5 * 2
    for j in range(6):
        assert abs(counts[f"I{j}"] / total - 1 / 6) < 0.03
