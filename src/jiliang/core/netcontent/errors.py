"""Errors raised by the net-content computations."""

from __future__ import annotations


class NetContentInputError(ValueError):
    """Bad input to a net-content computation.

    ``field`` names the offending input (``"nominal"``, ``"unit"``, ``"net[3]"``, ``"tare"`` …) so that
    callers (CLI, API, forms) can point at it; ``reason`` is the plain explanation.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")
