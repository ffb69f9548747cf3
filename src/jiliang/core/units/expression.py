"""Unit expressions: parser and formatter (组合单位的解析与书写), GB 3101-1993 §3.2 writing rules.

Accepted input (international and Chinese notation)::

    km/h   千米/时   千米每小时   m·s⁻¹   m/s²   m/s^2   m s-1   ℃   °C   r/min   kW·h   千瓦时
    µm (micro sign)   μm (Greek mu)   J/(kg·K)   焦耳每千克开尔文   kilometre per hour   square metre

Strictness (GB 3101-1993 §3.2.2: "除加括号避免混淆外，斜线不得多于一条"; a denominator of two or
more unit symbols takes parentheses):

* more than one solidus at the same level (``m/s/s``) is rejected;
* a product after a solidus without parentheses (``W/m²·K``) is rejected: write ``W/(m²·K)``;
* two Latin symbols written together without a separator (``kWh``, ``Nm``) are rejected: write ``kW·h``;
  Chinese names may be written together (``千瓦时``, ``牛米``) as in GB 3100 names.

Formatting comes from the registry in Chinese (symbols ``千米/时`` or names ``千米每小时``) and English
(symbols ``km/h`` or names ``kilometre per hour``) without touching the process locale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from typing import Literal, NoReturn

from jiliang.core.units.errors import AmbiguousUnitError, UnitSyntaxError, UnknownUnitError
from jiliang.core.units.registry import BASE_DIMENSIONS, Registry, Unit, expand_brackets, get_registry

__all__ = ["Factor", "UnitExpr", "format_unit", "parse_unit"]

Lang = Literal["zh", "en"]
Style = Literal["symbol", "name"]


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor of a unit expression: optional prefix code, unit code, integer exponent."""

    prefix: str | None
    unit: str
    exponent: int


@dataclass(frozen=True, eq=False, slots=True)
class UnitExpr:
    """A product of prefixed units raised to integer powers, e.g. km·h⁻¹.

    Two expressions are equal when they contain the same factors, in any order
    (``parse_unit("m/s") == parse_unit("s⁻¹·m")``).
    """

    factors: tuple[Factor, ...]

    def _key(self) -> tuple[tuple[str, str, int], ...]:
        return tuple(sorted((f.prefix or "", f.unit, f.exponent) for f in self.factors))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UnitExpr):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"UnitExpr({format_unit(self, 'en')!r})"

    def __str__(self) -> str:
        return format_unit(self, "en")

    def __mul__(self, other: UnitExpr) -> UnitExpr:
        return _canonical(list(self.factors) + list(other.factors))

    def __truediv__(self, other: UnitExpr) -> UnitExpr:
        return _canonical(list(self.factors) + [_neg(f) for f in other.factors])

    def __pow__(self, n: int) -> UnitExpr:
        return _canonical([Factor(f.prefix, f.unit, f.exponent * n) for f in self.factors])

    @property
    def dimension(self) -> tuple[tuple[str, int], ...]:
        """Dimension exponents including the pseudo-dimensions ``angle`` and ``turn``."""
        reg = get_registry()
        acc: dict[str, int] = {}
        for f in self.factors:
            for k, e in reg.units[f.unit].dimension:
                acc[k] = acc.get(k, 0) + e * f.exponent
        return tuple((k, acc[k]) for k in BASE_DIMENSIONS if acc.get(k))

    @property
    def units(self) -> tuple[Unit, ...]:
        reg = get_registry()
        return tuple(reg.units[f.unit] for f in self.factors)

    @property
    def is_single(self) -> bool:
        """True for one unit to the first power without prefix (the only place an offset applies)."""
        return len(self.factors) == 1 and self.factors[0].exponent == 1 and self.factors[0].prefix is None

    @property
    def scale(self) -> tuple[Fraction, int]:
        """Exact factor to the coherent SI unit as (rational, power of π); offsets are ignored."""
        reg = get_registry()
        r = Fraction(1)
        pi = 0
        for f in self.factors:
            u = reg.units[f.unit]
            base = u.factor * (reg.prefixes[f.prefix].factor if f.prefix else 1)
            r *= base**f.exponent
            pi += u.pi_power * f.exponent
        return r, pi

    @property
    def exact(self) -> bool:
        return all(u.exact for u in self.units)

    @property
    def legal(self) -> bool:
        return all(u.legal for u in self.units)


