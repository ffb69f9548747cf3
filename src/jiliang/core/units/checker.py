"""Non-legal unit checker (非法定计量单位使用检查) for free text and table cells.

Finds market units (斤, 两, 亩 …), imperial/US units (磅, 英尺, 加仑 …) and obsolete units (公尺, 千克力,
毫米汞柱, 卡 …) in Chinese and English text, with the number attached (``5斤``, ``3.5 英尺``, ``1.5匹``,
``半斤``, ``二两``, ``3-5斤``, ``三四斤``), and proposes the legal replacement with the converted value
(``5斤 → 2.5 kg``). Legal basis: 国务院《关于在我国统一实行法定计量单位的命令》(1984), GB 3100-1993.

Rules, look-alike guards, idioms and context exemptions are data (``data/checker_rules.json``). Precision is
won by the guards, in this order:

1. most single-character units (两 里 尺 寸 丈 担 钱 卡 托 巴 埃 码 匹) count only *after a number*;
2. ``not_before`` text right after the unit makes it another word (千斤顶, 一两个人, 丈夫, 三里屯);
3. ``reject_numbers`` drop idiomatic bare numbers (千里, 万丈); ``第`` before a number drops ordinals;
4. ``context_required`` asks for topical words nearby (匹 needs 空调; 桶 needs 原油; 卡 needs 热量 …);
5. a list of idioms (半斤八两, 四两拨千斤, 一亩三分地 …) vetoes any overlapping match;
6. context exemptions (mmHg near 血压; inch for screen sizes) are configurable.

The scan is one compiled regular expression; only candidate matches reach Python code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jiliang.core.units.convert import exact_conversion
from jiliang.core.units.errors import InvalidInputError, UnitError
from jiliang.core.units.expression import Factor, UnitExpr, format_unit, parse_unit
from jiliang.core.units.registry import get_registry

__all__ = [
    "CheckRule",
    "Checker",
    "Exemption",
    "Finding",
    "check_cells",
    "check_text",
    "get_checker",
    "parse_number",
]

#: Longest text accepted by :func:`check_text` (characters); larger inputs should be checked in chunks.
MAX_TEXT_CHARS = 50_000_000

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_EN_NUM: dict[str, Fraction | int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "half": Fraction(1, 2),
}  # fmt: skip
_SCI_RE = re.compile(
    r"(?P<mant>[\d.,]+)(?:(?P<sep>\s*[×xX*]\s*10\^?|[eE])|(?=[⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹]))(?P<exp>[-+⁻⁺]?[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
)
_SUPER_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_VULGAR = {
    "½": Fraction(1, 2),
    "¼": Fraction(1, 4),
    "¾": Fraction(3, 4),
    "⅓": Fraction(1, 3),
    "⅔": Fraction(2, 3),
}

_SCI = r"(?:\s*[×xX*]\s*10(?:\^[-+]?\d+|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|[eE][-+]?\d+|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
_AR = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?(?:/\d+|{_SCI})?|[½¼¾⅓⅔])(?:万|亿)?(?:多|余|来)?"
_CN = r"[零〇一二两三四五六七八九十百千万半几数][零〇一二两三四五六七八九十百千万半几数多余来]*"
_EN = r"(?<![A-Za-z])(?i:" + "|".join(sorted(_EN_NUM, key=len, reverse=True)) + r")"
_ONE = rf"(?:{_AR}|{_CN}|{_EN})"
_SEP = r"\s*(?:-|~|～|〜|—|–|－|至|到|(?<=[0-9a-z])\s(?:to|or)\s)\s*"
NUM = rf"{_ONE}(?:{_SEP}{_ONE})?"


@dataclass(frozen=True, slots=True, eq=False)
class CheckRule:
    """One checker rule (see ``data/checker_rules.json`` for the meaning of each field)."""

    id: str
    category: str
    words: tuple[str, ...]
    unit: str | None
    label: str
    replacement: str
    number: str
    per: bool
    numerals: str
    not_before: tuple[str, ...]
    not_after: tuple[str, ...]
    not_before_re: re.Pattern[str] | None
    reject_numbers: frozenset[str]
    context_required: tuple[str, ...]
    context_forbidden: tuple[str, ...]
    guard_numbers: frozenset[str]
    window: int
    severity: str
    source: str
    source_status: str
    note: str | None
    exponent: int
    english: bool
    case_insensitive: bool


@dataclass(frozen=True, slots=True)
class Exemption:
    """A context exemption: matches of ``rules`` with one of ``context`` nearby are not findings."""

    id: str
    rules: frozenset[str]
    enabled: bool
    window: int
    context: tuple[str, ...]
    source: str
    source_status: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A non-legal unit found in text.

    ``start``/``end`` are character offsets into the checked string (or cell); ``row``/``column`` are set by
    :func:`check_cells`. ``message`` reads like ``5斤 → 2.5 kg``.
    """

    start: int
    end: int
    text: str
    unit: str
    unit_code: str | None
    number: str | None
    replacement: str
    converted: str | None
    message: str
    rule_id: str
    category: str
    severity: str
    source: str
    source_status: str
    exempted_by: str | None = None
    row: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# ---------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------


