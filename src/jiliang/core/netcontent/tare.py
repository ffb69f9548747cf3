"""Tare (皮重) handling and volume from mass and density.

Actual content = gross − tare, either with the tare of each sample package weighed
individually (逐个除皮) or with an average tare from a tare sample (OIML R 87 Annex B
"average tare"; JJF 1070 "除去皮重的方法"). The decision thresholds between the two methods
("s_tare ≤ 0.25 T", "average tare ≤ 10 % of Qn") are unverified ([U], research report §1.6)
and are **not** applied here: the caller chooses the method, and the tare sample's mean and
standard deviation are reported so an inspector can judge.

Volume by the gravimetric method: V₂₀ = (m_gross − m_tare) / ρ₂₀ (research report §1.7, [U]),
with ρ₂₀ the product density at 20 °C.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

from jiliang.core.netcontent._numbers import (
    PRECISION,
    Number,
    as_decimal,
    mean,
    sample_standard_deviation,
)
from jiliang.core.netcontent.errors import NetContentInputError

TareMethod = Literal["individual", "average"]


@dataclass(frozen=True)
class TareSummary:
    """How the tare was taken off.

    ``values`` are the tare weighings (the individual tares, or the tare sample); empty when
    only an average tare was supplied. ``average`` and ``standard_deviation`` describe the
    weighings (``standard_deviation`` is ``None`` with fewer than two).
    """

    method: TareMethod
    values: tuple[Decimal, ...]
    average: Decimal | None
    standard_deviation: Decimal | None

    @property
    def sample_size(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class NetFromGross:
    """Net contents of the sample packages (same unit as the gross readings) and the tare used."""

    net: tuple[Decimal, ...]
    gross: tuple[Decimal, ...]
    tare: TareSummary


def _readings(values: Sequence[Number], field: str) -> tuple[Decimal, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise NetContentInputError(field, "expected a list of numbers")
    if len(values) == 0:
        raise NetContentInputError(field, "must not be empty")
    out = []
    for i, v in enumerate(values):
        d = as_decimal(v, f"{field}[{i}]")
        if d < 0:
            raise NetContentInputError(f"{field}[{i}]", f"a reading cannot be negative, got {d}")
        out.append(d)
    return tuple(out)


def average_tare(tare_sample: Sequence[Number]) -> TareSummary:
    """Average tare from a tare sample (OIML R 87 Annex B)."""
    values = _readings(tare_sample, "tare")
    sd = sample_standard_deviation(values) if len(values) >= 2 else None
    return TareSummary(method="average", values=values, average=mean(values), standard_deviation=sd)


def net_from_gross(
    gross: Sequence[Number],
    tare: Sequence[Number] | Number,
    *,
    method: TareMethod | None = None,
) -> NetFromGross:
    """Net contents q_i = gross_i − tare.

    ``tare`` is either one number (an average tare already determined), or a list. A list as long
    as ``gross`` is taken as the individual tares of the same packages, in order, unless
    ``method="average"``; a list of another length is a tare sample whose mean is used
    (``method="individual"`` then is an error). A tare heavier than its gross reading is an error.
    """
    gross_values = _readings(gross, "gross")
    if method not in (None, "individual", "average"):
        raise NetContentInputError("tare_method", f"must be 'individual' or 'average', got {method!r}")

    if isinstance(tare, (list, tuple)):
        if method is None:
            method = "individual" if len(tare) == len(gross_values) else "average"
        if method == "individual":
            tare_values = _readings(tare, "tare")
            if len(tare_values) != len(gross_values):
                raise NetContentInputError(
                    "tare",
                    f"individual tare needs one value per gross reading: {len(tare_values)} tare values "
                    f"for {len(gross_values)} gross readings",
                )
            net = []
            for i, (g, t) in enumerate(zip(gross_values, tare_values, strict=True)):
                if t > g:
                    raise NetContentInputError(
                        f"tare[{i}]", f"tare {t} is heavier than the gross reading {g}"
                    )
                net.append(g - t)
            sd = sample_standard_deviation(tare_values) if len(tare_values) >= 2 else None
            summary = TareSummary(
                method="individual", values=tare_values, average=mean(tare_values), standard_deviation=sd
            )
            return NetFromGross(net=tuple(net), gross=gross_values, tare=summary)
        summary = average_tare(tare)
    else:
        if method == "individual":
            raise NetContentInputError(
                "tare", "individual tare needs a list with one value per gross reading"
            )
        avg = as_decimal(tare, "tare")
        if avg < 0:
            raise NetContentInputError("tare", f"a tare cannot be negative, got {avg}")
        summary = TareSummary(method="average", values=(), average=avg, standard_deviation=None)

    assert summary.average is not None
    net = []
    for i, g in enumerate(gross_values):
        if summary.average > g:
            raise NetContentInputError(
                f"gross[{i}]", f"gross reading {g} is lighter than the average tare {summary.average}"
            )
        net.append(g - summary.average)
    return NetFromGross(net=tuple(net), gross=gross_values, tare=summary)


def volume_from_mass(masses: Sequence[Number], density: Number) -> tuple[Decimal, ...]:
    """Volumes V = m / ρ (gravimetric method, research report §1.7).

    ``masses`` in g and ``density`` in g/mL give volumes in mL. ``density`` must be positive.
    """
    rho = as_decimal(density, "density")
    if rho <= 0:
        raise NetContentInputError("density", f"must be greater than zero, got {rho}")
    values = _readings(masses, "net")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return tuple(m / rho for m in values)
