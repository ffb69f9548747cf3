"""Safe measurement-model expressions.

A model expression is ordinary Python arithmetic syntax, parsed with :mod:`ast` and checked against a
whitelist before anything is evaluated:

* numbers (``int``/``float`` literals), names of input quantities (or of other outputs),
* the operators ``+ - * / **`` and unary ``+``/``-``,
* calls of ``sqrt exp log log10 sin cos tan asin acos atan atan2 sinh cosh tanh abs`` with
  positional arguments, and the constants ``pi`` and ``e``.

Everything else — attribute access, subscripts, lambdas, comprehensions, comparisons, keyword
arguments, strings, names starting with ``__`` (``__import__``, ``__class__``…) — is rejected with an
:class:`~jiliang.core.uncertainty.errors.ExpressionError` that quotes the offending token.  A valid
tree is compiled into nested closures over :data:`~jiliang.core.uncertainty.autodiff.FUNCTIONS`;
Python's ``eval`` is never used.  The same compiled expression evaluates floats, numpy arrays
(Monte Carlo, many records), :class:`~jiliang.core.uncertainty.autodiff.Jet` (sensitivities) and
:class:`~jiliang.core.uncertainty.autodiff.Dual` (third derivatives).
"""

from __future__ import annotations

import ast
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jiliang.core.uncertainty.autodiff import ARITY, FUNCTIONS, Dual, Jet
from jiliang.core.uncertainty.errors import EvaluationError, ExpressionError

#: named constants of the model language
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: names that cannot be used for quantities
RESERVED: frozenset[str] = frozenset(FUNCTIONS) | frozenset(CONSTANTS)

MAX_EXPRESSION_LENGTH = 20_000

_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OTHER_OPS: dict[type, str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitXor: "^ (use ** for powers)",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}

Evaluator = Callable[[Mapping[str, Any]], Any]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_quantity_name(name: object, what: str = "quantity") -> str:
    """Validate a quantity name (identifier, not reserved, no leading double underscore)."""
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ExpressionError(
            f"{what} name {name!r} is not a valid identifier (letters, digits and _, not starting with a digit)",
            quantity=str(name),
            field="name",
        )
    if name.startswith("__"):
        raise ExpressionError(f"{what} name {name!r} must not start with '__'", quantity=name, field="name")
    if name in RESERVED:
        raise ExpressionError(
            f"{what} name {name!r} is reserved for a function or constant of the model language",
            quantity=name,
            field="name",
        )
    return name


def _segment(source: str, node: ast.AST) -> str:
    seg = ast.get_source_segment(source, node)
    if seg is None:
        try:
            seg = ast.unparse(node)
        except Exception:  # pragma: no cover - defensive
            seg = type(node).__name__
    return seg


@dataclass(frozen=True)
class Expression:
    """A validated, compiled model expression."""

    source: str
    names: frozenset[str]
    tree: ast.Expression = field(repr=False, compare=False)
    _evaluator: Evaluator = field(repr=False, compare=False)
    output: str | None = None

    def __call__(self, env: Mapping[str, Any]) -> Any:
        """Evaluate with ``env`` mapping names to floats, arrays, Jets or Duals."""
        return self._evaluator(env)

    def check_finite_at(self, env: Mapping[str, Any]) -> None:
        """Evaluate node by node at a point and raise :class:`EvaluationError` naming the first
        sub-expression that is not finite (division by zero, log of a negative number, …)."""
        _checked(self.tree.body, self.source, env, self.output)


def parse_expression(source: str, *, output: str | None = None) -> Expression:
    """Parse and validate ``source``; return a compiled :class:`Expression`.

    ``output`` names the output quantity for error messages.  Results are cached (expressions are
    immutable), so rebuilding a model with new input values does not parse again.
    """
    if isinstance(source, str) and (output is None or isinstance(output, str)):
        return _parse_cached(source, output)
    return _parse(source, output=output)


@functools.lru_cache(maxsize=1024)
def _parse_cached(source: str, output: str | None) -> Expression:
    return _parse(source, output=output)