def _cn_integer(s: str) -> Fraction | None:
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s) and len(s) > 1:
        # digit by digit: 一五 → 15 (rare in measurements); treat as plain digits
        return Fraction(int("".join(str(_CN_DIGITS[c]) for c in s)))
    total = 0
    section = 0
    digit = None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            mult = _CN_UNITS[c]
            if mult == 10000:
                section = (section + (digit or 0)) * mult
                total += section
                section = 0
            else:
                section += (1 if digit is None else digit) * mult
            digit = None
        else:
            return None
    return Fraction(total + section + (digit or 0))


def parse_number(text: str) -> tuple[Fraction, Fraction] | None:
    """Parse a number or range as written before a unit; ``None`` when it is vague (几, 数, 十多).

    >>> parse_number("3.5")
    (Fraction(7, 2), Fraction(7, 2))
    >>> parse_number("3-5")
    (Fraction(3, 1), Fraction(5, 1))
    >>> parse_number("三四")
    (Fraction(3, 1), Fraction(4, 1))
    >>> parse_number("一千二百五十") == (1250, 1250)
    True
    >>> parse_number("半"), parse_number("十几")
    ((Fraction(1, 2), Fraction(1, 2)), None)
    """
    t = text.strip()
    m = re.fullmatch(rf"({_ONE}){_SEP}({_ONE})", t)
    if m:
        lo, hi = _single(m.group(1)), _single(m.group(2))
        if lo is None or hi is None:
            return None
        return lo, hi
    # adjacent Chinese digits: 三四 (3 to 4), 一两 (1 to 2), 七八
    if len(t) == 2 and t[0] in _CN_DIGITS and t[1] in _CN_DIGITS:
        a, b = _CN_DIGITS[t[0]], _CN_DIGITS[t[1]]
        if b == a + 1:
            return Fraction(a), Fraction(b)
    v = _single(t)
    return None if v is None else (v, v)


def _single(t: str) -> Fraction | None:
    t = t.strip()
    if not t or t[-1] in "多余来":
        return None
    if t in _VULGAR:
        return _VULGAR[t]
    low = t.lower()
    if low in _EN_NUM:
        return Fraction(_EN_NUM[low])
    if t[0].isdigit():
        mult = Fraction(1)
        if t[-1] in "万亿":
            mult = Fraction(10**4 if t[-1] == "万" else 10**8)
            t = t[:-1]
        sci = _SCI_RE.fullmatch(t)
        if sci:
            exp = int(sci.group("exp").translate(_SUPER_DIGITS))
            if sci.group("sep") is None:  # 10⁻³: the number itself is the power of ten
                if sci.group("mant") != "10":
                    return None
                return Fraction(10) ** exp * mult
            return Fraction(sci.group("mant").replace(",", "")) * Fraction(10) ** exp * mult
        if "/" in t:
            a, b = (int(x.replace(",", "")) for x in t.split("/", 1))
            # only proper fractions (3/8 英寸); 120/80 mmHg is a pair of values, not a number
            return Fraction(a, b) * mult if 0 < a < b else None
        try:
            return Fraction(t.replace(",", "")) * mult
        except ValueError:
            return None
    if any(c in "几数" for c in t):
        return None
    half = t.endswith("半") and len(t) > 1
    if t == "半":
        return Fraction(1, 2)
    core = t[:-1] if half else t
    v = _cn_integer(core)
    if v is None:
        return None
    return v + (Fraction(1, 2) if half else 0)


