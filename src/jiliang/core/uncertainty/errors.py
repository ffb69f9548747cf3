"""Errors raised by the uncertainty engine.

Every error names the offending input, output or expression token so that a user can fix the model
file without reading a traceback.
"""

from __future__ import annotations


class ModelError(ValueError):
    """A measurement model, an input quantity or an option is invalid.

    ``quantity`` names the input or output quantity concerned (or ``None``), ``field`` the attribute
    (``"u"``, ``"dof"``, ``"correlations"``, ``"expression"``, …).  Nothing has been evaluated when
    this error is raised for bad input.
    """

    def __init__(self, message: str, *, quantity: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.quantity = quantity
        self.field = field


class ExpressionError(ModelError):
    """A model expression is not valid or uses syntax outside the whitelist."""


class EvaluationError(ModelError):
    """A model cannot be evaluated at the given point (division by zero, domain error, …)."""