def _parse(source: str, *, output: str | None = None) -> Expression:
    where = f" for output {output!r}" if output else ""
    if not isinstance(source, str):
        raise ExpressionError(f"model expression{where} must be a string, got {type(source).__name__}",
                              quantity=output, field="expression")
    if not source.strip():
        raise ExpressionError(f"model expression{where} is empty", quantity=output, field="expression")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"model expression{where} is longer than {MAX_EXPRESSION_LENGTH} characters",
            quantity=output,
            field="expression",
        )
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            f"invalid syntax in model expression{where} {source!r} at column {exc.offset}: {exc.msg}",
            quantity=output,
            field="expression",
        ) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"model expression{where} is nested too deeply", quantity=output,
                              field="expression") from None
    src = source.strip()
    names: set[str] = set()
    try:
        _validate(tree.body, src, names, where, output)
        evaluator = _compile(tree.body)
    except RecursionError:
        raise ExpressionError(f"model expression{where} is nested too deeply", quantity=output,
                              field="expression") from None
    return Expression(source=src, names=frozenset(names), tree=tree, _evaluator=evaluator, output=output)


def _reject(msg: str, output: str | None) -> ExpressionError:
    return ExpressionError(msg, quantity=output, field="expression")


class _Seg:
    """Source text of a node, computed only when an error message needs it."""

    def __init__(self, src: str, node: ast.AST) -> None:
        self.src, self.node = src, node

    def __str__(self) -> str:
        return _segment(self.src, self.node)

    def __repr__(self) -> str:
        return repr(str(self))

    def __getitem__(self, item: slice) -> str:
        return str(self)[item]


def _validate(node: ast.AST, src: str, names: set[str], where: str, output: str | None) -> None:
    seg = _Seg(src, node)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _reject(f"constant {seg!r} in model expression{where} is not allowed (numbers only)", output)
        if isinstance(node.value, int) and abs(node.value) > 10**308:
            raise _reject(f"number {seg[:30]!r} in model expression{where} is too large", output)
        return
    if isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise _reject(f"name {node.id!r} in model expression{where} is not allowed (names starting with '__')",
                          output)
        if node.id in FUNCTIONS:
            raise _reject(f"function {node.id!r} in model expression{where} must be called, e.g. {node.id}(x)",
                          output)
        if node.id not in CONSTANTS:
            names.add(node.id)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            sym = _OTHER_OPS.get(type(node.op), type(node.op).__name__)
            raise _reject(f"operator {sym} in {seg!r} (model expression{where}) is not allowed; "
                          "allowed: + - * / **", output)
        _validate(node.left, src, names, where, output)
        _validate(node.right, src, names, where, output)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.UAdd, ast.USub)):
            sym = _OTHER_OPS.get(type(node.op), type(node.op).__name__)
            raise _reject(f"operator {sym} in {seg!r} (model expression{where}) is not allowed", output)
        _validate(node.operand, src, names, where, output)
        return
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            raise _reject(f"attribute access {_segment(src, func)!r} in model expression{where} is not allowed",
                          output)
        if not isinstance(func, ast.Name):
            raise _reject(f"call of {_segment(src, func)!r} in model expression{where} is not allowed", output)
        if func.id.startswith("__"):
            raise _reject(f"name {func.id!r} in model expression{where} is not allowed (names starting with "
                          "'__'); only the whitelisted math functions may be called", output)
        if func.id not in FUNCTIONS:
            raise _reject(
                f"function {func.id!r} in model expression{where} is not allowed; allowed functions: "
                + ", ".join(sorted(FUNCTIONS)),
                output,
            )
        if node.keywords:
            raise _reject(f"keyword arguments in {seg!r} (model expression{where}) are not allowed", output)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise _reject(f"starred argument in {seg!r} (model expression{where}) is not allowed", output)
        if len(node.args) != ARITY[func.id]:
            raise _reject(
                f"function {func.id!r} takes {ARITY[func.id]} argument(s), got {len(node.args)} in {seg!r}"
                f" (model expression{where})",
                output,
            )
        for a in node.args:
            _validate(a, src, names, where, output)
        return
    kinds: dict[type, str] = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscript",
        ast.Lambda: "lambda",
        ast.ListComp: "comprehension",
        ast.SetComp: "comprehension",
        ast.DictComp: "comprehension",
        ast.GeneratorExp: "comprehension",
        ast.Compare: "comparison",
        ast.BoolOp: "boolean operator",
        ast.IfExp: "conditional expression",
        ast.NamedExpr: "assignment expression",
        ast.JoinedStr: "string",
        ast.List: "list",
        ast.Tuple: "tuple",
        ast.Dict: "dict",
        ast.Set: "set",
        ast.Await: "await",
        ast.Yield: "yield",
        ast.Starred: "starred expression",
    }
    kind = kinds.get(type(node), type(node).__name__)
    raise _reject(f"{kind} {seg!r} in model expression{where} is not allowed", output)