def _fmt_value(x: Fraction) -> tuple[str, bool]:
    """Format a converted value; returns (text, exact). Exact when at most 6 decimals are needed."""
    if x == 0:
        return "0", True
    den = x.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    digits = max(twos, fives)
    if den == 1 and digits <= 6:
        return (f"{float(x):.{digits}f}" if digits else str(x.numerator)), True
    s = f"{float(x):.4g}"
    if "e" in s:
        mant, exp = s.split("e")
        s = f"{mant}×10^{int(exp)}"
    return s, False


# ---------------------------------------------------------------------------------------------------
# Rule loading and the compiled scanner
# ---------------------------------------------------------------------------------------------------


def _load_rules_doc() -> Any:
    text = (
        resources.files("jiliang.core.units")
        .joinpath("data")
        .joinpath("checker_rules.json")
        .read_text("utf-8")
    )
    return json.loads(text)


#: characters that can make up a number written before a unit (scanned backwards from the unit word)
_NUM_CHARS = frozenset(
    "0123456789０１２３４５６７８９.,/-~～〜—–－至到×^⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺½¼¾⅓⅔零〇一二两三四五六七八九十百千万亿半几数多余来"
)
_NUM_FULL = re.compile(NUM)
#: a number-only unit word is a candidate only when one of these characters stands right before it
_SPACES = " \t\u00a0\u3000"
_BEFORE_CLASS = "".join(re.escape(c) for c in sorted(_NUM_CHARS | set("每/") | set(_SPACES)))
_MAX_NUMBER_CHARS = 40
_MAX_IDIOM = 8


def _variants(w: str, case_insensitive: bool) -> set[str]:
    return {w, w.lower(), w.capitalize(), w.upper()} if case_insensitive else {w}


def _trigger_alternative(w: str, number_only: bool) -> str:
    """One alternative of the trigger expression: the literal word first (so the regex engine can skip
    positions by its first character), then zero-width guards."""
    lit = re.escape(w)
    body = lit
    if w[-1].isascii() and w[-1].isalnum():
        body += r"(?![A-Za-z])"
    if number_only:
        body += rf"(?<=[{_BEFORE_CLASS}]{lit})"
    elif w[0].isascii() and w[0].isalpha():
        body += rf"(?<![A-Za-z]{lit})"
    return body


