"""`jiliang units` CLI: convert, show and check text/CSV/XLSX; bad input gives clear errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from jiliang.cli.units import app

runner = CliRunner()


def test_convert() -> None:
    r = runner.invoke(app, ["convert", "5", "斤", "kg", "--exact"])
    assert r.exit_code == 0, r.output
    assert "5 斤 = 2.5 千克" in r.output and "exact: y = 1/2 · x" in r.output
    r = runner.invoke(app, ["convert", "100", "℃", "°F", "--json"])
    doc = json.loads(r.output)
    assert doc["result"] == 212.0 and doc["exact_scale"] == "9/5" and doc["exact_offset"] == "32"
    r = runner.invoke(app, ["convert", "60", "r/min", "Hz", "-e", "revolution"])
    assert r.exit_code == 0 and "= 1 赫" in r.output
    r = runner.invoke(app, ["convert", "1", "°", "rad", "--exact"])
    assert "not rational" in r.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["convert", "1", "furlong", "m"], "unknown unit 'furlong'"),
        (["convert", "1", "kg", "m"], "dimensions M and L differ"),
        (["convert", "60", "r/min", "Hz"], "equivalences={'revolution'}"),
        (["convert", "abc", "kg", "g"], "'abc' is not a number"),
        (["convert", "1", "m/s/s", "m/s²"], "more than one solidus"),
        (["convert", "1", "m", "m", "-e", "magic"], "unknown equivalence"),
        (["show", "kWh"], "kW·h"),
    ],
)
def test_convert_errors(args: list[str], fragment: str) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert fragment in r.output


def test_show() -> None:
    r = runner.invoke(app, ["show", "千米每小时"])
    assert r.exit_code == 0
    assert "zh: 千米/时  (千米每小时)" in r.output and "D-SI: \\kilo\\metre\\hour\\tothe{-1}" in r.output
    r = runner.invoke(app, ["show", "斤"])
    assert "legal: no" in r.output and "no D-SI name" in r.output


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    p = tmp_path / "listing.txt"
    p.write_text("猪肉5斤，苹果3-5斤\n屏幕6.1英寸\n血压120/80毫米汞柱\n一两个人\n", encoding="utf-8")
    return p


def test_check_text(text_file: Path) -> None:
    r = runner.invoke(app, ["check", str(text_file)])
    assert r.exit_code == 1
    assert f"{text_file}:1:3: [MKT-JIN] 5斤 → 2.5 kg" in r.output
    assert "3-5斤 → 1.5–2.5 kg" in r.output and "英寸" not in r.output.split("finding")[0]


def test_check_json_and_formats(text_file: Path) -> None:
    r = runner.invoke(app, ["check", str(text_file), "--json", "--include-exempt"])
    doc = json.loads(r.output)
    assert doc["count"] == 4
    assert [f["rule_id"] for f in doc["findings"]] == ["MKT-JIN", "MKT-JIN", "IMP-INCH", "OBS-MMHG"]
    assert doc["findings"][3]["exempted_by"] == "EX-BLOOD-PRESSURE"
    r = runner.invoke(app, ["check", str(text_file), "--format", "csv"])
    assert r.output.splitlines()[0].startswith("where,text,unit") and "5斤 → 2.5 kg" in r.output
    r = runner.invoke(app, ["check", str(text_file), "--format", "html"])
    assert "<mark>5斤</mark>" in r.output
    r = runner.invoke(app, ["check", str(text_file), "--no-exemptions", "--json"])
    assert json.loads(r.output)["count"] == 4
    r = runner.invoke(app, ["check", str(text_file), "--format", "pdf"])
    assert r.exit_code == 2 and "unknown format" in r.output
    r = runner.invoke(app, ["check", str(text_file), "--exemption", "EX-NOPE"])
    assert r.exit_code == 2 and "unknown exemption" in r.output


def test_check_clean_file_exits_zero(tmp_path: Path) -> None:
    p = tmp_path / "ok.txt"
    p.write_text("净含量 2.5 kg，长 1.2 m。\n", encoding="utf-8")
    r = runner.invoke(app, ["check", str(p)])
    assert r.exit_code == 0 and "0 finding(s)" in r.output


def test_check_stdin() -> None:
    r = runner.invoke(app, ["check", "-", "--json"], input="称了二两茶叶".encode())
    assert r.exit_code == 1 and json.loads(r.output)["findings"][0]["text"] == "二两"


def test_check_csv(tmp_path: Path) -> None:
    p = tmp_path / "goods.csv"
    p.write_text("品名,重量,收缩压(mmHg)\n大米,10斤,120\n面粉,5 kg,130 mmHg\n", encoding="utf-8")
    r = runner.invoke(app, ["check", str(p), "--json"])
    doc = json.loads(r.output)
    assert [(f["row"], f["column"], f["message"]) for f in doc["findings"]] == [(1, 1, "10斤 → 5 kg")]
    assert doc["findings"][0]["where"] == f"{p}:2:2"


def test_check_xlsx(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "价目"
    ws.append(["品名", "规格"])
    ws.append(["牛排", "8盎司"])
    ws.append(["土地", 3])
    ws.append(["果园", "承包300亩"])
    p = tmp_path / "prices.xlsx"
    wb.save(p)
    r = runner.invoke(app, ["check", str(p), "--json"])
    doc = json.loads(r.output)
    assert [f["where"] for f in doc["findings"]] == [f"{p}:价目!B2", f"{p}:价目!B4"]
    assert doc["findings"][0]["message"] == "8盎司 → 226.796185 g"


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n", "the file is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("gbk.txt", "猪肉5斤".encode("gbk"), "not valid utf-8"),
        ("fake.xlsx", b"this is not a workbook", "not a readable .xlsx"),
        ("empty.xlsx", b"", "the file is empty"),
    ],
)
def test_check_bad_input(tmp_path: Path, name: str, content: bytes, fragment: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    r = runner.invoke(app, ["check", str(p)])
    assert r.exit_code == 2, r.output
    assert fragment in r.output


def test_check_wrong_encoding_can_be_named(tmp_path: Path) -> None:
    p = tmp_path / "gbk.txt"
    p.write_bytes("猪肉5斤".encode("gbk"))
    r = runner.invoke(app, ["check", str(p), "--encoding", "gb18030"])
    assert r.exit_code == 1 and "5斤 → 2.5 kg" in r.output
    r = runner.invoke(app, ["check", str(p), "--encoding", "klingon"])
    assert r.exit_code == 2 and "unknown encoding" in r.output


def test_check_ten_megabyte_single_line(tmp_path: Path) -> None:
    p = tmp_path / "one-line.txt"
    p.write_bytes(b"A" * (10 * 1024 * 1024))
    r = runner.invoke(app, ["check", str(p)])
    assert r.exit_code == 2 and "line 1 has 10485760 characters" in r.output and "--max-line" in r.output


def test_check_missing_file(tmp_path: Path) -> None:
    r = runner.invoke(app, ["check", str(tmp_path / "nope.txt")])
    assert r.exit_code == 2 and "no such file" in r.output
    r = runner.invoke(app, ["check", str(tmp_path)])
    assert r.exit_code == 2 and "is a directory" in r.output