def _neg(f: Factor) -> Factor:
    return Factor(f.prefix, f.unit, -f.exponent)


def _canonical(factors: Iterable[Factor]) -> UnitExpr:
    order: list[tuple[str | None, str]] = []
    acc: dict[tuple[str | None, str], int] = {}
    for f in factors:
        key = (f.prefix, f.unit)
        if key not in acc:
            order.append(key)
            acc[key] = 0
        acc[key] += f.exponent
    return UnitExpr(tuple(Factor(p, u, acc[(p, u)]) for p, u in order if acc[(p, u)] != 0))


# ---------------------------------------------------------------------------------------------------
# Lexicon
# ---------------------------------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPER_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"
_TO_SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_NORMALISE = str.maketrans(
    {
        "µ": "μ",
        "／": "/",
        "（": "(",
        "）": ")",
        "⋅": "·",
        "•": "·",
        "∙": "·",
        "・": "·",
        "×": "·",
        "*": "·",
        "\u3000": " ",
        "\u00a0": " ",
        "−": "-",
        "＾": "^",
    }
)
_ZH_PRE_EXP = {"平方": 2, "立方": 3, "二次方": 2, "三次方": 3, "四次方": 4}
_EN_PRE_EXP = {"square": 2, "cubic": 3}
_EN_POST_EXP = {"squared": 2, "cubed": 3}
_MAX_LEN = 200


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass(frozen=True)
class _Lexicon:
    atoms: dict[str, tuple[Factor, ...]]
    lengths_by_first: dict[str, tuple[int, ...]]


@cache
def _lexicon() -> _Lexicon:
    reg = get_registry()
    atoms: dict[str, tuple[Factor, ...]] = {}

    def put(key: str, value: tuple[Factor, ...]) -> None:
        if key and key not in atoms:
            atoms[key] = value

    # 1. unit symbols, names and aliases (registry order decides clashes: 分 → minute, 秒 → second)
    for u in reg.units.values():
        one = (Factor(None, u.code, 1),)
        for key in _unit_keys(u):
            put(key, one)
    # 2. prefixed forms; an existing unit symbol wins (ft is the foot, not the femtotonne)
    for u in reg.units.values():
        if not u.prefixable:
            continue
        zh_names = {u.name_zh_full, u.name_zh_short, u.symbol_zh, *u.name_zh_synonyms}
        en_names = {u.name_en, *u.aliases_en}
        syms = {s for s in (u.symbol, u.symbol_en, *u.aliases) if s and not any(_is_cjk(c) for c in s)}
        for p in reg.prefixes.values():
            value = (Factor(p.code, u.code, 1),)
            for s in syms:
                put(p.symbol + s, value)
            for pz in {p.name_zh_full, p.name_zh_short}:
                for n in zh_names:
                    put(pz + n, value)
            for n in en_names:
                if " " not in n:
                    put(p.name_en + n, value)
    # 3. accepted compound names (公里 → km, 大卡 → kcal)
    for alias, target in reg.compound_aliases.items():
        put(alias, _parse_uncached(target, lexicon=atoms).factors)
    lengths: dict[str, set[int]] = {}
    for key in atoms:
        lengths.setdefault(key[0], set()).add(len(key))
    return _Lexicon(atoms, {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()})