@dataclass(frozen=True)
class Checker:
    """A compiled checker: rules, exemptions, idioms and the trigger expression."""

    version: str
    rules: Mapping[str, CheckRule]
    exemptions: Mapping[str, Exemption]
    idioms: tuple[str, ...]
    accepted: tuple[Mapping[str, Any], ...]
    _trigger: re.Pattern[str] = field(repr=False)
    _word_rule: Mapping[str, tuple[str, ...]] = field(repr=False)
    _patterns: Mapping[str, tuple[str, re.Pattern[str]]] = field(repr=False)
    _idiom_re: re.Pattern[str] = field(repr=False)
    _per_words: frozenset[str] = field(repr=False)
    _numeral_words: frozenset[str] = field(repr=False)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Checker:
        rules: dict[str, CheckRule] = {}
        word_rule: dict[str, list[str]] = {}
        for r in doc["rules"]:
            rule = CheckRule(
                id=r["id"],
                category=r["category"],
                words=tuple(r["words"]),
                unit=r["unit"],
                label=r["label"],
                replacement=r["replacement"],
                number=r["number"],
                per=bool(r["per"]),
                numerals=r["numerals"],
                not_before=tuple(r["not_before"]),
                not_after=tuple(r["not_after"]),
                not_before_re=re.compile(r["not_before_re"]) if r["not_before_re"] else None,
                reject_numbers=frozenset(r["reject_numbers"]),
                context_required=tuple(r["context_required"]),
                context_forbidden=tuple(r["context_forbidden"]),
                guard_numbers=frozenset(r["guard_numbers"]),
                window=int(r["window"]),
                severity=r["severity"],
                source=r["source"],
                source_status=r["source_status"],
                note=r["note"],
                exponent=int(r["exponent"]),
                english=bool(r["english"]),
                case_insensitive=bool(r["case_insensitive"]),
            )
            if rule.number not in ("required", "optional", "none"):
                raise ValueError(f"rule {rule.id}: bad number mode {rule.number!r}")
            rules[rule.id] = rule
            for w in rule.words:
                word_rule.setdefault(w.lower() if rule.case_insensitive else w, []).append(rule.id)
        variants: dict[str, bool] = {}  # variant -> number_only
        for key, ids in word_rule.items():
            number_only = all(rules[i].number == "required" for i in ids)
            for rid in ids:
                rule = rules[rid]
                for w in rule.words:
                    if (w.lower() if rule.case_insensitive else w) == key:
                        for v in _variants(w, rule.case_insensitive):
                            variants[v] = variants.get(v, True) and number_only
        if any(len(i) > _MAX_IDIOM for i in doc["idioms"]):
            raise ValueError(f"idioms longer than {_MAX_IDIOM} characters are not supported")
        patterns: dict[str, tuple[str, re.Pattern[str]]] = {}
        for p in doc["patterns"]:
            if p["rule"] not in rules:
                raise ValueError(f"pattern names unknown rule {p['rule']!r}")
            patterns[p["head"]] = (p["rule"], re.compile(p["regex"].replace("{NUM}", NUM)))
            variants.setdefault(p["head"], False)
        ordered = sorted(variants, key=lambda w: (-len(w), w))
        trigger = re.compile("|".join(_trigger_alternative(w, variants[w]) for w in ordered))
        exemptions = {
            e["id"]: Exemption(
                id=e["id"],
                rules=frozenset(e["rules"]),
                enabled=bool(e["enabled"]),
                window=int(e["window"]),
                context=tuple(c.lower() for c in e["context"]),
                source=e["source"],
                source_status=e["source_status"],
            )
            for e in doc["exemptions"]
        }
        for e in exemptions.values():
            unknown = e.rules - rules.keys()
            if unknown:
                raise ValueError(f"exemption {e.id} names unknown rules {sorted(unknown)}")
        return cls(
            version=str(doc["version"]),
            rules=rules,
            exemptions=exemptions,
            idioms=tuple(sorted(doc["idioms"], key=len, reverse=True)),
            accepted=tuple(doc["accepted"]),
            _trigger=trigger,
            _word_rule={k: tuple(v) for k, v in word_rule.items()},
            _patterns=patterns,
            _per_words=frozenset(
                v
                for v in variants
                if any(rules[i].per for i in word_rule.get(v) or word_rule.get(v.lower()) or [])
            ),
            _numeral_words=frozenset(v for v in variants if all(c in _NUM_CHARS for c in v)),
            _idiom_re=re.compile(
                "|".join(re.escape(i) for i in sorted(doc["idioms"], key=len, reverse=True))
            ),
        )

    @property
    def trigger_words(self) -> tuple[str, ...]:
        """Every word that starts a candidate match (for benchmarks and documentation)."""
        return tuple(sorted({w for r in self.rules.values() for w in r.words}, key=len, reverse=True))

    # -----------------------------------------------------------------------------------------------

    def scan(
        self,
        text: str,
        *,
        exemptions: Collection[str] | None = None,
        include_exempt: bool = False,
        context: str = "",
    ) -> Iterator[Finding]:
        """Yield findings in ``text`` (the core loop; see :func:`check_text` for the checked entry point)."""
        active = [
            e
            for e in self.exemptions.values()
            if (e.id in exemptions if exemptions is not None else e.enabled)
        ]
        judge = self._judge
        for m in self._trigger.finditer(text):
            s, e = m.span()
            f = judge(text, m.group(0), s, e, active, include_exempt, context)
            if f is not None:
                yield f

    def _judge(
        self,
        text: str,
        word: str,
        s: int,
        e: int,
        active: Sequence[Exemption],
        include_exempt: bool,
        context: str,
    ) -> Finding | None:
        if word in self._patterns:
            rid, pattern = self._patterns[word]
            pm = pattern.match(text, s)
            if pm is None:
                return None
            nm = _NUM_FULL.search(pm.group(0))
            return self._finding(
                text,
                s,
                pm.end(),
                self.rules[rid],
                nm.group(0) if nm else None,
                active,
                include_exempt,
                context,
            )
        ids = self._word_rule.get(word) or self._word_rule.get(word.lower(), ())
        if not ids:
            return None
        # a numeral that is also a unit word (两) followed by another unit word is part of that number
        if word in self._numeral_words:
            k = e
            while k < len(text) and text[k] in _SPACES:
                k += 1
            if self._trigger.match(text, k):
                return None
        number = _number_before(text, s)
        per_start = _per_before(text, s, word) if word in self._per_words else None
        for rid in ids:
            rule = self.rules[rid]
            candidates: list[tuple[str, int, str | None]] = []
            if number is not None and rule.number != "none":
                candidates.append(("num", number[0], number[1]))
            if per_start is not None and rule.per:
                candidates.append(("per", per_start, None))
            if rule.number != "required":
                candidates.append(("free", s, None))
            for branch, start, num in candidates:
                if not self._accept(text, start, e, rule, branch, num, word):
                    continue
                end = e
                # "一斤半": a trailing 半 adds a half
                if branch == "num" and num is not None and text.startswith("半", end) and not word.isascii():
                    num = num if num.endswith("半") else num + "半"
                    end += 1
                return self._finding(text, start, end, rule, num, active, include_exempt, context)
        return None

    def _accept(
        self, text: str, start: int, end: int, rule: CheckRule, branch: str, number: str | None, word: str
    ) -> bool:
        if branch == "num":
            assert number is not None
            n = number
            if rule.numerals == "arabic" and not (n[0].isdigit() or n[0] in _VULGAR):
                return False
            if rule.numerals == "definite" and any(c in "几数多余来" for c in n):
                return False
            if n in rule.reject_numbers:
                return False
            if n[0].isascii() and n[0].isalpha() and not word.isascii():
                return False  # English number words only before English unit words
            # an Arabic number glued to letters before it is part of a code (G1/2, A4, COVID-19)
            prev = text[start - 1] if start > 0 else ""
            if prev and (prev.isascii() and prev.isalnum() or prev in "./"):
                return False
            if prev in ("-", "–") and start > 1 and text[start - 2].isascii() and text[start - 2].isalnum():
                return False
        if rule.not_after and text.endswith(rule.not_after, max(0, start - 4), start):
            return False
        if (
            rule.not_before
            and text.startswith(rule.not_before, end)
            and not (branch == "num" and rule.guard_numbers and number not in rule.guard_numbers)
        ):
            return False
        if rule.not_before_re is not None and rule.not_before_re.match(text, end):
            return False
        if rule.context_required or rule.context_forbidden:
            lo, hi = max(0, start - rule.window), min(len(text), end + rule.window)
            window = text[lo:hi]
            if rule.context_required and not _context_re(rule.context_required).search(window):
                return False
            if rule.context_forbidden and _context_re(rule.context_forbidden).search(window):
                return False
        # idioms overlapping the match (each idiom is tried at every position of a small window)
        for im in self._idiom_re.finditer(text, max(0, start - _MAX_IDIOM), end + _MAX_IDIOM):
            if im.start() < end and im.end() > start:
                return False
        return True

    def _finding(
        self,
        text: str,
        start: int,
        end: int,
        rule: CheckRule,
        number: str | None,
        active: Sequence[Exemption],
        include_exempt: bool,
        context: str,
    ) -> Finding | None:
        exempted_by = None
        for ex in active:
            if rule.id in ex.rules:
                # English words are longer than Chinese characters: widen the window for ASCII matches
                w = ex.window * 3 if text[start:end].isascii() else ex.window
                lo, hi = max(0, start - w), min(len(text), end + w)
                window = (text[lo:hi] + "\n" + context).lower()
                if _context_re(ex.context).search(window):
                    exempted_by = ex.id
                    break
        if exempted_by and not include_exempt:
            return None
        matched = text[start:end]
        converted, message = _replacement_text(rule, number, matched)
        return Finding(
            start=start,
            end=end,
            text=matched,
            unit=rule.label,
            unit_code=rule.unit,
            number=number.strip() if number else None,
            replacement=_replacement_symbol(rule.replacement),
            converted=converted,
            message=message,
            rule_id=rule.id,
            category=rule.category,
            severity="info" if exempted_by else rule.severity,
            source=rule.source,
            source_status=rule.source_status,
            exempted_by=exempted_by,
        )


