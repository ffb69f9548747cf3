"""Issue 2 acceptance: bulk import and export of the register.

Through all three faces (API multipart upload, the HTML page with CSRF, the CLI): wrong columns, bad
credit codes, unknown catalogue items, duplicate codes, impossible dates, GBK files, empty and binary
files, and a ~50 MB file with one bad row near the end give row-level errors naming row, field and
reason, and write nothing; valid files import; importing the same file twice creates no duplicates;
.xlsx import; template download; export to CSV/XLSX and re-import as unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from tests.conftest import auth, csrf_of, login
from tests.platform.scope_issue2 import discover_scope, scalar

FACES = ("api", "html", "cli")
HEADER = "catalogue_code,owner_credit_code,serial_number,use,maker,first_verified_on,last_verified_on,last_result"


@pytest.fixture(scope="module")
def ctx(app):  # type: ignore[no-untyped-def]
    from jiliang.core.codes import make_credit_code, make_instrument_code
    from jiliang.instruments import service

    scope = discover_scope()
    item = next(c for c in service.list_catalogue() if c.verification_form == "periodic" and c.period_months)
    own = scope.orgs["own_enterprise"]
    # a syntactically valid credit code of nobody, and the same code with a wrong check character
    unregistered = make_credit_code(own["region_code"], 55_555_555)
    wrong = unregistered[:17] + ("0" if unregistered[17] != "0" else "1")
    return {
        "scope": scope, "item": item.code, "credit": own["credit_code"], "owner_id": own["id"],
        "region": own["region_code"], "unregistered": unregistered, "wrong_check": wrong,
        "institution_credit": scope.orgs["zj_institution"]["credit_code"],
        "code": lambda seq: make_instrument_code(own["region_code"], item.code, seq),
    }


@pytest.fixture(scope="module")
def html_client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        login(c, "enterprise")
        yield c


def counts() -> tuple[int, int]:
    return int(scalar("SELECT count(*) FROM instruments")), int(scalar("SELECT count(*) FROM import_batches"))


class Outcome:
    def __init__(self, ok: bool, status: int, result: dict[str, Any] | None, errors: list[tuple[int | None, str, str]],
                 message: str) -> None:
        self.ok, self.status, self.result, self.errors, self.message = ok, status, result, errors, message

    def has(self, row: int | None, field: str, reason: str) -> bool:
        return any((row is None or r == row) and f == field and reason.lower() in why.lower()
                   for r, f, why in self.errors)

    def __repr__(self) -> str:
        return f"Outcome(ok={self.ok}, status={self.status}, result={self.result}, errors={self.errors[:8]}, " \
               f"message={self.message[:200]!r})"


def do_import(face: str, data: bytes, name: str, *, client: Any, tokens: dict[str, str], html_client: Any,
              tmp_path: Path, user: str = "enterprise") -> Outcome:
    if face == "api":
        r = client.post("/api/v1/instruments/import", files={"file": (name, data, "application/octet-stream")},
                        headers=auth(tokens[user]))
        body = r.json()
        if r.status_code == 200:
            return Outcome(True, 200, body, [], "")
        errors = [(e["row"], e["field"], e["reason"]) for e in body.get("errors", [])]
        if not errors and body.get("field"):
            errors = [(None, body["field"], body["message"])]
        return Outcome(False, r.status_code, None, errors, body.get("message", ""))
    if face == "html":
        assert user == "enterprise"
        token = csrf_of(html_client.get("/instruments/import").text)
        r = html_client.post("/instruments/import", data={"csrf_token": token},
                             files={"file": (name, data, "application/octet-stream")})
        text = r.text
        if r.status_code == 200:
            m = re.search(r"(\d+)\D+?(\d+)\D+?(\d+)\D+?SHA-256 <code>([0-9a-f]{16})", text)
            assert m, text[-2000:]
            return Outcome(True, 200, {"rows": int(m.group(1)), "created": int(m.group(2)),
                                       "unchanged": int(m.group(3)), "sha256": m.group(4)}, [], "")
        rows = re.findall(r'<tr><td class="num">(\d+)</td><td>(.*?)</td><td>(.*?)</td>', text)
        errors = [(int(a), html.unescape(b), html.unescape(c)) for a, b, c in rows]
        message = ""
        if not errors:  # a file-level problem: the error page states it
            m = re.search(r'<p class="error">(.*?)</p>', text, re.S)
            assert m, text[-1500:]
            message = html.unescape(m.group(1))
            errors = [(None, "file", message)]
        return Outcome(False, r.status_code, None, errors, message)
    # the command line
    from jiliang.cli.main import app as cli

    path = tmp_path / name
    path.write_bytes(data)
    res = CliRunner().invoke(cli, ["instruments", "import", str(path), "--as", user, "--json"])
    if res.exit_code == 0:
        return Outcome(True, 0, json.loads(res.stdout.strip().splitlines()[-1]), [], res.output)
    assert res.exit_code == 1, (res.exit_code, res.output, res.exception)
    out = res.stdout.strip()
    if out.startswith("{"):
        body = json.loads(out)
        return Outcome(False, 1, None, [(e["row"], e["field"], e["reason"]) for e in body["errors"]], out)
    return Outcome(False, 1, None, [(None, "file", res.output)], res.output)


@pytest.fixture()
def run(client, tokens, html_client, tmp_path):  # type: ignore[no-untyped-def]
    def _run(face: str, data: bytes, name: str = "register.csv", user: str = "enterprise") -> Outcome:
        return do_import(face, data, name, client=client, tokens=tokens, html_client=html_client, tmp_path=tmp_path,
                         user=user)

    return _run


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def row(ctx: dict[str, Any], serial: str, *, item: str | None = None, credit: str | None = None, use: str = "贸易结算",
        maker: str = "宁波柯力", first: str = "2024-05-06", last: str = "2025-05-06", result: str = "合格") -> str:
    return ",".join([item or ctx["item"], credit or ctx["credit"], serial, use, maker, first, last, result])


def refused(out: Outcome, before: tuple[int, int]) -> None:
    assert not out.ok, out
    assert out.status in (400, 422, 1), out
    assert counts() == before, "a refused import wrote something"


# ----------------------------------------------------------------------------------------------------
# bad files: row-level errors, nothing written
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("face", FACES)
def test_wrong_columns(face: str, run, ctx) -> None:  # type: ignore[no-untyped-def]
    before = counts()
    out = run(face, csv_bytes(["catalogue_code,owner,serial_number,colour", f"{ctx['item']},{ctx['credit']},X,red"]))
    refused(out, before)
    assert out.has(1, "header", "unknown column 'owner'"), out
    assert out.has(1, "header", "unknown column 'colour'"), out
    assert out.has(1, "header", "'owner_credit_code'"), out  # required, missing
    assert out.has(1, "header", "'use'"), out
    out = run(face, csv_bytes([HEADER + ",use", row(ctx, f"{face}-DUPCOL") + ",贸易结算"]))
    refused(out, before)
    assert out.has(1, "header", "appears twice"), out


@pytest.mark.parametrize("face", FACES)
def test_bad_rows_are_all_reported(face: str, run, ctx) -> None:  # type: ignore[no-untyped-def]
    """Every bad row is listed with its row number, field and reason; the good rows are not written either."""
    from jiliang.core.codes import make_instrument_code

    existing = ctx["scope"].instruments["own_enterprise"]
    dup = ctx["code"](90_000_000 + FACES.index(face))
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    lines = [
        "code," + HEADER,
        "," + row(ctx, f"{face}-OK-1"),                                           # 2 good
        "," + row(ctx, f"{face}-BADCHECK", credit=ctx["wrong_check"]),            # 3 bad check character
        "," + row(ctx, f"{face}-NOBODY", credit=ctx["unregistered"]),             # 4 valid code, no such enterprise
        "," + row(ctx, f"{face}-ITEM", item="9999"),                              # 5 unknown catalogue item
        "," + row(ctx, f"{face}-FEB30", first="2023-02-30", last="2023-03-01"),   # 6 impossible date
        "," + row(ctx, f"{face}-FUTURE", last=future),                            # 7 future date
        "," + row(ctx, f"{face}-MONTH", first="2023-13-01", last=""),             # 8 impossible month
        "," + row(ctx, f"{face}-WORDS", first="yesterday", last=""),              # 9 not a date
        f"{dup}," + row(ctx, f"{face}-DUP-A"),                                    # 10 first use of a code
        f"{dup}," + row(ctx, f"{face}-DUP-B"),                                    # 11 duplicate code in the file
        "," + row(ctx, f"{face}-OK-1"),                                           # 12 same instrument as row 2
        "," + row(ctx, f"{face}-USE", use="decoration"),                          # 13 unknown use
        "," + row(ctx, "", maker="x"),                                            # 14 missing serial number
        "," + row(ctx, f"{face}-ORDER", first="2025-01-01", last="2024-01-01"),   # 15 last before first
        "1234," + row(ctx, f"{face}-BADCODE"),                                    # 16 malformed code
        make_instrument_code(ctx["region"], ctx["item"], 1)[:-1] + "X," + row(ctx, f"{face}-CHK"),  # 17 bad code
        f"{existing['code']}," + row(ctx, f"{face}-OTHER-DATA"),                  # 18 existing code, other data
        "," + row(ctx, f"{face}-RESULT", result="maybe"),                         # 19 bad result
        "," + row(ctx, f"{face}-INST", credit=ctx["institution_credit"]),         # 20 owner is no enterprise
        "," + row(ctx, f"{face}-LONG", maker="厂" * 201),                          # 21 too long
    ]
    before = counts()
    out = run(face, csv_bytes(lines))
    refused(out, before)
    expect = [
        (3, "owner_credit_code", "check"), (4, "owner_credit_code", "no registered enterprise"),
        (5, "catalogue_code", "unknown catalogue item"), (6, "first_verified_on", "impossible date"),
        (7, "last_verified_on", "future"), (8, "first_verified_on", "impossible date"),
        (9, "first_verified_on", "not a date"), (11, "code", "duplicate code: also on row 10"),
        (12, "serial_number", "row 2"), (13, "use", "must be one of"), (14, "serial_number", "required"),
        (15, "last_verified_on", "earlier than first"), (16, "code", ""), (17, "code", ""),
        (19, "last_result", "pass or fail"), (20, "owner_credit_code", "not an enterprise"),
        (21, "maker", "longer than 200"),
    ]
    missing = [e for e in expect if not out.has(*e)]
    assert not missing, (missing, out)
    reported_rows = {r for r, _, _ in out.errors}
    assert 2 not in reported_rows and 10 not in reported_rows, out  # good rows are not blamed
    # row 18 (a code already registered with other data) is checked against the database once the rows
    # themselves are valid; alone in a file it is reported with the differing field
    out = run(face, csv_bytes(["code," + HEADER, f"{existing['code']}," + row(ctx, f"{face}-OTHER-DATA")]))
    refused(out, before)
    assert any(r == 2 and "already registered with other data" in why for r, _, why in out.errors), out


@pytest.mark.parametrize("face", FACES)
def test_duplicate_of_database_with_same_natural_key(face: str, run, ctx) -> None:  # type: ignore[no-untyped-def]
    """Without a code, a row equal to a registered instrument (owner, item, maker, serial) but with other data."""
    lines = [HEADER, row(ctx, f"{face}-NAT", first="2024-01-02", last="2024-01-02")]
    assert run(face, csv_bytes(lines)).ok
    before = counts()
    out = run(face, csv_bytes([HEADER, row(ctx, f"{face}-NAT", first="2024-01-02", last="2025-01-02")]))
    refused(out, before)
    assert out.has(2, "last_verified_on", "already registered with other data"), out


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("kind", ["empty", "blank", "header_only", "binary", "latin1", "broken_xlsx"])
def test_unreadable_files(face: str, kind: str, run, ctx) -> None:  # type: ignore[no-untyped-def]
    data, name, reason = {
        "empty": (b"", "empty.csv", "empty"),
        "blank": (b"\n \r\n\t\n", "blank.csv", "empty"),
        "header_only": (csv_bytes([HEADER]), "header.csv", "no data rows"),
        "binary": (bytes(range(256)) * 64, "image.csv", "binary"),
        "latin1": (b"catalogue_code,owner_credit_code,serial_number,use\n" + b"\xff\xfe\xfa\xfb\x81\x30" * 3,
                   "odd.csv", "neither utf-8 nor gbk"),
        "broken_xlsx": (b"PK\x03\x04" + b"not really a zip" * 10, "broken.xlsx", "xlsx"),
    }[kind]
    before = counts()
    out = run(face, data, name)
    refused(out, before)
    assert reason.lower() in (out.message + " " + " ".join(why for _, _, why in out.errors)).lower(), out


# ----------------------------------------------------------------------------------------------------
# good files
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("face", FACES)
def test_valid_file_imports_once(face: str, run, ctx) -> None:  # type: ignore[no-untyped-def]
    from jiliang.core import duedates

    lines = [HEADER] + [row(ctx, f"{face}-GOOD-{i}", maker="上海大和衡器") for i in range(5)]
    data = csv_bytes(lines)
    before = counts()
    out = run(face, data)
    assert out.ok, out
    assert (out.result["rows"], out.result["created"], out.result["unchanged"]) == (5, 5, 0)
    assert counts() == (before[0] + 5, before[1] + 1)
    again = run(face, data)
    assert again.ok, again
    assert (again.result["created"], again.result["unchanged"]) == (0, 5)
    assert counts()[0] == before[0] + 5
    # what landed is what the file said, with a generated valid code and the due date from the catalogue rule
    from sqlalchemy import text

    from jiliang.core.codes import validate_instrument_code
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(text("SELECT code, owner_id, region_code, maker, use, last_result, next_due_on, "
                                 "last_verified_on FROM instruments WHERE serial_number LIKE :p"),
                            {"p": f"{face}-GOOD-%"}).all()
        period = conn.execute(text("SELECT period_months FROM catalogue_items WHERE code = :c"),
                              {"c": ctx["item"]}).scalar()
    assert len(rows) == 5
    for r in rows:
        validate_instrument_code(r.code)
        assert r.code.startswith(ctx["region"] + ctx["item"])
        assert (r.owner_id, r.region_code, r.maker, r.use, r.last_result) == (
            ctx["owner_id"], ctx["region"], "上海大和衡器", "trade_settlement", "pass")
        last = dt.date.fromisoformat(str(r.last_verified_on))
        assert str(r.next_due_on) == duedates.add_months(last, period).isoformat()


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_chinese_headers_in_gbk_and_utf8(face: str, encoding: str, run, ctx) -> None:  # type: ignore[no-untyped-def]
    tag = f"{face}-{encoding}"
    lines = ["目录代码,所有者统一社会信用代码,出厂编号,用途,制造单位,使用地点,状态,最近检定日期,最近检定结论",
             f"{ctx['item']},{ctx['credit']},{tag}-1,贸易结算,杭州衡器厂,西湖区收银台,在用,2025-06-01,合格",
             f"{ctx['item']},{ctx['credit']},{tag}-2,贸易结算,杭州衡器厂,西湖区收银台,停用,2025-06-01,不合格"]
    data = csv_bytes(lines, encoding)
    if encoding != "utf-8-sig":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really not UTF-8
    out = run(face, data)
    assert out.ok, out
    assert out.result["created"] == 2
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        got = conn.execute(text("SELECT maker, location, status, last_result FROM instruments WHERE serial_number "
                                "LIKE :p ORDER BY serial_number"), {"p": f"{tag}-%"}).all()
    assert [tuple(g) for g in got] == [("杭州衡器厂", "西湖区收银台", "in_use", "pass"),
                                       ("杭州衡器厂", "西湖区收银台", "suspended", "fail")]


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("face", FACES)
def test_xlsx_import_with_date_cells(face: str, run, ctx) -> None:  # type: ignore[no-untyped-def]
    header = HEADER.split(",")
    good = [[ctx["item"], ctx["credit"], f"{face}-XLSX-{i}", "trade_settlement", "柯力", dt.date(2024, 3, 4),
             dt.datetime(2025, 3, 4), "pass"] for i in range(3)]
    before = counts()
    out = run(face, _xlsx([header, *good]), "register.xlsx")
    assert out.ok, out
    assert (out.result["created"], out.result["unchanged"]) == (3, 0)
    assert counts()[0] == before[0] + 3
    again = run(face, _xlsx([header, *good]), "register.xlsx")
    assert (again.result["created"], again.result["unchanged"]) == (0, 3), again
    # a bad cell in a spreadsheet is reported like in a CSV
    bad = [[ctx["item"], ctx["credit"], f"{face}-XLSX-BAD", "trade_settlement", "柯力", "2023-02-30", "", ""]]
    before = counts()
    out = run(face, _xlsx([header, *good, *bad]), "bad.xlsx")
    refused(out, before)
    assert out.has(5, "first_verified_on", "impossible date"), out


def test_template_download_and_use(client, tokens, ctx, run) -> None:  # type: ignore[no-untyped-def]
    from jiliang.instruments.importer import COLUMNS

    for url in ("/instruments/template.xlsx", "/api/v1/instruments-template"):
        r = client.get(url)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        wb = load_workbook(io.BytesIO(r.content))
        header = [c.value for c in wb.worksheets[0][1]]
        assert [h.split("(")[-1].rstrip(")") for h in header] == [k for k, _, _ in COLUMNS]
        help_rows = list(wb.worksheets[1].iter_rows(values_only=True))[1:]
        assert len(help_rows) == len(COLUMNS)
    # the template filled in imports
    wb = load_workbook(io.BytesIO(client.get("/instruments/template.xlsx").content))
    ws = wb.worksheets[0]
    values = {"catalogue_code": ctx["item"], "owner_credit_code": ctx["credit"], "serial_number": "TEMPLATE-1",
              "use": "贸易结算", "status": "在用", "last_verified_on": "2025-02-03", "last_result": "合格"}
    ws.append([values.get(c.value.split("(")[-1].rstrip(")"), "") for c in ws[1]])
    buf = io.BytesIO()
    wb.save(buf)
    out = run("api", buf.getvalue(), "template.xlsx")
    assert out.ok and out.result["created"] == 1, out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_unchanged(fmt: str, client, tokens, run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/instruments-export?format={fmt}", headers=auth(tokens["enterprise"]))
    assert r.status_code == 200
    n = int(scalar("SELECT count(*) FROM instruments WHERE owner_id = (SELECT organisation_id FROM users "
                   "WHERE username = 'enterprise')"))
    before = counts()
    out = run("api", r.content, f"export.{fmt}")
    assert out.ok, out
    assert (out.result["rows"], out.result["created"], out.result["unchanged"]) == (n, 0, n)
    assert counts()[0] == before[0]
    # the CLI export round-trips the same way
    from jiliang.cli.main import app as cli

    path = tmp_path / f"cli-export.{fmt}"
    res = CliRunner().invoke(cli, ["instruments", "export", str(path), "--as", "enterprise"])
    assert res.exit_code == 0, res.output
    out = run("cli", path.read_bytes(), path.name)
    assert out.ok and (out.result["created"], out.result["unchanged"]) == (0, n), out


def test_export_matches_database(client, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/instruments-export?format=csv", headers=auth(tokens["enterprise"]))
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        db = {x.code: x for x in conn.execute(text(
            "SELECT code, serial_number, next_due_on, status FROM instruments WHERE owner_id = "
            "(SELECT organisation_id FROM users WHERE username = 'enterprise')"))}
    key = {h.split("(")[-1].rstrip(")"): h for h in rows[0]}
    assert {x[key["code"]] for x in rows} == set(db)
    for x in rows:
        d = db[x[key["code"]]]
        assert (x[key["serial_number"]], x[key["next_due_on"]] or None, x[key["status"]]) == (
            d.serial_number, None if d.next_due_on is None else str(d.next_due_on), d.status)


# ----------------------------------------------------------------------------------------------------
# the 50 MB file
# ----------------------------------------------------------------------------------------------------


def test_fifty_megabyte_file_with_one_bad_row_near_the_end(client, tokens, ctx) -> None:  # type: ignore[no-untyped-def]
    head = "catalogue_code,owner_credit_code,serial_number,use,maker,model,location,first_verified_on,last_verified_on\n"
    filler = "上海大和衡器股份有限公司 " * 3
    tail = f",{filler},TCS-150-JE,杭州市西湖区文三路示范市场一楼东侧第三排摊位,2024-05-06,2025-05-06\n"
    prefix = f"{ctx['item']},{ctx['credit']},BIG"
    one = len((prefix + "000000000,trade_settlement" + tail).encode())
    n = 50 * 1024 * 1024 // one + 1
    bad_line = n - 5 + 2  # data row index n-5, plus the header line
    parts = [head]
    for i in range(n):
        if i == n - 5:
            parts.append(f"{prefix}{i:09d},trade_settlement,{filler},TCS-150-JE,摊位,2023-02-30,2025-05-06\n")
        else:
            parts.append(f"{prefix}{i:09d},trade_settlement{tail}")
    data = "".join(parts).encode()
    assert 50 * 1024 * 1024 <= len(data) < 52 * 1024 * 1024
    before = counts()
    r = client.post("/api/v1/instruments/import", files={"file": ("big.csv", data, "text/csv")},
                    headers=auth(tokens["enterprise"]))
    assert r.status_code == 422, r.text[:500]
    body = r.json()
    assert body["error_count"] == 1, body["errors"][:5]
    err = body["errors"][0]
    assert (err["row"], err["field"]) == (bad_line, "first_verified_on") and "impossible date" in err["reason"]
    assert counts() == before
