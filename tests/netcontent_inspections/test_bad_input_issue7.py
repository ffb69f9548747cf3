"""Issue 7 acceptance: bad input (lot size 0, a nominal quantity without a unit, negative readings, a tare
heavier than the gross, a unit of the wrong kind …) gives a clear error naming the field or the CSV row,
through the API, the form and a balance's CSV file; nothing is written (row counts and audit log unchanged)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth, csrf_of, login
from tests.netcontent_inspections.helpers_issue7 import GROSS, TARE, lot, state

URL = "/api/v1/netcontent-inspections"

NEGATIVE = [501.0] * 13
NEGATIVE[4] = -3.0
HEAVY_TARE = list(TARE)
HEAVY_TARE[2] = 600.0

# (case, changes, expected field, words in the message)
JSON_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("lot size 0", {"lot_size": 0}, "lot_size", "at least 1"),
    ("nominal without a unit", {"unit": None}, "unit", "unit"),
    ("nominal with an empty unit", {"unit": ""}, "unit", "unit"),
    ("negative reading", {"gross": None, "tare": None, "net": NEGATIVE}, "net[4]", "negative"),
    ("tare heavier than the gross", {"tare": HEAVY_TARE}, "tare[2]", "heavier"),
    ("average tare heavier than a gross", {"tare": 520}, "gross[4]", "lighter than the average tare"),
    ("wrong unit for the kind", {"unit": "mL"}, "unit", "not a unit of mass"),
    ("unknown unit", {"unit": "斤"}, "unit", "not a unit of mass"),
    ("volume kind with a mass unit", {"kind": "volume"}, "unit", "not a unit of volume"),
    ("sample too small", {"gross": GROSS[:10], "tare": TARE[:10]}, "gross", "requires exactly 13"),
    ("zero nominal", {"nominal": 0}, "nominal", "greater than zero"),
    ("no readings", {"gross": None, "tare": None}, "net", "missing"),
    ("gross without tare", {"tare": None}, "tare", "missing"),
    ("unknown kind", {"kind": "weight"}, "kind", "must be one of"),
    (
        "mass readings for a volume lot need a density",
        {"kind": "volume", "unit": "mL", "reading_unit": "g"},
        "density",
        "required",
    ),
    ("unknown producer", {"producer_id": 2**31 - 2}, "producer_id", "no enterprise"),
    ("unknown category", {"product_category": "toys"}, "product_category", "pattern"),
    ("future date", {"inspected_on": "2099-01-01"}, "inspected_on", "future"),
    ("negative character height", {"label_character_height_mm": -1}, "label_character_height_mm", "negative"),
    ("lot size not a number", {"lot_size": "many"}, "lot_size", "integer"),
    ("absurd reading", {"gross": None, "tare": None, "net": ["1e999999"] * 13}, "net[0]", "digits"),
    ("huge reading", {"gross": None, "tare": None, "net": ["501"] * 12 + ["2e9"]}, "net[12]", "less than"),
    ("huge tare", {"tare": "1e10"}, "tare", "less than"),
    ("huge nominal", {"nominal": "1e29"}, "nominal", "less than"),
    (
        "tiny density",
        {"kind": "volume", "unit": "mL", "reading_unit": "g", "density": "1e-20"},
        "gross[0]",
        "outside the accepted range",
    ),
]


@pytest.mark.parametrize("case,changes,field,words", JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_api_rejects_bad_input_and_writes_nothing(client, tokens, case, changes, field, words) -> None:  # type: ignore[no-untyped-def]
    before = state()
    r = client.post(URL, headers=auth(tokens["regulator_hz"]), json=lot(**changes))
    assert r.status_code == 422, (case, r.status_code, r.text)
    body = r.json()
    assert body["field"] == field, (case, body)
    assert words.lower() in body["message"].lower(), (case, body["message"])
    assert state() == before


def test_bad_json_shapes_are_4xx(client, tokens) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["regulator_hz"])
    before = state()
    for payload in (b"{", b"[1, 2]", b'{"net": "abc"}', b'{"nominal": "NaN"}', b"\xff\xfe"):
        r = client.post(URL, headers={**h, "content-type": "application/json"}, content=payload)
        assert r.status_code == 422, (payload, r.status_code, r.text)
    r = client.post(URL, headers=h, json={**lot(), "unexpected": 1})
    assert r.status_code == 422 and r.json()["field"] == "unexpected"
    assert client.get(f"{URL}/99999999999", headers=h).status_code in (404, 422)
    assert client.get(f"{URL}/abc", headers=h).status_code == 422
    assert state() == before


def _form(**changes: Any) -> dict[str, str]:
    return {k: str(v) for k, v in lot(gross=None, tare=None, inspectors=None, **changes).items()}


CSV_CASES: list[tuple[str, bytes, list[tuple[int, str, str]]]] = [
    (
        "negative and non-numeric rows",
        "序号,净含量\n".encode()
        + "".join(
            f"{i},{v}\n"
            for i, v in enumerate(["501"] * 3 + ["-2.5"] + ["501"] * 5 + ["abc"] + ["501"] * 3, start=1)
        ).encode(),
        [(5, "net", "negative"), (11, "net", "not a number")],
    ),
    (
        "tare heavier than the gross on a row",
        (
            "gross,tare\n"
            + "".join(
                f"{g},{600 if i == 6 else t}\n" for i, (g, t) in enumerate(zip(GROSS, TARE, strict=True))
            )
        ).encode(),
        [(8, "tare", "heavier")],
    ),
    ("unknown column", b"weight,tare\n1,2\n", [(1, "weight", "unknown column")]),
    ("net and gross together", b"net,gross\n1,2\n", [(1, "header", "either")]),
    (
        "a gross row without its tare",
        (
            "gross,tare\n"
            + "".join(
                f"{g},{'' if i == 3 else t}\n" for i, (g, t) in enumerate(zip(GROSS, TARE, strict=True))
            )
        ).encode(),
        [(5, "tare", "missing")],
    ),
    ("empty file", b"", [(1, "file", "empty")]),
    ("binary file", b"\x00\x01\x02PK", [(0, "file", "not a text")]),
    ("a sample of the wrong size", b"net\n" + b"501\n" * 12, [(0, "net", "requires exactly 13")]),
]


@pytest.mark.parametrize("case,data,errors", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_csv_rows_are_reported_and_nothing_is_written(client, tokens, case, data, errors) -> None:  # type: ignore[no-untyped-def]
    before = state()
    r = client.post(
        URL,
        headers=auth(tokens["regulator_hz"]),
        data=_form(),
        files={"readings_file": ("balance.csv", data, "text/csv")},
    )
    assert r.status_code == 422, (case, r.text)
    body = r.json()
    if errors[0][0] == 0 and body.get("error") != "validation_failed":
        # a whole-sample error from the core names the field
        assert body["field"] == errors[0][1] and errors[0][2] in body["message"], body
    else:
        got = [(e["row"], e["field"], e["reason"]) for e in body["errors"]]
        assert len(got) == len(errors), got
        for (row, field, words), (grow, gfield, greason) in zip(errors, got, strict=True):
            assert (grow, gfield) == (row, field) and words in greason, got
    assert state() == before


def test_a_core_error_on_a_csv_value_names_the_file_row(client, tokens) -> None:  # type: ignore[no-untyped-def]
    """Average tare typed in the form, heavier than one gross reading of the file: the row of that reading."""
    before = state()
    gross = list(GROSS)
    gross[6] = 30.0
    data = ("序号,毛重\n" + "".join(f"{i + 1},{g}\n" for i, g in enumerate(gross))).encode("gb18030")
    r = client.post(
        URL,
        headers=auth(tokens["regulator_hz"]),
        data={**_form(), "tare": "40"},
        files={"readings_file": ("称重.csv", data, "text/csv")},
    )
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(8, "gross")]
    assert state() == before


def test_the_form_shows_the_error_and_keeps_the_input(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        login(c, "regulator_hz")
        page = c.get("/netcontent-inspections/new")
        before = state()
        form = {
            **_form(lot_size=0, product_name="批量为零的饼干"),
            "net": "501 " * 13,
            "csrf_token": csrf_of(page.text),
        }
        r = c.post("/netcontent-inspections/new", data=form)
        assert r.status_code == 422
        assert 'id="form-error"' in r.text and "lot_size" in r.text and "批量为零的饼干" in r.text
        form = {**_form(unit=""), "net": "501 " * 13, "csrf_token": csrf_of(page.text)}
        form.pop("unit")
        r = c.post("/netcontent-inspections/new", data=form)
        assert r.status_code == 422 and "unit" in r.text
        form = {**_form(), "csrf_token": csrf_of(page.text)}
        r = c.post(
            "/netcontent-inspections/new",
            data=form,
            files={"readings_file": ("b.csv", b"net\n501\n-1\n", "text/csv")},
        )
        assert r.status_code == 422 and "negative" in r.text and "<td>3</td>" in r.text
        assert state() == before


def test_corrections_and_edits_validate_too(client, tokens) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["regulator_hz"])
    iid = client.post(URL, headers=h, json=lot(product_name="校验更正")).json()["id"]
    before = state()
    assert client.put(f"{URL}/{iid}", headers=h, json=lot(lot_size=0)).status_code == 422
    assert state() == before
    assert client.post(f"{URL}/{iid}/finalise", headers=h).status_code == 200
    before = state()
    r = client.post(f"{URL}/{iid}/revisions", headers=h, json=lot(unit="kg"))
    assert r.status_code == 422 and r.json()["field"] == "correction_reason"
    r = client.post(f"{URL}/{iid}/revisions", headers=h, json={**lot(unit="mL"), "correction_reason": "x"})
    assert r.status_code == 422 and r.json()["field"] == "unit"
    assert state() == before