@cache
def _context_re(words: tuple[str, ...]) -> re.Pattern[str]:
    """Context words as one expression; English words must stand alone (fee is not in feed)."""
    parts = []
    for w in sorted(words, key=len, reverse=True):
        body = re.escape(w)
        if w[:1].isascii() and w[:1].isalnum():
            body = r"(?<![A-Za-z])" + body
        if w[-1:].isascii() and w[-1:].isalnum():
            body += r"(?![A-Za-z])"
        parts.append(body)
    return re.compile("|".join(parts))


def _number_before(text: str, s: int) -> tuple[int, str] | None:
    """The number written right before position ``s`` (start index and text), if any."""
    j = s
    while j > 0 and text[j - 1] in _SPACES:
        j -= 1
    k = j
    lim = max(0, j - _MAX_NUMBER_CHARS)
    while k > lim and text[k - 1] in _NUM_CHARS:
        k -= 1
    cand = text[k:j].rstrip("-–—")
    for a in range(len(cand)):
        if _NUM_FULL.fullmatch(cand, a):
            return k + a, cand[a:]
    if not cand and j > 0 and text[j - 1].isascii() and text[j - 1].isalpha():
        w = j
        while w > 0 and text[w - 1].isascii() and text[w - 1].isalpha():
            w -= 1
        if text[w:j].lower() in _EN_NUM:
            return w, text[w:j]
    return None


