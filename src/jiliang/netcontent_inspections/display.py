"""Presentation helpers of the net-content pages and the PDF report (view layer): the core's reason and
finding codes (jiliang.core.netcontent.evaluation / .labelling) as translated sentences, package classes,
the tolerable-deficiency rule, the measurement source, region names and numbers rounded for people.

The codes stay in the record and in the API; only what people read is translated here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from jiliang.platform import i18n
from jiliang.platform.web import region_labels  # the one lookup every area uses


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown."""
    return message


def _(message: str) -> str:
    return i18n.gettext_(message)


REASONS = {
    "T1_COUNT_WITHIN_LIMIT": N_(
        "%(n)s package(s) short by more than T (%(t)s) but not more than 2T: at most %(allowed)s allowed "
        "in a sample of %(sample)s"
    ),
    "T1_COUNT_EXCEEDED": N_(
        "%(n)s package(s) short by more than T (%(t)s) but not more than 2T: more than the %(allowed)s "
        "allowed in a sample of %(sample)s"
    ),
    "T2_COUNT_WITHIN_LIMIT": N_(
        "%(n)s package(s) short by more than 2T (%(t2)s): at most %(allowed)s allowed"
    ),
    "T2_COUNT_EXCEEDED": N_(
        "%(n)s package(s) short by more than 2T (%(t2)s): more than the %(allowed)s allowed"
    ),
    "MEAN_CRITERION_MET": N_("The mean content %(mean)s is not below Qn − λ·s = %(limit)s"),
    "MEAN_BELOW_LIMIT": N_("The mean content %(mean)s is below Qn − λ·s = %(limit)s"),
    "MEAN_NOT_APPLICABLE": N_("Lot of 1 to 10 packages: the mean criterion is not applied"),
    "LABEL_UNIT_OK": N_("The net content %(qn)s is stated in a prescribed unit"),
    "LABEL_UNIT_NOT_PRESCRIBED": N_("The net content %(qn)s should be stated in %(units)s"),
    "CHARACTER_HEIGHT_OK": N_(
        "The characters of the net-content statement are %(h)s mm high; at least %(min)s mm is required"
    ),
    "CHARACTER_HEIGHT_TOO_SMALL": N_(
        "The characters of the net-content statement are only %(h)s mm high; at least %(min)s mm is required"
    ),
    "LABEL_TEXT_NON_LEGAL_UNIT": N_(
        "The label uses a unit that is not a legal unit of measurement: %(detail)s"
    ),
}

PACKAGE_CLASSES = {
    "not_short": N_("not short"),
    "within_T": N_("short by at most T"),
    "T1": N_("short by more than T (T1)"),
    "T2": N_("short by more than 2T (T2)"),
}

ROUNDING_MODES = {
    "half_up": N_("round half up"),
    "half_even": N_("round half to even"),
    "up": N_("round up"),
}

SOURCES = {
    "form": N_("entered in the form"),
    "demo": N_("demonstration data"),
    "json": N_("sent through the API"),
    "api": N_("sent through the API"),
}


def decimals(value: Any) -> int:
    """Decimal places of a stored reading (an int, a float or a decimal string)."""
    try:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
    except (InvalidOperation, ValueError):
        return 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def reading_decimals(packages: Iterable[Mapping[str, Any]] | None) -> int:
    """Decimal places of the readings (the most found among the packages' net contents)."""
    return max((decimals(p.get("net")) for p in packages or ()), default=0)


def fixed(value: Any, places: int) -> str:
    """``value`` to ``places`` decimal places; "—" when there is none."""
    if value is None:
        return "—"
    try:
        return f"{Decimal(str(value)):.{max(0, min(places, 12))}f}"
    except (InvalidOperation, ValueError):
        return str(value)


