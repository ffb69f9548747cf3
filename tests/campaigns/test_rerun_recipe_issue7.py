"""Issue 7 part 2: a published draw re-runs with nothing but SHA-256 and a logarithm.

This re-implements the documented recipe (jiliang.core.random_selection, algorithm jiliang-double-random v1)
from its description alone — no import of the module — and checks it against a campaign's stored draw: the
selected entities in order and the inspectors of each. It is what a member of the public would write.
"""

from __future__ import annotations

import hashlib
import math

from tests.campaigns.helpers_issue7 import plan, pool, principal


def _u(seed: int, stream: str, *parts: str) -> float:
    msg = "\x1f".join(("jiliang-double-random/1", str(seed), stream, *parts)).encode("utf-8")
    h = int.from_bytes(hashlib.sha256(msg).digest()[:8], "big")
    return ((h >> 11) + 0.5) / 2.0**53


def _rerun(seed: int, k: int, entities: list[dict], inspectors: list[dict], m: int, weighted: bool) -> list:  # type: ignore[type-arg]
    keys = []
    for e in sorted(entities, key=lambda e: e["id"]):
        w = e["weight"] if weighted else 1.0
        keys.append((-math.log(_u(seed, "entity", e["id"])) / w, e["id"]))
    chosen = [eid for _, eid in sorted(keys)[:k]]
    org_of = {e["id"]: e["organisation"] for e in entities}
    out = []
    for eid in chosen:
        org = org_of[eid]
        eligible = [
            i["id"]
            for i in sorted(inspectors, key=lambda i: i["id"])
            if not (org is not None and i["organisation"] == org)
            and eid not in i["conflicts"]
            and not (org is not None and org in i["conflicts"])
        ]
        ranked = sorted(eligible, key=lambda iid: (_u(seed, "inspector", eid, iid), iid))
        out.append({"entity_id": eid, "inspector_ids": ranked[:m]})
    return out


def test_the_published_draw_re_runs_from_the_recipe(demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service

    pool("330100", 3)
    for seed, weighted in ((2**64 - 1, False), (31337, True)):
        kw = {"risk_weighted": True} if weighted else {}
        c = plan(sample_size=None, sample_fraction=0.3, **kw)
        drawn = service.select_entities(
            principal=principal("regulator_hz"),
            campaign_id=c.id,
            seed=seed,
            risk_weights=(lambda s, ids: {i: 1.0 + (i % 5) for i in ids}) if weighted else None,
        )
        sel = drawn.selection
        assert sel["seed"] == str(seed) and sel["weighted"] is weighted
        mine = _rerun(seed, sel["k"], drawn.candidates, drawn.pool, sel["inspectors_per_entity"], weighted)
        assert mine == sel["assignments"]
        assert [a["entity_id"] for a in mine] == sel["entity_ids"]
