"""Reproducible "double random" selection (双随机): inspected entities and their inspectors.

"Double random, one public" (双随机、一公开) supervision draws the inspected entities at random
from the register and the inspectors at random from a pool, and publishes the result. To let
anyone re-run and confirm a draw, this module uses no random-number-generator state at all:
every random number is a hash of the recorded seed and the ids involved, so the draw depends
only on (seed, inputs) and can be recomputed in any language with SHA-256 and a natural log.

Algorithm ``jiliang-double-random``, version ``1``
--------------------------------------------------

1. **Canonical inputs.** Entity ids and inspector ids are non-empty strings, unique within their
   list; both lists are sorted by Unicode code point, so the order in which they are given does
   not matter.
2. **Uniform variate.** ``u(stream, p1, p2, …)``: take the SHA-256 digest of the UTF-8 bytes of
   ``"jiliang-double-random/1" US str(seed) US stream US p1 US p2 …`` (``US`` is the unit
   separator U+001F, ``seed`` written in decimal), read its first 8 bytes as a big-endian
   unsigned integer ``h``, and set ``u = (floor(h / 2**11) + 0.5) / 2**53``, so 0 < u < 1.
3. **Entities** (weighted sampling without replacement, Efraimidis & Spirakis 2006, algorithm
   A-ES in its exponential form): each entity ``e`` with weight ``w_e > 0`` gets the key
   ``−ln(u("entity", e)) / w_e``; the ``k`` entities with the smallest keys are selected (ties,
   practically impossible, are broken by id), in ascending key order. With all weights equal
   this is a uniform random sample of size k. For k = 1 the probability of selecting ``e`` is
   ``w_e / Σw`` exactly.
4. **Inspectors.** For each selected entity in selection order, the eligible inspectors are
   those with no conflict: not of the entity's organisation, and with neither the entity id nor
   its organisation in their conflict list, and (if a cap is set) with fewer assignments than
   the cap so far. They are ranked by ``u("inspector", entity_id, inspector_id)`` ascending and
   the first ``m`` are assigned (``m ≥ 2``: on-site inspection by at least two inspectors). Too
   few eligible inspectors is an error naming the entity.

Every result records the seed, the algorithm name and version, and a SHA-256 digest of the
canonical inputs (``inputs_digest``), so a published draw can be checked with
:func:`verify_selection`. Choosing which entities are in scope (region, campaign type) is the
caller's job: only the candidates passed in can be selected.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

ALGORITHM: Final = "jiliang-double-random"
ALGORITHM_VERSION: Final = "1"
_DOMAIN: Final = f"{ALGORITHM}/{ALGORITHM_VERSION}"
_SEP: Final = "\x1f"
SEED_BITS: Final = 64
MIN_INSPECTORS_PER_ENTITY: Final = 2


class SelectionError(ValueError):
    """Bad input to a selection, or constraints that cannot be met. ``field`` names the input."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class Entity:
    """A candidate for inspection: register id, organisation (for conflicts), risk weight (> 0)."""

    id: str
    organisation: str | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class Inspector:
    """An inspector in the pool: id, own organisation, and ids of entities/organisations in conflict."""

    id: str
    organisation: str | None = None
    conflicts: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Assignment:
    """Inspectors assigned to one selected entity, in rank order."""

    entity_id: str
    inspector_ids: tuple[str, ...]