def significant(value: Any, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, without exponent notation."""
    if value is None:
        return "—"
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if d == 0:
        return "0"
    places = digits - 1 - d.adjusted()
    return f"{d:.{max(0, min(places, 12))}f}"


def _quantity(value: Any, unit: str) -> str:
    return f"{significant(value, 12).rstrip('0').rstrip('.') if value is not None else '—'} {unit}".strip()


def reason_text(
    code: str, res: Mapping[str, Any], *, mean_places: int | None = None, insp: Any = None, message: str = ""
) -> str:
    """The translated sentence of a reason code of the verdict or of a label finding; the core's English
    message when the code is unknown."""
    template = REASONS.get(code)
    if template is None:
        return message or code
    counts = res.get("counts") or {}
    td = res.get("tolerable_deficiency") or {}
    mc = res.get("mean_criterion") or {}
    unit = str(res.get("unit") or td.get("unit") or mc.get("unit") or "")
    t = td.get("value")
    places = mean_places if mean_places is not None else 2
    params: dict[str, Any] = {
        "t": _quantity(t, unit),
        "t2": _quantity(Decimal(str(t)) * 2 if t is not None else None, unit),
        "sample": res.get("sample_size", ""),
        "mean": f"{fixed(mc.get('mean'), places)} {unit}".strip(),
        "limit": f"{fixed(mc.get('limit'), places)} {unit}".strip(),
        "qn": "",
        "h": "",
        "units": "",
        "min": "",
        "detail": message,
    }
    m = re.search(r"should be stated in (.+), not \S+$", message)
    if m:
        params["units"] = m[1].replace(" or ", " / ")
    m = re.search(r"at least ([\d.]+) mm required", message)
    if m:
        params["min"] = m[1]
    m = re.search(r"^characters ([\d.]+) mm high", message)
    if m:
        params["h"] = m[1]
    if code.startswith("T1_"):
        params["n"] = counts.get("short_beyond_T_not_beyond_2T", "")
        params["allowed"] = counts.get("allowed_T_to_2T", "")
    elif code.startswith("T2_"):
        params["n"] = counts.get("short_beyond_2T", "")
        params["allowed"] = counts.get("allowed_beyond_2T", "")
    if (code == "LABEL_UNIT_NOT_PRESCRIBED" and not params["units"]) or (
        code.startswith("CHARACTER_HEIGHT") and not params["min"]
    ):
        return message or code
    if insp is not None:
        params["qn"] = f"{insp.nominal} {insp.unit}"
        params["h"] = params["h"] or insp.label_character_height_mm or ""
    return _(template) % params


def package_class(code: str) -> str:
    return _(PACKAGE_CLASSES[code]) if code in PACKAGE_CLASSES else code


def rounding_mode(code: str | None) -> str:
    if not code:
        return "—"
    return _(ROUNDING_MODES[code]) if code in ROUNDING_MODES else code


_RULE = re.compile(
    r"^(?P<base>(?P<pct>[\d.]+) % of Qn|(?P<abs>[\d.]+) (?P<unit>\S+))"
    r"(?:, rounded to (?P<step>[\d.]+) (?P<sunit>\S+) \((?P<mode>\w+)\)"
    r"|(?P<ceil>, fraction rounded up to the next integer))?$"
)


def td_rule(rule: str) -> str:
    """The core's tolerable-deficiency rule ("1.5 % of Qn, rounded to 1 g (half_up)") translated."""
    m = _RULE.match(rule or "")
    if m is None:
        return rule
    if m["pct"]:
        text = _("%(percent)s %% of Qn") % {"percent": m["pct"]}
    else:
        text = f"{m['abs']} {m['unit']}"
    if m["step"]:
        text += _(", rounded to %(step)s (%(mode)s)") % {
            "step": f"{m['step']} {m['sunit']}",
            "mode": rounding_mode(m["mode"]),
        }
    elif m["ceil"]:
        text += _(", a fraction rounded up to the next whole number")
    return text


def measurement_source(source: str | None) -> str:
    """Where the readings came from, for people (the file digest stays in the record)."""
    if not source:
        return "—"
    if source.startswith("csv:"):
        name = source[4:].rsplit(" sha256:", 1)[0]
        return _("CSV file %(name)s") % {"name": name}
    return _(SOURCES[source]) if source in SOURCES else source




def context(
    res: Mapping[str, Any] | None, insp: Any = None, *, region_codes: Iterable[str | None] = ()
) -> dict[str, Any]:
    """Template helpers of a detail page or the report."""
    places = reading_decimals((res or {}).get("packages")) + 1
    return {
        "reason_text": lambda code, message="": reason_text(
            code, res or {}, mean_places=places, insp=insp, message=message
        ),
        "package_class": package_class,
        "rounding_mode": rounding_mode,
        "td_rule": td_rule,
        "measurement_source": measurement_source,
        "mean_places": places,
        "fixed": fixed,
        "significant": significant,
        "regions": region_labels(region_codes),
    }
