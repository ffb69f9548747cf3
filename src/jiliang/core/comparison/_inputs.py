"""Participant results of a comparison and the validation of bad input.

Every check raises :class:`ComparisonInputError` (a :class:`ValueError`) that names the
laboratory (or row) and the field at fault, so a page or the CLI can point at the cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "ComparisonInputError",
    "LabResult",
    "lab_results",
    "validate_results",
]


class ComparisonInputError(ValueError):
    """Bad comparison input. ``lab``, ``field`` and ``row`` say where (any may be ``None``)."""

    def __init__(
        self,
        message: str,
        *,
        lab: str | None = None,
        field: str | None = None,
        row: int | None = None,
    ) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if lab is not None:
            where.append(f"lab {lab!r}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.lab = lab
        self.field = field
        self.row = row


def _check_real(value: object, *, lab: str, field: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ComparisonInputError(f"must be a number, got {value!r}", lab=lab, field=field)
    v = float(value)
    if math.isnan(v):
        raise ComparisonInputError("is NaN", lab=lab, field=field)
    if math.isinf(v):
        raise ComparisonInputError("is infinite", lab=lab, field=field)
    if positive and v <= 0.0:
        raise ComparisonInputError(f"must be positive, got {v!r}", lab=lab, field=field)
    return v


@dataclass(frozen=True, slots=True)
class LabResult:
    """One participant's reported result.

    ``value`` is the measured value x_i, ``standard_uncertainty`` u_i (> 0), ``dof`` the degrees of
    freedom ν_i that u_i is based on (``None`` = infinitely many), ``included`` whether the result
    contributes to the reference value (the KCRV); excluded results still get degrees of
    equivalence. ``coverage_factor`` is the k the participant reported (used to recover U_i = k·u_i
    for E_n); ``None`` means 2.
    """

    lab: str
    value: float
    standard_uncertainty: float
    dof: float | None = None
    included: bool = True
    coverage_factor: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.lab, str) or not self.lab.strip():
            raise ComparisonInputError(f"laboratory label must be a non-empty string, got {self.lab!r}",
                                       field="lab")
        lab = self.lab
        object.__setattr__(self, "value", _check_real(self.value, lab=lab, field="value"))
        object.__setattr__(
            self,
            "standard_uncertainty",
            _check_real(self.standard_uncertainty, lab=lab, field="standard_uncertainty", positive=True),
        )
        if self.dof is not None:
            if isinstance(self.dof, bool) or not isinstance(self.dof, (int, float, np.integer, np.floating)):
                raise ComparisonInputError(f"must be a number, got {self.dof!r}", lab=lab, field="dof")
            d = float(self.dof)
            if math.isnan(d):
                raise ComparisonInputError("is NaN", lab=lab, field="dof")
            if d <= 0.0:
                raise ComparisonInputError(f"must be positive, got {d!r}", lab=lab, field="dof")
            object.__setattr__(self, "dof", None if math.isinf(d) else d)
        if self.coverage_factor is not None:
            object.__setattr__(
                self,
                "coverage_factor",
                _check_real(self.coverage_factor, lab=lab, field="coverage_factor", positive=True),
            )
        if not isinstance(self.included, (bool, np.bool_)):
            raise ComparisonInputError(f"must be true or false, got {self.included!r}", lab=lab,
                                       field="included")
        object.__setattr__(self, "included", bool(self.included))

    @classmethod
    def from_expanded(
        cls,
        lab: str,
        value: float,
        expanded_uncertainty: float,
        coverage_factor: float,
        *,
        dof: float | None = None,
        included: bool = True,
    ) -> LabResult:
        """Build from an expanded uncertainty U and its coverage factor k (u = U/k)."""
        big_u = _check_real(expanded_uncertainty, lab=lab, field="expanded_uncertainty", positive=True)
        k = _check_real(coverage_factor, lab=lab, field="coverage_factor", positive=True)
        return cls(lab, value, big_u / k, dof=dof, included=included, coverage_factor=k)

    @property
    def expanded_uncertainty(self) -> float:
        """U_i = k·u_i with the reported k (2 when none was reported)."""
        return (self.coverage_factor or 2.0) * self.standard_uncertainty


def lab_results(
    labs: Sequence[str],
    values: Sequence[float] | FloatArray,
    standard_uncertainties: Sequence[float] | FloatArray,
    dofs: Sequence[float | None] | None = None,
    included: Sequence[bool] | None = None,
) -> tuple[LabResult, ...]:
    """Convenience builder from parallel sequences (validated)."""
    n = len(labs)
    for name, seq in (("value", values), ("standard_uncertainty", standard_uncertainties),
                      ("dof", dofs), ("included", included)):
        if seq is not None and len(seq) != n:
            raise ComparisonInputError(f"{len(seq)} entries given for {n} laboratories", field=name)
    out = []
    for i, lab in enumerate(labs):
        out.append(
            LabResult(
                lab,
                values[i],
                standard_uncertainties[i],
                dof=None if dofs is None else dofs[i],
                included=True if included is None else included[i],
            )
        )
    return validate_results(out)


def validate_results(results: Iterable[LabResult], *, min_included: int = 2) -> tuple[LabResult, ...]:
    """Check a set of results: types, unique labels and at least ``min_included`` contributing labs."""
    res = tuple(results)
    seen: set[str] = set()
    for r in res:
        if not isinstance(r, LabResult):
            raise ComparisonInputError(f"expected LabResult, got {type(r).__name__}")
        if r.lab in seen:
            raise ComparisonInputError("duplicate laboratory label", lab=r.lab, field="lab")
        seen.add(r.lab)
    n_inc = sum(1 for r in res if r.included)
    if n_inc < min_included:
        raise ComparisonInputError(
            f"at least {min_included} participants must contribute to the reference value, "
            f"got {n_inc} ({', '.join(r.lab for r in res if r.included) or 'none'})",
            field="included",
        )
    return res


def arrays(results: Sequence[LabResult]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """x, u and ν (``inf`` where not given) as float arrays."""
    x = np.array([r.value for r in results], dtype=np.float64)
    u = np.array([r.standard_uncertainty for r in results], dtype=np.float64)
    nu = np.array([np.inf if r.dof is None else r.dof for r in results], dtype=np.float64)
    return x, u, nu