def _per_before(text: str, s: int, word: str) -> int | None:
    """Start of a 'per' marker (每, 元/, 元每, /, English per) right before position ``s``."""
    j = s
    while j > 0 and text[j - 1] in _SPACES:
        j -= 1
    head = text[max(0, j - 4) : j]
    if head.endswith(("元/", "元每")):
        return j - 2
    if head.endswith(("每", "/")):
        return j - 1
    if word.isascii() and head.endswith("per") and (j - 3 == 0 or not text[j - 4].isalpha()) and j < s:
        return j - 3
    return None


@cache
def _replacement_symbol(text: str) -> str:
    try:  # international symbols, with ℃ written as in GB 3100 (U+2103)
        return format_unit(parse_unit(text), "en").replace("°C", "℃")
    except UnitError:
        return text


@cache
def _rule_unit(code_or_expr: str, exponent: int) -> UnitExpr:
    if code_or_expr in get_registry().units:
        expr = UnitExpr((Factor(None, code_or_expr, 1),))
    else:
        expr = parse_unit(code_or_expr)
    return expr**exponent


@cache
def _rule_conversion(unit: str, exponent: int, replacement: str) -> tuple[Fraction, Fraction] | None:
    ex = exact_conversion(_rule_unit(unit, exponent), parse_unit(replacement))
    return None if ex.pi_power else (ex.scale, ex.offset)


