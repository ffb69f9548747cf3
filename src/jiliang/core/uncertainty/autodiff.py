"""Forward-mode automatic differentiation for the law of propagation of uncertainty.

Sensitivity coefficients (GUM 5.1.3) and the second- and third-order derivatives needed for the
higher-order terms of the GUM 5.1.2 note are computed *exactly* (to rounding), never by finite
differences:

* :class:`Jet` is a truncated multivariate Taylor expansion: value, gradient with respect to all
  ``n`` inputs and, optionally, the Hessian.  Its components are numpy arrays, so one pass over a
  model evaluates the sensitivities for any number of records at once (``value.shape == (N,)``,
  ``grad.shape == (n, N)``, ``hess.shape == (n, n, N)``).
* :class:`Dual` is a first-order dual number whose parts may themselves be :class:`Jet` objects.
  ``Dual(Jet, Jet)`` gives the third derivatives ∂³f/∂xᵢ∂xⱼ² of the GUM 5.1.2 note.

The elementary functions of the model language are defined once in :data:`FUNCTIONS`; each
dispatches on plain numbers/arrays, :class:`Jet` and :class:`Dual`.  Both classes implement
``__array_ufunc__``, so a Python callable written with ``numpy`` functions (``np.sqrt``,
``np.sin``, …) is differentiated too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

LN10 = math.log(10.0)

Number = Any  # float | np.ndarray | Jet | Dual


Grad = dict[int, Any]
Hess = dict[tuple[int, int], Any]


def _scale(g: dict[Any, Any], c: Any) -> dict[Any, Any]:
    return {k: c * v for k, v in g.items()}


def _axpy(acc: dict[Any, Any], c: Any, g: dict[Any, Any]) -> None:
    """acc += c·g (in place on the dict, never on the arrays)."""
    for k, v in g.items():
        t = c * v
        acc[k] = acc[k] + t if k in acc else t


def _sym_outer(g: Grad) -> Hess:
    """g ⊗ g on the upper triangle."""
    keys = sorted(g)
    return {(i, j): g[i] * g[j] for a, i in enumerate(keys) for j in keys[a:]}


def _sym_cross(ga: Grad, gb: Grad) -> Hess:
    """ga ⊗ gb + gb ⊗ ga on the upper triangle."""
    out: Hess = {}
    for i, vi in ga.items():
        for j, vj in gb.items():
            t = vi * vj
            if i == j:
                t = 2.0 * t
            key = (i, j) if i < j else (j, i)
            out[key] = out[key] + t if key in out else t
    return out


class Jet:
    """Value, gradient and (optionally) Hessian of a quantity with respect to the model inputs.

    Derivatives are stored sparsely (only the inputs a quantity depends on), so the cost of an
    operation does not grow with the number of model inputs.  :attr:`grad` and :attr:`hess` give
    the dense arrays.
    """

    __slots__ = ("val", "g", "h", "n")
    __array_priority__ = 1000.0

    def __init__(self, val: Any, g: Grad, h: Hess | None, n: int) -> None:
        self.val = val
        self.g = g
        self.h = h
        self.n = n

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def variables(cls, values: list[Any], *, second_order: bool = False) -> list[Jet]:
        """Independent variables x₁…xₙ seeded with unit gradients."""
        n = len(values)
        arrays = [np.asarray(v, dtype=float) for v in values]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        out: list[Jet] = []
        for i, a in enumerate(arrays):
            val = (a if a.shape == shape else np.broadcast_to(a, shape).copy()) if shape else float(a)
            out.append(cls(val, {i: 1.0}, {} if second_order else None, n))
        return out

    # -- dense views ----------------------------------------------------------------------------
    @property
    def grad(self) -> np.ndarray:
        """Dense gradient, shape ``(n,) + value.shape``."""
        shape = np.shape(self.val)
        out = np.empty((self.n, *shape))
        for k in range(self.n):
            out[k] = self.g.get(k, 0.0)
        return out

    @property
    def hess(self) -> np.ndarray | None:
        """Dense Hessian, shape ``(n, n) + value.shape`` (``None`` if not tracked)."""
        if self.h is None:
            return None
        shape = np.shape(self.val)
        out = np.zeros((self.n, self.n, *shape))
        for (i, j), v in self.h.items():
            out[i, j] = v
            out[j, i] = v
        return out

    # -- generic rules ------------------------------------------------------------------------
    def _chain(self, f0: Any, f1: Any, f2: Any) -> Jet:
        """g = f(self): value f0, first derivative f1, second derivative f2 (evaluated arrays)."""
        g = _scale(self.g, f1)
        h = None
        if self.h is not None:
            h = _scale(self.h, f1)
            _axpy(h, f2, _sym_outer(self.g))
        return Jet(f0, g, h, self.n)

    @staticmethod
    def _binary(
        a: Any, b: Any, f0: Any, fa: Any, fb: Any, faa: Any, fab: Any, fbb: Any
    ) -> Jet:
        """g = F(a, b) for Jets or constants with the partial derivatives of F given."""
        ja, jb = isinstance(a, Jet), isinstance(b, Jet)
        if ja and not jb:
            return a._chain(f0, fa, faa)  # type: ignore[no-any-return]
        if jb and not ja:
            return b._chain(f0, fb, fbb)  # type: ignore[no-any-return]
        g = _scale(a.g, fa)
        _axpy(g, fb, b.g)
        h = None
        if a.h is not None or b.h is not None:
            h = _scale(a.h or {}, fa)
            _axpy(h, fb, b.h or {})
            _axpy(h, faa, _sym_outer(a.g))
            _axpy(h, fab, _sym_cross(a.g, b.g))
            _axpy(h, fbb, _sym_outer(b.g))
        return Jet(f0, g, h, a.n)

    # -- arithmetic -----------------------------------------------------------------------------
    def __add__(self, other: Any) -> Any:
        if isinstance(other, Dual):
            return NotImplemented
        if isinstance(other, Jet):
            g = dict(self.g)
            _merge(g, other.g)
            h = None
            if self.h is not None or other.h is not None:
                h = dict(self.h or {})
                _merge(h, other.h or {})
            return Jet(self.val + other.val, g, h, self.n)
        return Jet(self.val + other, self.g, self.h, self.n)

    __radd__ = __add__

    def __neg__(self) -> Jet:
        return Jet(-self.val, _scale(self.g, -1.0), None if self.h is None else _scale(self.h, -1.0), self.n)

    def __pos__(self) -> Jet:
        return self

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, Dual):
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return (-self) + other

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, Dual):
            return NotImplemented
        if isinstance(other, Jet):
            if self.h is None and other.h is None:
                g = _scale(self.g, other.val)
                _axpy(g, self.val, other.g)
                return Jet(self.val * other.val, g, None, self.n)
            return Jet._binary(self, other, self.val * other.val, other.val, self.val, 0.0, 1.0, 0.0)
        return Jet(self.val * other, _scale(self.g, other), None if self.h is None else _scale(self.h, other),
                   self.n)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        if isinstance(other, Dual):
            return NotImplemented
        if isinstance(other, Jet):
            b = other.val
            if self.h is None and other.h is None:
                inv = 1.0 / b
                f0 = self.val * inv
                g = _scale(self.g, inv)
                _axpy(g, -f0 * inv, other.g)
                return Jet(f0, g, None, self.n)
            return Jet._binary(
                self, other, self.val / b, 1.0 / b, -self.val / b**2, 0.0, -1.0 / b**2, 2.0 * self.val / b**3
            )
        return self * (1.0 / np.asarray(other, dtype=float))

    def __rtruediv__(self, other: Any) -> Any:
        v = self.val
        f0 = other / v
        if self.h is None:
            return Jet(f0, _scale(self.g, -f0 / v), None, self.n)
        return self._chain(f0, -f0 / v, 2.0 * f0 / (v * v))

    def __pow__(self, other: Any) -> Any:
        if isinstance(other, Dual):
            return NotImplemented
        if isinstance(other, Jet):
            a, b = self.val, other.val
            f0 = np.power(a, b)
            la = np.log(a)
            fa = b * np.power(a, b - 1.0)
            fb = f0 * la
            faa = b * (b - 1.0) * np.power(a, b - 2.0)
            fab = np.power(a, b - 1.0) * (1.0 + b * la)
            fbb = f0 * la * la
            return Jet._binary(self, other, f0, fa, fb, faa, fab, fbb)
        return power_const(self, other)

    def __rpow__(self, other: Any) -> Any:
        f0 = np.power(other, self.val)
        lc = np.log(other)
        return self._chain(f0, f0 * lc, f0 * lc * lc)

    def __abs__(self) -> Jet:
        return self._chain(np.abs(self.val), np.sign(self.val), 0.0)

    # -- comparisons act on the value (lets callables branch on the estimate) -------------------
    def __lt__(self, other: Any) -> Any:
        return self.val < _value(other)

    def __le__(self, other: Any) -> Any:
        return self.val <= _value(other)

    def __gt__(self, other: Any) -> Any:
        return self.val > _value(other)

    def __ge__(self, other: Any) -> Any:
        return self.val >= _value(other)

    def __float__(self) -> float:
        raise TypeError(
            "a model callable converted an input to float (e.g. through the math module); "
            "use numpy functions (np.sqrt, np.sin, …) so that sensitivities can be computed"
        )

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __repr__(self) -> str:
        return f"Jet(val={self.val!r}, grad={self.grad!r})"


def _merge(acc: dict[Any, Any], g: dict[Any, Any]) -> None:
    for k, v in g.items():
        acc[k] = acc[k] + v if k in acc else v


class Dual:
    """First-order dual number ``re + eps·ε`` whose parts may be :class:`Jet` objects."""

    __slots__ = ("re", "eps")
    __array_priority__ = 2000.0

    def __init__(self, re: Any, eps: Any) -> None:
        self.re = re
        self.eps = eps

    def __add__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.re + other.re, self.eps + other.eps)
        return Dual(self.re + other, self.eps)

    __radd__ = __add__

    def __neg__(self) -> Dual:
        return Dual(-self.re, -self.eps)

    def __pos__(self) -> Dual:
        return self

    def __sub__(self, other: Any) -> Dual:
        return self + (-other)  # type: ignore[no-any-return]

    def __rsub__(self, other: Any) -> Dual:
        return (-self) + other  # type: ignore[no-any-return]

    def __mul__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.re * other.re, self.re * other.eps + self.eps * other.re)
        return Dual(self.re * other, self.eps * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return Dual(
                self.re / other.re, (self.eps * other.re - self.re * other.eps) / (other.re * other.re)
            )
        return Dual(self.re / other, self.eps / other)

    def __rtruediv__(self, other: Any) -> Dual:
        return Dual(other / self.re, -other * self.eps / (self.re * self.re))

    def __pow__(self, other: Any) -> Dual:
        if isinstance(other, (Dual, Jet)):
            return FUNCTIONS["exp"](other * FUNCTIONS["log"](self))  # type: ignore[no-any-return]
        return power_const(self, other)  # type: ignore[no-any-return]

    def __rpow__(self, other: Any) -> Dual:
        f0 = other**self.re
        return Dual(f0, f0 * FUNCTIONS["log"](other) * self.eps)

    def __abs__(self) -> Dual:
        return Dual(abs(self.re), np.sign(_value(self.re)) * self.eps)

    def __lt__(self, other: Any) -> Any:
        return _value(self) < _value(other)

    def __le__(self, other: Any) -> Any:
        return _value(self) <= _value(other)

    def __gt__(self, other: Any) -> Any:
        return _value(self) > _value(other)

    def __ge__(self, other: Any) -> Any:
        return _value(self) >= _value(other)

    def __float__(self) -> float:
        raise TypeError(
            "a model callable converted an input to float; use numpy functions so that "
            "derivatives can be computed"
        )

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _dispatch_ufunc(ufunc, method, inputs, kwargs)


def _value(x: Any) -> Any:
    """The plain value of a number, array, Jet or Dual."""
    while isinstance(x, (Jet, Dual)):
        x = x.val if isinstance(x, Jet) else x.re
    return x


def power_const(x: Any, p: Any) -> Any:
    """x ** p for a constant exponent p (keeps integer powers of negative bases real)."""
    if isinstance(x, Dual):
        if np.all(np.asarray(p) == 0):
            return Dual(power_const(x.re, p), 0.0 * x.eps)
        return Dual(power_const(x.re, p), p * power_const(x.re, p - 1.0) * x.eps)
    if isinstance(x, Jet):
        v = x.val
        f0 = np.power(v, p)
        f1 = 0.0 if np.all(np.asarray(p) == 0) else p * np.power(v, p - 1.0)
        f2 = 0.0 if np.all(np.asarray(p * (p - 1.0)) == 0) else p * (p - 1.0) * np.power(v, p - 2.0)
        return x._chain(f0, f1, f2)
    return np.power(x, p)


# ------------------------------------------------------------------------------------------------
# Elementary functions.  For each: numpy function, (f1, f2) numeric derivatives for Jets, and the
# first derivative written with the generic functions (for Dual numbers).
# ------------------------------------------------------------------------------------------------

_NumericDerivs = Callable[[Any, Any], tuple[Any, Any]]


def _make_unary(
    name: str,
    np_func: Callable[[Any], Any],
    numeric: _NumericDerivs,
    symbolic: Callable[[Any], Any],
) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        if isinstance(x, Dual):
            return Dual(f(x.re), symbolic(x.re) * x.eps)
        if isinstance(x, Jet):
            v = x.val
            f0 = np_func(v)
            f1, f2 = numeric(v, f0)
            return x._chain(f0, f1, f2)
        return np_func(x)

    f.__name__ = name
    f.__qualname__ = name
    return f


FUNCTIONS: dict[str, Callable[..., Any]] = {}


def _reg(name: str, np_func: Callable[[Any], Any], numeric: _NumericDerivs, symbolic: Callable[[Any], Any]) -> None:
    FUNCTIONS[name] = _make_unary(name, np_func, numeric, symbolic)


def _F(name: str) -> Callable[..., Any]:
    return lambda *a: FUNCTIONS[name](*a)


_reg("sqrt", np.sqrt, lambda v, f0: (0.5 / f0, -0.25 / (f0 * v)), lambda x: 0.5 / _F("sqrt")(x))
_reg("exp", np.exp, lambda v, f0: (f0, f0), lambda x: _F("exp")(x))
_reg("log", np.log, lambda v, f0: (1.0 / v, -1.0 / (v * v)), lambda x: 1.0 / x)
_reg("log10", np.log10, lambda v, f0: (1.0 / (v * LN10), -1.0 / (v * v * LN10)), lambda x: 1.0 / (x * LN10))
_reg("sin", np.sin, lambda v, f0: (np.cos(v), -f0), lambda x: _F("cos")(x))
_reg("cos", np.cos, lambda v, f0: (-np.sin(v), -f0), lambda x: -_F("sin")(x))
_reg(
    "tan",
    np.tan,
    lambda v, f0: (1.0 + f0 * f0, 2.0 * f0 * (1.0 + f0 * f0)),
    lambda x: 1.0 + _F("tan")(x) ** 2,
)
_reg(
    "asin",
    np.arcsin,
    lambda v, f0: (1.0 / np.sqrt(1.0 - v * v), v / (1.0 - v * v) ** 1.5),
    lambda x: 1.0 / _F("sqrt")(1.0 - x * x),
)
_reg(
    "acos",
    np.arccos,
    lambda v, f0: (-1.0 / np.sqrt(1.0 - v * v), -v / (1.0 - v * v) ** 1.5),
    lambda x: -1.0 / _F("sqrt")(1.0 - x * x),
)
_reg(
    "atan",
    np.arctan,
    lambda v, f0: (1.0 / (1.0 + v * v), -2.0 * v / (1.0 + v * v) ** 2),
    lambda x: 1.0 / (1.0 + x * x),
)
_reg("sinh", np.sinh, lambda v, f0: (np.cosh(v), f0), lambda x: _F("cosh")(x))
_reg("cosh", np.cosh, lambda v, f0: (np.sinh(v), f0), lambda x: _F("sinh")(x))
_reg(
    "tanh",
    np.tanh,
    lambda v, f0: (1.0 - f0 * f0, -2.0 * f0 * (1.0 - f0 * f0)),
    lambda x: 1.0 - _F("tanh")(x) ** 2,
)
_reg("abs", np.abs, lambda v, f0: (np.sign(v), 0.0 * v), lambda x: np.sign(_value(x)))


def atan2(y: Any, x: Any) -> Any:
    """Four-quadrant arctangent of y/x with exact derivatives."""
    if isinstance(y, Dual) or isinstance(x, Dual):
        yd = y if isinstance(y, Dual) else Dual(y, 0.0)
        xd = x if isinstance(x, Dual) else Dual(x, 0.0)
        r2 = xd.re * xd.re + yd.re * yd.re
        return Dual(atan2(yd.re, xd.re), (xd.re * yd.eps - yd.re * xd.eps) / r2)
    if isinstance(y, Jet) or isinstance(x, Jet):
        yv, xv = _value(y), _value(x)
        r2 = xv * xv + yv * yv
        return Jet._binary(
            y,
            x,
            np.arctan2(yv, xv),
            xv / r2,
            -yv / r2,
            -2.0 * xv * yv / r2**2,
            (yv * yv - xv * xv) / r2**2,
            2.0 * xv * yv / r2**2,
        )
    return np.arctan2(y, x)


FUNCTIONS["atan2"] = atan2

#: number of arguments of each function of the model language
ARITY: dict[str, int] = {name: 1 for name in FUNCTIONS}
ARITY["atan2"] = 2

_UFUNC_MAP: dict[str, Callable[..., Any]] = {
    "sqrt": FUNCTIONS["sqrt"],
    "exp": FUNCTIONS["exp"],
    "log": FUNCTIONS["log"],
    "log10": FUNCTIONS["log10"],
    "sin": FUNCTIONS["sin"],
    "cos": FUNCTIONS["cos"],
    "tan": FUNCTIONS["tan"],
    "arcsin": FUNCTIONS["asin"],
    "arccos": FUNCTIONS["acos"],
    "arctan": FUNCTIONS["atan"],
    "sinh": FUNCTIONS["sinh"],
    "cosh": FUNCTIONS["cosh"],
    "tanh": FUNCTIONS["tanh"],
    "absolute": FUNCTIONS["abs"],
    "fabs": FUNCTIONS["abs"],
    "arctan2": atan2,
    "add": lambda a, b: _binop(a, b, "__add__", "__radd__"),
    "subtract": lambda a, b: _binop(a, b, "__sub__", "__rsub__"),
    "multiply": lambda a, b: _binop(a, b, "__mul__", "__rmul__"),
    "true_divide": lambda a, b: _binop(a, b, "__truediv__", "__rtruediv__"),
    "divide": lambda a, b: _binop(a, b, "__truediv__", "__rtruediv__"),
    "power": lambda a, b: _binop(a, b, "__pow__", "__rpow__"),
    "float_power": lambda a, b: _binop(a, b, "__pow__", "__rpow__"),
    "negative": lambda a: -a,
    "positive": lambda a: a,
    "square": lambda a: _binop(a, a, "__mul__", "__rmul__"),
    "reciprocal": lambda a: _binop(a, 1.0, "__rtruediv__", "__truediv__"),
}


def _binop(a: Any, b: Any, name: str, rname: str) -> Any:
    """Apply a binary operator with the Jet/Dual operand in charge (avoids ufunc recursion)."""
    if isinstance(a, (Jet, Dual)):
        res = getattr(a, name)(b)
        if res is not NotImplemented:
            return res
    if isinstance(b, (Jet, Dual)):
        res = getattr(b, rname)(a)
        if res is not NotImplemented:
            return res
    raise TypeError(f"unsupported operand types for {name}: {type(a).__name__}, {type(b).__name__}")


def _dispatch_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    func = _UFUNC_MAP.get(ufunc.__name__)
    if method != "__call__" or func is None or kwargs:
        raise TypeError(
            f"numpy function {ufunc.__name__!r} is not supported in a differentiated model; "
            f"supported: {', '.join(sorted(_UFUNC_MAP))}"
        )
    return func(*inputs)
