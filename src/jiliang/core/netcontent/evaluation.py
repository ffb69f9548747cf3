"""Lot verdict for prepackaged goods (2005 Measures 第九条 + 附表4 = JJF 1070-2005; OIML R 87).

Reference algorithm (research report legal-metrology-cn.md §1.5)::

    T     = tolerable_deficiency(Qn, kind)
    plan  = sampling_plan(N)                  -> n, λ, c1, c2 (= 0)
    d_i   = Qn − q_i
    n_T1  = count(T < d_i ≤ 2T)               "T1 errors"
    n_T2  = count(d_i > 2T)                   "T2 errors"
    individual_ok = n_T1 ≤ c1 and n_T2 ≤ c2
    average_ok    = True ("not applicable") if the plan has no λ (N ≤ 10)
                    else q̄ ≥ Qn − λ·s          (s with the n − 1 denominator)
    lot_ok        = individual_ok and average_ok

All comparisons are made in exact decimal arithmetic on the inputs' own digits, so a package
short by exactly T is *not* a T1 error and one short by exactly 2T is a T1 error, not a T2 error.

Note on monotonicity: the individual-package checks are monotone (making any package shorter
never turns a fail into a pass), and so is a uniform shortfall of all packages. The mean
criterion as written in the rule is **not** monotone in a single package: lowering one package
far below the mean raises s, and with it the allowance λ·s, faster than it lowers q̄ whenever
λ/√n > 1/n (every plan row). A lot can therefore fail with all packages slightly short and pass
after one of them is made shorter still (still within T). The rule is implemented as published;
tests pin this behaviour.
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
    normalise,
    sample_standard_deviation,
)
from jiliang.core.netcontent.errors import NetContentInputError
from jiliang.core.netcontent.sampling import DEFAULT_PLAN_VERSION, SamplingPlan, sampling_plan
from jiliang.core.netcontent.tolerable_deficiency import (
    RoundingMode,
    TolerableDeficiency,
    tolerable_deficiency,
)
from jiliang.core.netcontent.units import BASE_UNITS, QuantityKind, factor_to_base, is_unit_of

Verdict = Literal["pass", "fail"]
PackageClass = Literal["not_short", "within_T", "T1", "T2"]

# Machine-readable reason codes (stable; documented in docs/netcontent.md).
T1_COUNT_WITHIN_LIMIT = "T1_COUNT_WITHIN_LIMIT"
T1_COUNT_EXCEEDED = "T1_COUNT_EXCEEDED"
T2_COUNT_WITHIN_LIMIT = "T2_COUNT_WITHIN_LIMIT"
T2_COUNT_EXCEEDED = "T2_COUNT_EXCEEDED"
MEAN_CRITERION_MET = "MEAN_CRITERION_MET"
MEAN_BELOW_LIMIT = "MEAN_BELOW_LIMIT"
MEAN_NOT_APPLICABLE = "MEAN_NOT_APPLICABLE"


@dataclass(frozen=True)
class Reason:
    """One check of the verdict: a stable ``code``, whether it ``passed``, and English text."""

    code: str
    passed: bool
    message: str


@dataclass(frozen=True)
class MeanCriterion:
    """q̄ ≥ Qn − λ·s (values in the base unit); ``passed`` is ``None`` when not applicable."""

    applicable: bool
    mean: Decimal
    standard_deviation: Decimal
    correction_factor: Decimal | None
    correction: Decimal | None
    limit: Decimal | None
    passed: bool | None


@dataclass(frozen=True)
class PackageResult:
    """One sample package: actual content q, deficiency d = Qn − q, and its class."""

    index: int
    net: Decimal
    deficiency: Decimal
    classification: PackageClass


@dataclass(frozen=True)
class LotEvaluation:
    """Verdict on one lot, with everything needed to re-check it.

    Quantities (``nominal``, ``tolerable_deficiency.value``, limits, means) are in ``unit``, the
    base unit of the kind (g, mL, m, m2, items).
    """

    kind: QuantityKind
    nominal: Decimal
    unit: str
    labelled_nominal: Decimal
    labelled_unit: str
    plan: SamplingPlan
    tolerable_deficiency: TolerableDeficiency
    packages: tuple[PackageResult, ...]
    count_short_beyond_t: int
    count_t1: int
    count_t2: int
    mean_criterion: MeanCriterion
    individual_passed: bool
    verdict: Verdict
    checks: tuple[Reason, ...]

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    @property
    def sample_size(self) -> int:
        return len(self.packages)

    @property
    def t1_limit(self) -> Decimal:
        """Qn − T: a package below this is short by more than T."""
        return self.nominal - self.tolerable_deficiency.value

    @property
    def t2_limit(self) -> Decimal:
        """Qn − 2T: a package below this is short by more than 2T."""
        return self.nominal - 2 * self.tolerable_deficiency.value

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons for the verdict: the failed checks if it failed, all checks if it passed."""
        if self.verdict == "fail":
            return tuple(r for r in self.checks if not r.passed)
        return self.checks


def classify_deficiency(deficiency: Decimal, t: Decimal) -> PackageClass:
    """Class of a package short by ``deficiency`` given T: not short, within T, T1 (T < d ≤ 2T), T2 (d > 2T)."""
    if deficiency <= 0:
        return "not_short"
    if deficiency <= t:
        return "within_T"
    if deficiency <= 2 * t:
        return "T1"
    return "T2"


def _fmt(value: Decimal) -> str:
    with localcontext() as ctx:
        ctx.prec = 12
        return str(normalise(+value))


