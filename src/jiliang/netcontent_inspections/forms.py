"""Turning a request (JSON, or a form with an optional CSV file of balance readings) into validated input.

Shared by the JSON API (``api.py``) and the HTML pages (``views.py``): one set of rules for both faces.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from jiliang.netcontent_inspections import readings as rd
from jiliang.netcontent_inspections.service import InvalidInput, source_of
from jiliang.platform.errors import DomainError

MAX_BODY = 2 * 1024 * 1024
FORM_FIELDS = (
    "product_name", "product_category", "brand", "batch", "producer_id", "seller_id", "producer_name",
    "region_code", "inspected_on", "place", "note", "campaign_id", "campaign_task_id", "lot_size", "kind",
    "nominal", "unit", "tare_method", "reading_unit", "density", "density_unit", "plan_version", "label_text",
    "label_character_height_mm", "correction_reason",
)  # fmt: skip


def field_name(loc: Any) -> str:
    """A pydantic location as the core names fields: ``net[3]``, ``tare``."""
    out = ""
    for part in loc or ():
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and (
            part.startswith("list[") or part in ("constrained-decimal", "decimal")
        ):
            continue  # the branch names of a union (tare: a list or one number)
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def validate(model: type[BaseModel], body: Any) -> Any:
    """Pydantic validation whose first error becomes a 422 naming the field; all errors in ``details``."""
    try:
        return model.model_validate(body)
    except ValidationError as e:
        errors = e.errors()
        # a union (tare: a list or one number) reports every branch: name the telling one
        first = next((x for x in errors if x.get("type") != "list_type"), errors[0])
        field = field_name(first.get("loc", ()))
        raise InvalidInput(
            f"{field}: {first.get('msg', 'invalid')}",
            field=field,
            details=[
                {"field": field_name(x.get("loc", ())), "reason": x.get("msg", "")} for x in e.errors()[:20]
            ],
        ) from None


async def read_request(request: Request) -> tuple[str, Any]:
    """("json", object) or ("form", form) — bounded in size; anything else is a 422 naming the body."""
    ctype = request.headers.get("content-type", "").lower()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise InvalidInput("the request is larger than 2 MB", field="body")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form(max_files=1, max_fields=60)
        except Exception as e:  # the multipart parser's own errors
            raise InvalidInput(f"unreadable form body ({type(e).__name__})", field="body") from None
        return "form", form
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput("the request is larger than 2 MB", field="body")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("the body is neither JSON nor a form", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInput("the JSON body must be an object", field="body")
    return "json", body


def form_values(form: Any) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


async def from_form(form: Any) -> tuple[dict[str, Any], rd.Readings | None, str]:
    """The fields of a form as the JSON body would carry them, the CSV readings if a file was sent, the source."""
    values = form_values(form)
    body: dict[str, Any] = {}
    for key in FORM_FIELDS:
        value = values.get(key, "").strip()
        if value != "":
            body[key] = value
    inspectors = [x.strip() for x in re.split(r"[,，;；\n、]+", values.get("inspectors", "")) if x.strip()]
    body["inspectors"] = inspectors
    readings: rd.Readings | None = None
    source = "form"
    upload = form.get("readings_file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(rd.MAX_CSV_BYTES + 1)
        readings = rd.read_csv(raw, encoding=values.get("encoding", "").strip()[:40])
        source = source_of(upload.filename, raw)
        if readings.net is not None:
            body["net"] = readings.net
        if readings.gross is not None:
            body["gross"] = readings.gross
        if readings.tare is not None:
            body["tare"] = readings.tare
            body["tare_method"] = readings.tare_method
        elif readings.gross is not None:
            avg = rd.parse_list(values.get("tare", ""), "tare")
            if avg is not None:
                body["tare"] = avg[0] if len(avg) == 1 else avg
    else:
        for key in ("net", "gross"):
            parsed = rd.parse_list(values.get(key, ""), key)
            if parsed is not None:
                body[key] = parsed
        tare = rd.parse_list(values.get("tare", ""), "tare")
        if tare is not None:
            body["tare"] = tare[0] if len(tare) == 1 else tare
    return body, readings, source


async def inspection_input(request: Request, model: type[BaseModel]) -> tuple[Any, rd.Readings | None, str]:
    """Validated input (``model``), the readings read from a CSV file (or None) and the measurement source."""
    kind, body = await read_request(request)
    if kind == "form":
        fields, readings, source = await from_form(body)
        return validate(model, fields), readings, source
    return validate(model, body), None, "json"


def error_dict(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        out: dict[str, Any] = {
            "message": exc.message,
            "field": exc.field,
            "status": exc.status_code,
            "errors": None,
        }
        errors = getattr(exc, "errors", None)
        if errors:
            out["errors"] = [e.as_dict() for e in errors[:100]]
        return out
    return {"message": str(exc), "field": None, "status": 422, "errors": None}
