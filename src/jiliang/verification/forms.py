"""The HTML data-entry form generated from ``jiliang.core.verification.form_document``, and back.

Input names of the page:

* ``instrument.<name>`` — an instrument parameter (a number, a choice, a comma-separated list for a
  ``number_list``, JSON for an ``object_list``);
* ``environment.<name>`` and ``environment.<name>.unit`` — an environmental value and its unit;
* ``point.<i>.<j>``, ``point.<i>.unit``, ``point.<i>.ref.<j>`` — reading j of test point i, the unit of the
  readings and the reference (standard) values where the procedure requires them;
* ``standard.<id>`` (used), ``standard.<id>.u`` and ``standard.<id>.unit`` — a measurement standard used and
  its standard uncertainty for the evaluation;
* ``decision_rule``.

Empty inputs become ``None`` (or are left out) so that ``evaluate_document`` reports them with row, field and
reason; the page never guesses a value.
"""

from __future__ import annotations

import json
from typing import Any

DECISION_RULES = ("jjf1094", "simple_acceptance", "guarded_acceptance")


def _number(text: str) -> Any:
    t = text.strip().replace(",", "") if isinstance(text, str) else text
    if t == "" or t is None:
        return None
    try:
        return int(t) if t.lstrip("+-").isdigit() else float(t)
    except ValueError:
        return t  # the core reports it: "must be a finite number, got '…'"


def label(item: dict[str, Any]) -> str:
    from jiliang.platform.web import localized

    return localized(item.get("label_zh"), item.get("label_en")) or str(
        item.get("name") or item.get("id") or ""
    )


def parse_parameter(kind: str, raw: str) -> Any:
    raw = raw.strip()
    if raw == "":
        return None
    if kind == "number":
        return _number(raw)
    if kind == "number_list":
        return [_number(x) for x in raw.replace("，", ",").replace(";", ",").split(",") if x.strip()]
    if kind == "object_list":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def show_parameter(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, int | float) for v in value):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def instrument_from_values(parameters: list[dict[str, Any]], values: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in parameters:
        v = parse_parameter(str(p.get("type", "number")), values.get(f"instrument.{p['name']}", ""))
        if v is not None:
            out[p["name"]] = v
    return out


def values_from_document(form: dict[str, Any] | None, document: dict[str, Any]) -> dict[str, str]:
    """Pre-fill the page from a saved input document (and the form's default units)."""
    out: dict[str, str] = {}
    for k, v in (document.get("instrument") or {}).items():
        out[f"instrument.{k}"] = show_parameter(v)
    if form:
        for e in form.get("environment", []):
            out[f"environment.{e['name']}.unit"] = e.get("unit") or ""
        for i, p in enumerate(form.get("points", [])):
            out[f"point.{i}.unit"] = p.get("unit") or ""
    env = document.get("environment") or {}
    for k, v in env.items() if isinstance(env, dict) else []:
        if isinstance(v, dict):
            if v.get("value") is not None:
                out[f"environment.{k}"] = show_parameter(v.get("value"))
            if v.get("unit"):
                out[f"environment.{k}.unit"] = str(v["unit"])
        elif v is not None:
            out[f"environment.{k}"] = show_parameter(v)
    ids = [p.get("id") for p in (form or {}).get("points", [])]
    for row in document.get("points") or []:
        if not isinstance(row, dict) or row.get("point") not in ids:
            continue
        i = ids.index(row["point"])
        for j, r in enumerate(row.get("readings") or []):
            out[f"point.{i}.{j}"] = show_parameter(r)
        if row.get("unit"):
            out[f"point.{i}.unit"] = str(row["unit"])
        for j, r in enumerate(row.get("reference") or []):
            out[f"point.{i}.ref.{j}"] = show_parameter(r)
    for s in document.get("standards") or []:
        if isinstance(s, dict) and s.get("standard_id"):
            out[f"standard.{s['standard_id']}.u"] = show_parameter(s.get("standard_uncertainty"))
            out[f"standard.{s['standard_id']}.unit"] = str(s.get("unit") or "")
    if document.get("decision_rule"):
        out["decision_rule"] = str(document["decision_rule"])
    return out


def document_from_values(
    form: dict[str, Any], instrument: dict[str, Any], values: dict[str, str], standard_ids: list[int]
) -> dict[str, Any]:
    """The input document of ``evaluate_document`` from the page's inputs."""
    env: dict[str, Any] = {}
    for e in form.get("environment", []):
        raw = values.get(f"environment.{e['name']}", "").strip()
        if raw == "":
            continue  # missing: the core says whether it is required
        env[e["name"]] = {
            "value": _number(raw),
            "unit": values.get(f"environment.{e['name']}.unit", e["unit"]).strip(),
        }
    points = []
    for i, p in enumerate(form.get("points", [])):
        n = int(p.get("repeats") or 1)
        readings = [_number(values.get(f"point.{i}.{j}", "")) for j in range(n)]
        row: dict[str, Any] = {
            "point": p["id"],
            "readings": readings,
            "unit": values.get(f"point.{i}.unit", p.get("unit") or "").strip(),
        }
        refs = [values.get(f"point.{i}.ref.{j}", "").strip() for j in range(n)]
        if any(refs):
            row["reference"] = [_number(r) for r in refs if r != ""]
        points.append(row)
    standards = []
    for sid in standard_ids:
        raw = values.get(f"standard.{sid}.u", "").strip()
        if raw:
            standards.append(
                {
                    "standard_id": sid,
                    "standard_uncertainty": _number(raw),
                    "unit": values.get(f"standard.{sid}.unit", "").strip(),
                }
            )
    doc: dict[str, Any] = {
        "procedure": form["procedure"],
        "stage": form["stage"],
        "instrument": instrument,
        "environment": env,
        "points": points,
        "standards": standards,
    }
    rule = values.get("decision_rule", "").strip()
    if rule:
        doc["decision_rule"] = rule
    return doc
