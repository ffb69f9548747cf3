"""Conversion of user-supplied numbers to exact decimals."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

Number: TypeAlias = int | float | Decimal | str

#: Working precision for means, standard deviations and densities (exact comparisons use
#: the inputs' own digits; only division and square root round at this precision).
PRECISION = 34

#: Largest magnitude and number of significant digits accepted from the user. No package's
#: quantity in any unit comes near 10^12 (values like 1e999999 would otherwise overflow), and
#: capping the digits of typed text keeps exact sums inside the working precision.
MAX_MAGNITUDE = Decimal("1e12")
MAX_DIGITS = 20


def as_decimal(value: object, field: str) -> Decimal:
    """Convert ``value`` to a finite Decimal, or raise :class:`NetContentInputError` naming ``field``.

    Floats are converted through their shortest ``repr`` (``0.1`` -> ``Decimal("0.1")``), so a
    value typed as 495.5 compares exactly with a limit of 495.5.
    """
    from jiliang.core.netcontent.errors import NetContentInputError

    if isinstance(value, bool):
        raise NetContentInputError(field, f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise NetContentInputError(field, f"expected a finite number, got {value!r}")
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise NetContentInputError(field, f"expected a number, got {value!r}") from None
    else:
        raise NetContentInputError(field, f"expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise NetContentInputError(field, f"expected a finite number, got {value!r}")
    if abs(result) > MAX_MAGNITUDE:
        raise NetContentInputError(field, f"{value!r} is outside the accepted range (magnitude at most 1e12)")
    if isinstance(value, str) and len(result.as_tuple().digits) > MAX_DIGITS:  # typed text; computed decimals pass
        raise NetContentInputError(field, f"{value!r} has more than {MAX_DIGITS} significant digits")
    return result


def normalise(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation for integers (4.50 -> 4.5, 1E+1 -> 10)."""
    if value == 0:
        return Decimal(0)
    reduced = value.normalize()
    sign, digits, exponent = reduced.as_tuple()
    if isinstance(exponent, int) and exponent > 0:
        return reduced.quantize(Decimal(1))
    return reduced


def mean(values: tuple[Decimal, ...]) -> Decimal:
    """Arithmetic mean, computed at :data:`PRECISION` significant digits."""
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = PRECISION
        return sum(values, Decimal(0)) / len(values)


def sample_standard_deviation(values: tuple[Decimal, ...]) -> Decimal:
    """Sample standard deviation s (n − 1 denominator); 0 for a single value.

    Computed as s² = (n·Σx² − (Σx)²) / (n·(n − 1)) with the sums held exactly (the inputs are
    decimals with few digits), so s is exactly invariant under a common shift of all values and
    only the final division and square root round, at :data:`PRECISION` digits.
    """
    from decimal import Inexact, localcontext

    n = len(values)
    if n < 2:
        return Decimal(0)
    try:
        with localcontext() as ctx:
            ctx.prec = _EXACT_PRECISION
            ctx.traps[Inexact] = True
            total = sum(values, Decimal(0))
            squares = sum((v * v for v in values), Decimal(0))
            numerator = n * squares - total * total
    except Inexact:  # inputs with hundreds of digits: two-pass formula at working precision
        with localcontext() as ctx:
            ctx.prec = PRECISION
            m = sum(values, Decimal(0)) / n
            return (sum(((v - m) * (v - m) for v in values), Decimal(0)) / (n - 1)).sqrt()
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return (numerator / (n * (n - 1))).sqrt()


#: Precision for the exact sums of the standard deviation (an Inexact trap guards it).
_EXACT_PRECISION = 200
