"""Exceptions of :mod:`jiliang.core.units` (单位模块的异常).

Every error carries a message that says what was wrong and, where possible, how to write it instead.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousUnitError",
    "IncompatibleUnitsError",
    "InexactFactorError",
    "InvalidInputError",
    "UnitError",
    "UnitSyntaxError",
    "UnknownUnitError",
]


class UnitError(ValueError):
    """Base class of every error raised by the units package."""


class UnitSyntaxError(UnitError):
    """A unit expression does not follow the GB 3101-1993 writing rules this parser accepts."""

    def __init__(self, text: str, position: int, reason: str) -> None:
        self.text = text
        self.position = position
        self.reason = reason
        marker = f" at position {position}" if position >= 0 else ""
        super().__init__(f"cannot parse unit {text!r}{marker}: {reason}")


class AmbiguousUnitError(UnitSyntaxError):
    """The expression has more than one reading (e.g. two solidi: ``m/s/s``); GB 3101-1993 §3.2 forbids it."""


class UnknownUnitError(UnitError):
    """A unit name or symbol is not in the registry."""

    def __init__(self, text: str, token: str, hint: str = "") -> None:
        self.text = text
        self.token = token
        msg = f"unknown unit {token!r}" + (f" in {text!r}" if text != token else "")
        if hint:
            msg += f"; {hint}"
        super().__init__(msg)


class IncompatibleUnitsError(UnitError):
    """Source and target units measure different quantities (or kinds that must not be mixed silently)."""


class InexactFactorError(UnitError):
    """An exact rational factor was asked for but the conversion involves π or a measured constant."""


class InvalidInputError(UnitError):
    """Input to the checker or converter is not usable text or numbers (binary data, too long, empty)."""