@dataclass(frozen=True)
class Selection:
    """A reproducible draw: the seed, the algorithm, the inputs' digest and the result."""

    seed: int
    algorithm: str
    algorithm_version: str
    inputs_digest: str
    k: int
    weighted: bool
    entity_ids: tuple[str, ...]
    assignments: tuple[Assignment, ...] = ()
    inspectors_per_entity: int | None = None
    max_entities_per_inspector: int | None = None

    def inspectors_of(self, entity_id: str) -> tuple[str, ...]:
        for a in self.assignments:
            if a.entity_id == entity_id:
                return a.inspector_ids
        raise KeyError(entity_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record of the draw (what to publish and store)."""
        return {
            "algorithm": self.algorithm,
            "algorithm_version": self.algorithm_version,
            "seed": str(self.seed),
            "inputs_digest": self.inputs_digest,
            "k": self.k,
            "weighted": self.weighted,
            "inspectors_per_entity": self.inspectors_per_entity,
            "max_entities_per_inspector": self.max_entities_per_inspector,
            "entity_ids": list(self.entity_ids),
            "assignments": [
                {"entity_id": a.entity_id, "inspector_ids": list(a.inspector_ids)} for a in self.assignments
            ],
        }


def new_seed() -> int:
    """A fresh seed (64 bits from the operating system's CSPRNG). Record it before drawing."""
    return secrets.randbits(SEED_BITS)


def uniform(seed: int, stream: str, *parts: str) -> float:
    """The uniform variate u(stream, parts…) of step 2 of the algorithm, 0 < u < 1."""
    message = _SEP.join((_DOMAIN, str(seed), stream, *parts)).encode("utf-8")
    h = int.from_bytes(hashlib.sha256(message).digest()[:8], "big")
    return ((h >> 11) + 0.5) / 2.0**53


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SelectionError("seed", f"must be an integer, got {seed!r}")
    if not 0 <= seed < 2**SEED_BITS:
        raise SelectionError("seed", f"must be in [0, 2**{SEED_BITS}), got {seed}")
    return seed


def _check_ids(ids: Sequence[str], field_name: str) -> list[str]:
    if all(type(x) is str for x in ids):
        unique = set(ids)
        if len(unique) == len(ids) and "" not in unique:
            return sorted(unique)
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if not isinstance(x, str) or not x:
            raise SelectionError(f"{field_name}[{i}]", f"an id must be a non-empty string, got {x!r}")
        if x in seen:
            raise SelectionError(f"{field_name}[{i}]", f"duplicate id {x!r}")
        seen.add(x)
    return sorted(seen)


def _check_weight(entity_id: str, w: object) -> float:
    if isinstance(w, bool) or not isinstance(w, (int, float)):
        raise SelectionError(f"weights[{entity_id}]", f"must be a number, got {w!r}")
    wf = float(w)
    if not math.isfinite(wf) or wf <= 0:
        raise SelectionError(f"weights[{entity_id}]", f"must be a finite number greater than zero, got {w!r}")
    return wf


def _check_weights(ids: list[str], weights: Mapping[str, float]) -> npt.NDArray[np.float64]:
    """The weights of ``ids`` in order, as floats; every id needs one, each finite and > 0, no others."""
    try:
        values = [weights[e] for e in ids]
    except KeyError:
        missing = next(e for e in ids if e not in weights)
        raise SelectionError(
            f"weights[{missing}]", "missing: every entity needs a weight when weights are given"
        ) from None
    if len(weights) > len(ids):
        extra = sorted(set(weights) - set(ids))
        raise SelectionError(f"weights[{extra[0]}]", "weight given for an id that is not a candidate")
    if set(map(type, values)) <= {int, float}:  # bool is its own type, so it is not let through here
        arr = np.array(values, dtype=np.float64)
        if bool(np.all(np.isfinite(arr) & (arr > 0))):
            return arr
    # something is wrong: find the first offender for the message
    return np.array([_check_weight(e, v) for e, v in zip(ids, values, strict=True)], dtype=np.float64)


def _digest(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _uniform_array(seed: int, stream: str, parts: Sequence[str]) -> npt.NDArray[np.float64]:
    """``uniform(seed, stream, p)`` for every ``p`` of ``parts``, vectorised (same values)."""
    base = hashlib.sha256(_SEP.join((_DOMAIN, str(seed), stream, "")).encode("utf-8"))
    chunks = []
    for p in parts:
        h = base.copy()
        h.update(p.encode("utf-8"))
        chunks.append(h.digest()[:8])
    words = np.frombuffer(b"".join(chunks), dtype=">u8").astype(np.uint64)
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53


def _smallest_entities(seed: int, ids: list[str], weights: npt.NDArray[np.float64] | None, k: int) -> list[str]:
    """The k ids with the smallest keys −ln(u)/w, in ascending (key, id) order (``weights`` aligned with ids)."""
    if k == 0:
        return []
    u = _uniform_array(seed, "entity", ids)
    keys = -np.log(u)
    if weights is not None:
        keys = keys / weights
    if k < len(ids):
        kth = np.partition(keys, k - 1)[k - 1]
        candidates = np.flatnonzero(keys <= kth)
    else:
        candidates = np.arange(len(ids))
    ranked = sorted((float(keys[i]), ids[i]) for i in candidates)
    return [e for _, e in ranked[:k]]


def select_entities(
    entity_ids: Sequence[str],
    k: int,
    *,
    seed: int,
    weights: Mapping[str, float] | None = None,
) -> Selection:
    """Select ``k`` of ``entity_ids`` (steps 1–3 of the algorithm), optionally risk-weighted.

    ``weights`` (if given) must hold a positive weight for every id. Same seed and same inputs
    always give the same result, whatever the order of ``entity_ids``.
    """
    seed = _check_seed(seed)
    ids = _check_ids(entity_ids, "entity_ids")
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise SelectionError("k", f"must be a whole number ≥ 0, got {k!r}")
    if k > len(ids):
        raise SelectionError("k", f"cannot select {k} of {len(ids)} entities")
    weighted = weights is not None
    w = _check_weights(ids, weights) if weights is not None else None
    # canonical JSON of the inputs; tuples serialise as JSON arrays, so the bytes equal those of
    # [[id, repr(weight)], ...] while the C encoder does the work
    entities: Any = list(zip(ids, map(repr, w.tolist()), strict=True)) if w is not None else ids
    payload = {"algorithm": _DOMAIN, "k": k, "entities": entities}
    chosen = _smallest_entities(seed, ids, w, k)
    return Selection(
        seed=seed,
        algorithm=ALGORITHM,
        algorithm_version=ALGORITHM_VERSION,
        inputs_digest=_digest(payload),
        k=k,
        weighted=weighted,
        entity_ids=tuple(chosen),
    )


def _in_conflict(inspector: Inspector, entity: Entity) -> bool:
    if entity.organisation is not None and inspector.organisation == entity.organisation:
        return True
    if entity.id in inspector.conflicts:
        return True
    return entity.organisation is not None and entity.organisation in inspector.conflicts


def double_random_selection(
    entities: Sequence[Entity],
    inspectors: Sequence[Inspector],
    k: int,
    *,
    seed: int,
    inspectors_per_entity: int = MIN_INSPECTORS_PER_ENTITY,
    max_entities_per_inspector: int | None = None,
    weighted: bool | None = None,
) -> Selection:
    """Select ``k`` entities and assign ``inspectors_per_entity`` (≥ 2) inspectors to each (steps 1–4).

    Entity weights are used when ``weighted`` is true, or (``weighted=None``) when any weight
    differs from 1. Raises :class:`SelectionError` when the inputs are bad or the conflict and
    workload constraints leave too few eligible inspectors for an entity.
    """
    seed = _check_seed(seed)
    by_id: dict[str, Entity] = {}
    for i, ent in enumerate(entities):
        if not isinstance(ent, Entity):
            raise SelectionError(f"entities[{i}]", f"expected an Entity, got {type(ent).__name__}")
        if ent.id in by_id:
            raise SelectionError(f"entities[{i}]", f"duplicate id {ent.id!r}")
        by_id[ent.id] = ent
    pool: dict[str, Inspector] = {}
    for i, insp in enumerate(inspectors):
        if not isinstance(insp, Inspector):
            raise SelectionError(f"inspectors[{i}]", f"expected an Inspector, got {type(insp).__name__}")
        if not isinstance(insp.id, str) or not insp.id:
            raise SelectionError(f"inspectors[{i}]", f"an id must be a non-empty string, got {insp.id!r}")
        if insp.id in pool:
            raise SelectionError(f"inspectors[{i}]", f"duplicate id {insp.id!r}")
        pool[insp.id] = insp
    if isinstance(inspectors_per_entity, bool) or not isinstance(inspectors_per_entity, int):
        raise SelectionError(
            "inspectors_per_entity", f"must be a whole number, got {inspectors_per_entity!r}"
        )
    if inspectors_per_entity < MIN_INSPECTORS_PER_ENTITY:
        raise SelectionError(
            "inspectors_per_entity",
            f"at least {MIN_INSPECTORS_PER_ENTITY} inspectors per entity are required, got {inspectors_per_entity}",
        )
    if max_entities_per_inspector is not None and (
        isinstance(max_entities_per_inspector, bool)
        or not isinstance(max_entities_per_inspector, int)
        or max_entities_per_inspector < 1
    ):
        raise SelectionError(
            "max_entities_per_inspector", f"must be a whole number ≥ 1, got {max_entities_per_inspector!r}"
        )

    if weighted is None:
        weighted = any(e.weight != 1 for e in by_id.values())
    weights = {e.id: e.weight for e in by_id.values()} if weighted else None
    chosen = select_entities(list(by_id), k, seed=seed, weights=weights)

    inspector_ids = sorted(pool)
    load = dict.fromkeys(inspector_ids, 0)
    assignments = []
    for eid in chosen.entity_ids:
        entity = by_id[eid]
        eligible = [
            pool[i]
            for i in inspector_ids
            if not _in_conflict(pool[i], entity)
            and (max_entities_per_inspector is None or load[i] < max_entities_per_inspector)
        ]
        if len(eligible) < inspectors_per_entity:
            raise SelectionError(
                "inspectors",
                f"entity {eid!r}: only {len(eligible)} eligible inspector(s) without conflict"
                + (" and under the workload cap" if max_entities_per_inspector is not None else "")
                + f", {inspectors_per_entity} required",
            )
        ranked = sorted(eligible, key=lambda insp: (uniform(seed, "inspector", eid, insp.id), insp.id))
        picked = tuple(insp.id for insp in ranked[:inspectors_per_entity])
        for inspector_id in picked:
            load[inspector_id] += 1
        assignments.append(Assignment(entity_id=eid, inspector_ids=picked))

    payload = {
        "algorithm": _DOMAIN,
        "k": k,
        "weighted": weighted,
        "entities": [
            [e, by_id[e].organisation, repr(float(by_id[e].weight)) if weighted else None]
            for e in sorted(by_id)
        ],
        "inspectors": [[i, pool[i].organisation, sorted(pool[i].conflicts)] for i in inspector_ids],
        "inspectors_per_entity": inspectors_per_entity,
        "max_entities_per_inspector": max_entities_per_inspector,
    }
    return Selection(
        seed=seed,
        algorithm=ALGORITHM,
        algorithm_version=ALGORITHM_VERSION,
        inputs_digest=_digest(payload),
        k=k,
        weighted=weighted,
        entity_ids=chosen.entity_ids,
        assignments=tuple(assignments),
        inspectors_per_entity=inspectors_per_entity,
        max_entities_per_inspector=max_entities_per_inspector,
    )


def verify_selection(
    selection: Selection,
    entities: Sequence[Entity],
    inspectors: Sequence[Inspector],
) -> bool:
    """Re-run a recorded double-random draw on the given inputs; True if it reproduces exactly.

    False when the algorithm version differs, the inputs differ from those recorded (digest), or
    the result differs.
    """
    if selection.algorithm != ALGORITHM or selection.algorithm_version != ALGORITHM_VERSION:
        return False
    if selection.inspectors_per_entity is None:
        raise SelectionError("selection", "not a double-random draw (no inspector assignment recorded)")
    rerun = double_random_selection(
        entities,
        inspectors,
        selection.k,
        seed=selection.seed,
        inspectors_per_entity=selection.inspectors_per_entity,
        max_entities_per_inspector=selection.max_entities_per_inspector,
        weighted=selection.weighted,
    )
    return rerun == selection