def _pow(a: Any, b: Any) -> Any:
    if isinstance(a, (Jet, Dual)) or isinstance(b, (Jet, Dual)):
        return a**b
    return np.power(a, b)


def _compile(node: ast.AST) -> Evaluator:
    if isinstance(node, ast.Constant):
        c = np.float64(float(node.value))  # type: ignore[arg-type]
        return lambda env: c
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            k = np.float64(CONSTANTS[node.id])
            return lambda env: k
        key = node.id
        return lambda env: env[key]
    if isinstance(node, ast.BinOp):
        lf, rf = _compile(node.left), _compile(node.right)
        op = type(node.op)
        if op is ast.Add:
            return lambda env: lf(env) + rf(env)
        if op is ast.Sub:
            return lambda env: lf(env) - rf(env)
        if op is ast.Mult:
            return lambda env: lf(env) * rf(env)
        if op is ast.Div:
            return lambda env: lf(env) / rf(env)
        return lambda env: _pow(lf(env), rf(env))
    if isinstance(node, ast.UnaryOp):
        of = _compile(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda env: -of(env)
        return of
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        fn = FUNCTIONS[node.func.id]
        argf = [_compile(a) for a in node.args]
        if len(argf) == 1:
            a0 = argf[0]
            return lambda env: fn(a0(env))
        a0, a1 = argf
        return lambda env: fn(a0(env), a1(env))
    raise AssertionError(f"unvalidated node {type(node).__name__}")  # pragma: no cover


def _finite(v: Any) -> bool:
    while isinstance(v, (Jet, Dual)):
        v = v.val if isinstance(v, Jet) else v.re
    return bool(np.all(np.isfinite(v)))


def _names_in(node: ast.AST) -> list[str]:
    out: list[str] = []
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id not in CONSTANTS and n.id not in out:
            out.append(n.id)
    return out


def _where_values(node: ast.AST, env: Mapping[str, Any]) -> str:
    parts = []
    for name in _names_in(node):
        if name in env:
            v = env[name]
            while isinstance(v, (Jet, Dual)):
                v = v.val if isinstance(v, Jet) else v.re
            parts.append(f"{name} = {float(np.asarray(v).ravel()[0]):.10g}")
    return ", ".join(parts)


def _checked(node: ast.AST, src: str, env: Mapping[str, Any], output: str | None) -> Any:
    """Evaluate ``node`` at a single point with finiteness checks at every node."""
    with np.errstate(all="ignore"):
        if isinstance(node, (ast.Constant, ast.Name)):
            return _compile(node)(env)
        if isinstance(node, ast.UnaryOp):
            v = _checked(node.operand, src, env, output)
            return -v if isinstance(node.op, ast.USub) else v
        seg = _segment(src, node)
        where = f" of output {output!r}" if output else ""
        if isinstance(node, ast.BinOp):
            a = _checked(node.left, src, env, output)
            b = _checked(node.right, src, env, output)
            if isinstance(node.op, ast.Div) and not np.all(np.asarray(_plain(b)) != 0):
                vals = _where_values(node.right, env)
                raise EvaluationError(
                    f"division by zero in {seg!r}{where} at the estimates: "
                    f"{_segment(src, node.right)!r} = 0" + (f" ({vals})" if vals else ""),
                    quantity=(_names_in(node.right) or [output or ""])[0] or None,
                    field="value",
                )
            res = _apply_binop(node.op, a, b)
        elif isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            args = [_checked(a, src, env, output) for a in node.args]
            res = FUNCTIONS[node.func.id](*args)
        else:  # pragma: no cover - validated trees only
            raise AssertionError(type(node).__name__)
        if not _finite(res):
            vals = _where_values(node, env)
            raise EvaluationError(
                f"{seg!r}{where} is not finite at the estimates (undefined or overflow)"
                + (f": {vals}" if vals else ""),
                quantity=(_names_in(node) or [output or ""])[0] or None,
                field="value",
            )
        return res


def _plain(v: Any) -> Any:
    while isinstance(v, (Jet, Dual)):
        v = v.val if isinstance(v, Jet) else v.re
    return v


def _apply_binop(op: ast.operator, a: Any, b: Any) -> Any:
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    if isinstance(op, ast.Div):
        return a / b
    return _pow(a, b)


_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$", re.S)


def split_assignment(source: str) -> tuple[str | None, str]:
    """Split ``"y = expr"`` into ``("y", "expr")``; a bare expression gives ``(None, source)``."""
    m = _ASSIGN.match(source)
    if m:
        return m.group(1), m.group(2)
    return None, source