def evaluate_lot(
    *,
    kind: QuantityKind,
    nominal: Number,
    unit: str,
    lot_size: int,
    net: Sequence[Number],
    net_unit: str | None = None,
    plan_version: str = DEFAULT_PLAN_VERSION,
    rounding: RoundingMode = "half_up",
) -> LotEvaluation:
    """Evaluate a lot of prepackages from the actual contents of its sample.

    ``nominal`` is the labelled quantity in ``unit``; ``net`` are the sample's actual contents in
    ``net_unit`` (default: ``unit``), one per sample package; the number of values must equal the
    plan's sample size. Implements 2005 Measures 第九条 (both the individual and the average rule
    must pass) with the plan of ``plan_version`` (JJF 1070-2005 附表4 by default).
    """
    t = tolerable_deficiency(nominal, kind, unit, rounding=rounding)
    plan = sampling_plan(lot_size, plan_version=plan_version)
    base = BASE_UNITS[kind]
    labelled = as_decimal(nominal, "nominal")

    reading_unit = unit if net_unit is None else net_unit
    if not is_unit_of(reading_unit, kind):
        raise NetContentInputError("net_unit", f"{reading_unit!r} is not a unit of {kind}")
    factor = factor_to_base(reading_unit, kind)

    if isinstance(net, (str, bytes)) or not isinstance(net, Sequence):
        raise NetContentInputError("net", "expected a list of numbers")
    if len(net) != plan.sample_size:
        relation = "smaller" if len(net) < plan.sample_size else "larger"
        raise NetContentInputError(
            "net",
            f"the sample has {len(net)} packages; plan {plan.plan_version} requires exactly "
            f"{plan.sample_size} for a lot of {plan.lot_size} (sample {relation} than required)",
        )
    values: list[Decimal] = []
    for i, raw in enumerate(net):
        v = as_decimal(raw, f"net[{i}]")
        if v < 0:
            raise NetContentInputError(f"net[{i}]", f"a reading cannot be negative, got {v}")
        if kind == "count" and v != v.to_integral_value():
            raise NetContentInputError(f"net[{i}]", f"a count must be a whole number, got {v}")
        values.append(v * factor)
    q = tuple(values)
    return _evaluate(kind, t, plan, q, labelled, unit, base)


def _evaluate(
    kind: QuantityKind,
    t: TolerableDeficiency,
    plan: SamplingPlan,
    q: tuple[Decimal, ...],
    labelled: Decimal,
    labelled_unit: str,
    base: str,
) -> LotEvaluation:
    qn = t.nominal
    tv = t.value
    packages = []
    for i, qi in enumerate(q):
        d = qn - qi
        packages.append(
            PackageResult(index=i, net=qi, deficiency=d, classification=classify_deficiency(d, tv))
        )
    n_t1 = sum(1 for p in packages if p.classification == "T1")
    n_t2 = sum(1 for p in packages if p.classification == "T2")

    checks: list[Reason] = []
    c1 = plan.acceptance_number_t1
    c2 = plan.acceptance_number_t2
    t1_ok = n_t1 <= c1
    checks.append(
        Reason(
            code=T1_COUNT_WITHIN_LIMIT if t1_ok else T1_COUNT_EXCEEDED,
            passed=t1_ok,
            message=(
                f"{n_t1} package(s) short by more than T ({_fmt(tv)} {base}) but not more than 2T; "
                f"{c1} allowed in a sample of {plan.sample_size}"
            ),
        )
    )
    t2_ok = n_t2 <= c2
    checks.append(
        Reason(
            code=T2_COUNT_WITHIN_LIMIT if t2_ok else T2_COUNT_EXCEEDED,
            passed=t2_ok,
            message=f"{n_t2} package(s) short by more than 2T ({_fmt(2 * tv)} {base}); {c2} allowed",
        )
    )

    m = mean(q)
    s = sample_standard_deviation(q)
    lam = plan.correction_factor
    if lam is None:
        criterion = MeanCriterion(
            applicable=False,
            mean=m,
            standard_deviation=s,
            correction_factor=None,
            correction=None,
            limit=None,
            passed=None,
        )
        checks.append(
            Reason(
                code=MEAN_NOT_APPLICABLE,
                passed=True,
                message=f"lot of {plan.lot_size} (1–10 packages): the mean criterion is not applied",
            )
        )
        mean_ok = True
    else:
        with localcontext() as ctx:
            ctx.prec = PRECISION
            correction = lam * s
            limit = qn - correction
        mean_ok = m >= limit
        criterion = MeanCriterion(
            applicable=True,
            mean=m,
            standard_deviation=s,
            correction_factor=lam,
            correction=correction,
            limit=limit,
            passed=mean_ok,
        )
        relation = "≥" if mean_ok else "<"
        checks.append(
            Reason(
                code=MEAN_CRITERION_MET if mean_ok else MEAN_BELOW_LIMIT,
                passed=mean_ok,
                message=(
                    f"mean {_fmt(m)} {base} {relation} Qn − λ·s = {_fmt(qn)} − {_fmt(lam)} × {_fmt(s)} "
                    f"= {_fmt(limit)} {base}"
                ),
            )
        )

    individual_ok = t1_ok and t2_ok
    verdict: Verdict = "pass" if individual_ok and mean_ok else "fail"
    return LotEvaluation(
        kind=kind,
        nominal=qn,
        unit=base,
        labelled_nominal=labelled,
        labelled_unit=labelled_unit,
        plan=plan,
        tolerable_deficiency=t,
        packages=tuple(packages),
        count_short_beyond_t=n_t1 + n_t2,
        count_t1=n_t1,
        count_t2=n_t2,
        mean_criterion=criterion,
        individual_passed=individual_ok,
        verdict=verdict,
        checks=tuple(checks),
    )