def _unit_keys(u: Unit) -> list[str]:
    keys: list[str] = []
    if u.symbol:
        keys.append(u.symbol)
    if u.symbol_en:
        keys.append(u.symbol_en)
    keys.append(u.symbol_zh)
    full, short = expand_brackets(u.name_zh)
    keys += [full, short, u.name_zh, *u.name_zh_synonyms, *u.aliases, u.name_en, *u.aliases_en]
    return keys


# ---------------------------------------------------------------------------------------------------
# Tokenizer and parser
# ---------------------------------------------------------------------------------------------------

# token kinds
_ATOM, _EXP, _PRE, _MUL, _DIV, _PER, _LP, _RP, _ONE = range(9)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: int
    pos: int
    atom: tuple[Factor, ...] = ()
    exp: int = 0
    text: str = ""
    spaced: bool = False  # whitespace before this token


_EXP_RE = re.compile(r"\^?\s*\(?\s*([-+]?\d+)\s*\)?|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_WORD_RE = re.compile(r"[A-Za-z]+")


def _tokenize(
    text: str, atoms: dict[str, tuple[Factor, ...]], lengths: dict[str, tuple[int, ...]]
) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    n = len(text)
    spaced = False
    while i < n:
        ch = text[i]
        if ch == " " or ch == "\t":
            spaced = True
            i += 1
            continue
        prev_is_operand = bool(toks) and toks[-1].kind in (_ATOM, _EXP, _RP, _ONE)
        if ch == "·":
            toks.append(_Tok(_MUL, i, spaced=spaced))
        elif ch == "/":
            toks.append(_Tok(_DIV, i, spaced=spaced))
        elif ch == "每":
            toks.append(_Tok(_PER, i, text="每", spaced=spaced))
        elif ch == "(":
            toks.append(_Tok(_LP, i, spaced=spaced))
        elif ch == ")":
            toks.append(_Tok(_RP, i, spaced=spaced))
        elif prev_is_operand and not spaced and (ch in "^-+" or ch.isdigit() or ch in _SUPER_CHARS):
            m = _EXP_RE.match(text, i)
            if not m:
                raise UnitSyntaxError(text, i, "an exponent must be an integer, e.g. m², m^2 or m2")
            raw = m.group(1) if m.group(1) is not None else m.group(0).translate(_SUPERSCRIPT)
            toks.append(_Tok(_EXP, i, exp=int(raw)))
            i = m.end()
            spaced = False
            continue
        elif ch == "1" and (i + 1 == n or not text[i + 1].isdigit()):
            toks.append(_Tok(_ONE, i, spaced=spaced))
        else:
            matched = False
            # keywords
            for word, e in _ZH_PRE_EXP.items():
                if text.startswith(word, i):
                    toks.append(_Tok(_PRE, i, exp=e, text=word, spaced=spaced))
                    i += len(word)
                    matched = True
                    break
            if not matched and ch.isascii() and ch.isalpha() and (i == 0 or not text[i - 1].isalpha()):
                wm = _WORD_RE.match(text, i)
                word = wm.group(0) if wm else ""
                if word == "per":
                    toks.append(_Tok(_PER, i, text="per", spaced=spaced))
                    matched = True
                elif word in _EN_PRE_EXP:
                    toks.append(_Tok(_PRE, i, exp=_EN_PRE_EXP[word], text=word, spaced=spaced))
                    matched = True
                elif word in _EN_POST_EXP and prev_is_operand:
                    toks.append(_Tok(_EXP, i, exp=_EN_POST_EXP[word], text=word))
                    matched = True
                if matched:
                    i += len(word)
                    spaced = False
                    continue
            if matched:
                spaced = False
                continue
            if ch.isascii() and ch.isalpha():
                wm = _WORD_RE.match(text, i)
                if wm and wm.group(0) in _HINTS and wm.group(0) not in atoms:
                    raise UnknownUnitError(text, wm.group(0), _HINTS[wm.group(0)])
            found = None
            for length in lengths.get(ch, ()):
                if i + length <= n:
                    cand = text[i : i + length]
                    if cand in atoms:
                        end = i + length
                        # an English name must not be cut in the middle of a word
                        if (
                            len(cand) > 3
                            and cand.isascii()
                            and cand.isalpha()
                            and cand.islower()
                            and end < n
                            and text[end].isascii()
                            and text[end].isalpha()
                        ):
                            continue
                        found = cand
                        break
            if found is None:
                raise UnknownUnitError(text, _unknown_token(text, i), _hint(text, i))
            if prev_is_operand and not spaced and toks[-1].kind != _RP:
                last_char = text[i - 1]
                if not (_is_cjk(last_char) or _is_cjk(found[0])):
                    prev = toks[-1].text or text[toks[-1].pos : i]
                    raise UnitSyntaxError(
                        text,
                        i,
                        f"unit symbols written together ({prev}{found}) are ambiguous; "
                        f"separate them with '·' (e.g. {prev}·{found})",
                    )
            toks.append(_Tok(_ATOM, i, atom=atoms[found], text=found, spaced=spaced))
            i += len(found)
            spaced = False
            continue
        i += 1
        spaced = False
    return toks


def _unknown_token(text: str, i: int) -> str:
    m = re.compile(r"[A-Za-z°µμΩÅ℃℉]+|[\u3400-\u9fff]+|\S").match(text, i)
    return m.group(0) if m else text[i:]


_HINTS = {
    "rpm": "write r/min (转每分)",
    "kph": "write km/h",
    "KPH": "write km/h",
    "sec": "write s",
    "hr": "write h",
    "hrs": "write h",
    "kwh": "write kW·h",
    "Kg": "write kg (the prefix kilo is lower-case k)",
    "KG": "write kg",
    "cc": "write mL or cm³",
    "mins": "write min (no plural)",
    "secs": "write s",
    "kgs": "write kg (no plural)",
    "gms": "write g",
    "mls": "write mL",
    "ltr": "write L",
    "KM": "write km",
    "Km": "write km",
    "KWH": "write kW·h",
    "Kwh": "write kW·h",
    "kmh": "write km/h",
    "mph": "mile per hour is not a legal unit; write km/h",
}


def _hint(text: str, i: int) -> str:
    tok = _unknown_token(text, i)
    if tok in _HINTS:
        return _HINTS[tok]
    if tok.isascii() and tok.isalpha() and tok.lower() != tok:
        return "unit symbols are case-sensitive (GB 3101-1993)"
    return "not a legal unit, prefix or registered non-legal unit"


class _Parser:
    def __init__(self, text: str, toks: list[_Tok]) -> None:
        self.text = text
        self.toks = toks
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def error(
        self, reason: str, tok: _Tok | None = None, cls: type[UnitSyntaxError] = UnitSyntaxError
    ) -> NoReturn:
        pos = tok.pos if tok else (self.toks[self.i].pos if self.i < len(self.toks) else len(self.text))
        raise cls(self.text, pos, reason)

    def parse(self) -> list[Factor]:
        pers = [k for k, t in enumerate(self.toks) if t.kind == _PER]
        if len(pers) > 1:
            self.error(
                f"'{self.toks[pers[1]].text}' may appear only once", self.toks[pers[1]], AmbiguousUnitError
            )
        if pers:
            k = pers[0]
            if any(t.kind == _DIV for t in self.toks):
                self.error("do not mix '/' with '每'/'per'", self.toks[k], AmbiguousUnitError)
            num_toks, den_toks = self.toks[:k], self.toks[k + 1 :]
            if not den_toks:
                self.error(f"nothing after '{self.toks[k].text}'", self.toks[k])
            num = _Parser(self.text, num_toks).expr() if num_toks else []
            den_p = _Parser(self.text, den_toks)
            den = den_p.term()
            if den_p.peek() is not None:
                den_p.error("unexpected token")
            return num + [_neg(f) for f in den]
        out = self.expr()
        rest = self.peek()
        if rest is not None:
            self.error("unexpected ')'" if rest.kind == _RP else "unexpected token", rest)
        return out

    def expr(self) -> list[Factor]:
        num = self.term()
        tok = self.peek()
        if tok is not None and tok.kind == _DIV:
            self.i += 1
            den_tok = self.peek()
            den = self.factor()
            nxt = self.peek()
            if nxt is not None and nxt.kind == _DIV:
                self.error(
                    "more than one solidus '/' is ambiguous (GB 3101-1993 §3.2.2); "
                    "use parentheses or negative exponents, e.g. m/s² or m·s⁻²",
                    nxt,
                    AmbiguousUnitError,
                )
            if nxt is not None and nxt.kind in (_MUL, _ATOM, _PRE, _LP, _ONE):
                assert den_tok is not None
                self.error(
                    "a denominator of two or more units needs parentheses (GB 3101-1993 §3.2.2), "
                    f"e.g. {self.text[: den_tok.pos]}({self.text[den_tok.pos :]})",
                    nxt,
                    AmbiguousUnitError,
                )
            return num + [_neg(f) for f in den]
        return num

    def term(self) -> list[Factor]:
        out = self.factor()
        while True:
            tok = self.peek()
            if tok is None:
                return out
            if tok.kind == _MUL:
                self.i += 1
                out += self.factor()
            elif tok.kind in (_ATOM, _PRE, _LP, _ONE):
                out += self.factor()
            else:
                return out

    def factor(self) -> list[Factor]:
        tok = self.peek()
        if tok is None:
            self.error("expression ends where a unit is expected")
        pre = 1
        if tok.kind == _PRE:
            pre = tok.exp
            self.i += 1
            tok = self.peek()
            if tok is None or tok.kind != _ATOM:
                self.error(f"'{self.toks[self.i - 1].text}' must be followed by a unit")
        if tok.kind == _ATOM:
            self.i += 1
            base = list(tok.atom)
        elif tok.kind == _ONE:
            self.i += 1
            base = []
        elif tok.kind == _LP:
            self.i += 1
            base = self.expr()
            close = self.peek()
            if close is None or close.kind != _RP:
                self.error("missing ')'")
            self.i += 1
        elif tok.kind == _EXP:
            self.error("exponent without a unit")
        else:
            self.error("a unit is expected here", tok)
        post = 1
        nxt = self.peek()
        if nxt is not None and nxt.kind == _EXP:
            self.i += 1
            post = nxt.exp
            if post == 0:
                self.error("exponent 0", nxt)
        e = pre * post
        return [Factor(f.prefix, f.unit, f.exponent * e) for f in base]


def _parse_uncached(text: str, *, lexicon: dict[str, tuple[Factor, ...]] | None = None) -> UnitExpr:
    if not isinstance(text, str):
        raise TypeError(f"unit must be a str, not {type(text).__name__}")
    if len(text) > _MAX_LEN:
        raise UnitSyntaxError(text[:40] + "…", -1, f"longer than {_MAX_LEN} characters")
    norm = text.replace("**", "^").translate(_NORMALISE).strip()
    if not norm:
        raise UnitSyntaxError(text, 0, "empty unit expression")
    if lexicon is None:
        lex = _lexicon()
        atoms, lengths = lex.atoms, lex.lengths_by_first
    else:
        atoms = lexicon
        tmp: dict[str, set[int]] = {}
        for key in atoms:
            tmp.setdefault(key[0], set()).add(len(key))
        lengths = {k: tuple(sorted(v, reverse=True)) for k, v in tmp.items()}
    if norm in atoms:
        return _canonical(atoms[norm])
    toks = _tokenize(norm, atoms, lengths)
    return _canonical(_Parser(norm, toks).parse())


@lru_cache(maxsize=8192)
def parse_unit(text: str) -> UnitExpr:
    """Parse a unit expression in international or Chinese notation (cached).

    >>> parse_unit("千米每小时") == parse_unit("km/h") == parse_unit("千米/时")
    True
    >>> format_unit(parse_unit("m·s⁻²"), "zh")
    '米/秒²'
    >>> parse_unit("m/s/s")
    Traceback (most recent call last):
    ...
    jiliang.core.units.errors.AmbiguousUnitError: cannot parse unit 'm/s/s' at position 3: more than one solidus '/' is ambiguous (GB 3101-1993 §3.2.2); use parentheses or negative exponents, e.g. m/s² or m·s⁻²
    """
    return _parse_uncached(text)


# ---------------------------------------------------------------------------------------------------
# Formatter
# ---------------------------------------------------------------------------------------------------


def _sup(n: int) -> str:
    return "" if n == 1 else str(n).translate(_TO_SUPER)


_ZH_EXP_NAME = {2: "二次方", 3: "三次方", 4: "四次方"}


def _atom(f: Factor, lang: Lang, style: Style, reg: Registry, short: bool = False) -> str:
    u = reg.units[f.unit]
    p = reg.prefixes[f.prefix] if f.prefix else None
    if lang == "zh":
        if style == "symbol":
            return (p.name_zh_short if p else "") + u.symbol_zh
        if short:  # in compound names the bracketed characters are omitted: 千瓦时, 牛米
            return (p.name_zh_short if p else "") + u.name_zh_short
        return (p.name_zh_full if p else "") + u.name_zh_full
    if style == "symbol":
        return (p.symbol if p else "") + u.international_symbol
    return (p.name_en if p else "") + u.name_en


def _name_power(f: Factor, e: int, lang: Lang, reg: Registry, short: bool = False) -> str:
    base = _atom(f, lang, "name", reg, short)
    is_length = reg.units[f.unit].quantity_kind == "length"
    if e == 1:
        return base
    if lang == "zh":
        if is_length and e in (2, 3):
            return ("平方" if e == 2 else "立方") + base
        return _ZH_EXP_NAME.get(e, f"{e}次方") + base
    if is_length and e in (2, 3):
        return ("square " if e == 2 else "cubic ") + base
    if e in (2, 3):
        return base + (" squared" if e == 2 else " cubed")
    return f"{base}^{e}"


def format_unit(expr: UnitExpr, lang: Lang = "zh", style: Style = "symbol") -> str:
    """Write a unit expression from the registry, in Chinese or English, as symbols or names.

    >>> u = parse_unit("km/h")
    >>> format_unit(u, "zh"), format_unit(u, "zh", "name"), format_unit(u, "en"), format_unit(u, "en", "name")
    ('千米/时', '千米每小时', 'km/h', 'kilometre per hour')
    """
    reg = get_registry()
    if not expr.factors:
        return "1"
    num = [f for f in expr.factors if f.exponent > 0]
    den = [f for f in expr.factors if f.exponent < 0]
    if style == "symbol":
        sep = "·"
        if not num:
            return sep.join(_atom(f, lang, style, reg) + _sup(f.exponent) for f in den)
        head = sep.join(_atom(f, lang, style, reg) + _sup(f.exponent) for f in num)
        if not den:
            return head
        tail = sep.join(_atom(f, lang, style, reg) + _sup(-f.exponent) for f in den)
        return f"{head}/{tail}" if len(den) == 1 else f"{head}/({tail})"
    joiner = "" if lang == "zh" else " "
    per = "每" if lang == "zh" else " per "
    short = len(expr.factors) > 1
    head = joiner.join(_name_power(f, f.exponent, lang, reg, short) for f in num)
    if not den:
        return head
    # GB names: 千瓦时 but 千米每小时 — after 每 the hour keeps its full name
    tail = joiner.join(_name_power(f, -f.exponent, lang, reg, short and f.unit != "hour") for f in den)
    if not head:
        return ("每" if lang == "zh" else "per ") + tail
    return head + per + tail