def _convert_exact(value: Fraction, rule: CheckRule) -> tuple[str, bool] | None:
    if rule.unit is None:
        return None
    conv = _rule_conversion(rule.unit, rule.exponent, rule.replacement)
    if conv is None:
        return None
    return _fmt_value(value * conv[0] + conv[1])


@lru_cache(maxsize=65536)
def _replacement_text(rule: CheckRule, number: str | None, matched: str) -> tuple[str | None, str]:
    repl = _replacement_symbol(rule.replacement)
    if rule.unit is None:
        return None, f"{matched} → {repl} ({rule.label} is not a unit of measurement)"
    rng = parse_number(number) if number else None
    if rng is None:
        one = _convert_exact(Fraction(1), rule)
        if one is None:
            return None, f"{matched} → {repl}"
        txt, exact = one
        return None, f"{matched} → {repl} (1 {rule.label} {'=' if exact else '≈'} {txt} {repl})"
    lo = _convert_exact(rng[0], rule)
    hi = _convert_exact(rng[1], rule)
    if lo is None or hi is None:
        return None, f"{matched} → {repl}"
    approx = "" if (lo[1] and hi[1]) else "≈"
    conv = f"{approx}{lo[0]} {repl}" if rng[0] == rng[1] else f"{approx}{lo[0]}–{hi[0]} {repl}"
    return conv, f"{matched} → {conv}"


@cache
def get_checker() -> Checker:
    """The checker built from the packaged rules (compiled once)."""
    return Checker.from_document(_load_rules_doc())


def _validate_text(text: object) -> str:
    if isinstance(text, (bytes, bytearray)):
        raise InvalidInputError("the checker takes decoded text (str), not bytes; decode the file first")
    if not isinstance(text, str):
        raise InvalidInputError(f"the checker takes text (str), not {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInputError(
            f"text of {len(text)} characters exceeds the limit of {MAX_TEXT_CHARS}; split it"
        )
    if "\x00" in text:
        raise InvalidInputError("text contains NUL characters: this looks like binary data, not text")
    return text


def check_text(
    text: str,
    *,
    exemptions: Collection[str] | None = None,
    include_exempt: bool = False,
    context: str = "",
) -> list[Finding]:
    """Find non-legal units in a text.

    ``exemptions``: ids of the context exemptions to apply (default: those enabled in the rules data);
    ``include_exempt``: also return exempted matches, with ``severity="info"`` and ``exempted_by`` set;
    ``context``: extra text that counts as context for exemptions (e.g. a table column header).

    >>> [f.message for f in check_text("猪肉5斤，苹果3-5斤，一两个人")]
    ['5斤 → 2.5 kg', '3-5斤 → 1.5–2.5 kg']
    """
    return list(
        get_checker().scan(
            _validate_text(text), exemptions=exemptions, include_exempt=include_exempt, context=context
        )
    )


def check_cells(
    rows: Iterable[Sequence[object]],
    *,
    header: bool = True,
    exemptions: Collection[str] | None = None,
    include_exempt: bool = False,
) -> list[Finding]:
    """Check the cells of a table (CSV or spreadsheet rows already read into lists).

    Row and column numbers in the findings are 0-based indexes into ``rows``. With ``header=True`` the first
    row is checked too and also serves as context for the cells below it (a column "血压(mmHg)" exempts
    its values).

    >>> [(f.row, f.column, f.message) for f in check_cells([["品名", "重量"], ["大米", "10斤"]])]
    [(1, 1, '10斤 → 5 kg')]
    """
    checker = get_checker()
    out: list[Finding] = []
    headers: list[str] = []
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            value = cell if isinstance(cell, str) else str(cell)
            _validate_text(value)
            ctx = headers[c] if header and r > 0 and c < len(headers) else ""
            for f in checker.scan(value, exemptions=exemptions, include_exempt=include_exempt, context=ctx):
                out.append(_with_cell(f, r, c))
        if r == 0 and header:
            headers = ["" if v is None else str(v) for v in row]
    return out


def _with_cell(f: Finding, row: int, column: int) -> Finding:
    d = f.to_dict()
    d["row"] = row
    d["column"] = column
    return Finding(**d)
