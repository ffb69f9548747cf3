"""Errors of :mod:`jiliang.core.verification`."""

from __future__ import annotations

from typing import TypedDict

__all__ = ["InputErrorRow", "UnknownProcedureError", "VerificationInputError"]


class InputErrorRow(TypedDict):
    """One problem of a verification document.

    ``row`` is the 1-based number of the test-point row in ``points`` (``None`` for document-level
    fields); ``field`` is the JSON path of the offending field (``points[2].readings[1]``,
    ``environment.temperature``, ``instrument.e``); ``reason`` is a plain English explanation.
    """

    row: int | None
    field: str
    reason: str


class VerificationInputError(ValueError):
    """A verification document or form request that cannot be evaluated.

    ``errors`` lists every problem found (not only the first), each as ``{"row", "field", "reason"}``.
    Nothing is evaluated when this is raised: a verification with invalid input (for example an
    environment outside the allowed conditions) has no valid result.
    """

    def __init__(self, errors: list[InputErrorRow]) -> None:
        if not errors:
            raise ValueError("VerificationInputError needs at least one error")
        self.errors: list[InputErrorRow] = list(errors)
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first['field']}: {first['reason']}{more}")


class UnknownProcedureError(VerificationInputError, LookupError):
    """No verification procedure with the given code."""
