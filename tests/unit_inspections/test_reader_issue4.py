"""Issue 4: the shared document reading (core ``units.documents`` + area ``reader``) used by CLI, page and API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiliang.cli.units import app as units_cli
from jiliang.core.units import InvalidInputError
from jiliang.core.units.documents import cell_ref, column_letter, decode_text, split_lines
from jiliang.unit_inspections import reader


def test_decode_text() -> None:
    assert decode_text("\ufeff猪肉5斤".encode()) == "猪肉5斤"  # a UTF-8 byte-order mark is dropped
    assert decode_text("猪肉5斤".encode("gbk"), encoding="gb18030") == "猪肉5斤"
    for data, fragment in ((b"", "empty"), (b" \n", "empty"), (b"ab\x00cd", "binary"), (b"%PDF-1.4\n", "binary"),
                           ("猪肉".encode("gbk"), "not valid utf-8")):
        with pytest.raises(InvalidInputError, match=fragment):
            decode_text(data, name="x.txt")
    with pytest.raises(InvalidInputError, match="unknown encoding"):
        decode_text(b"abc", encoding="klingon")
    with pytest.raises(InvalidInputError, match="cannot decode as 'punycode'"):
        decode_text(b"abc\\x", encoding="punycode")  # a codec that fails with a plain UnicodeError


def test_split_lines_offsets_and_limit() -> None:
    text = "a斤\r\nbc\n\nd"
    lines = list(split_lines(text, max_line=10))
    assert lines == [(1, 0, "a斤"), (2, 4, "bc"), (3, 7, ""), (4, 8, "d")]
    for _n, offset, line in lines:
        assert text[offset : offset + len(line)] == line
    with pytest.raises(InvalidInputError, match="line 2 has 11 characters"):
        list(split_lines("ok\n" + "x" * 11, max_line=10))


def test_cell_references() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
    assert cell_ref(0, 0) == "A1" and cell_ref(9, 27) == "AB10"
    with pytest.raises(ValueError):
        column_letter(0)


def test_offsets_in_the_whole_text_and_segments() -> None:
    text = "第一行没有\n猪肉5斤，苹果3-5斤\n"
    doc = reader.text_document(text)
    found = reader.check_document(doc)
    assert [(f.line, f.column, text[f.offset : f.offset + len(f.finding.text)]) for f in found if f.offset is not None] == [
        (2, 3, "5斤"), (2, 8, "3-5斤")]
    pieces = reader.segments(text, found)
    assert "".join(p for p, _ in pieces) == text
    assert [p for p, loc in pieces if loc] == ["5斤", "3-5斤"]


def test_cli_and_reader_agree(tmp_path: Path) -> None:
    """The CLI reads through the same reader: same findings at the same places."""
    p = tmp_path / "prices.csv"
    p.write_bytes("品名,重量\n大米,10斤\n面条,二两\n".encode())
    out = CliRunner().invoke(units_cli, ["check", str(p), "--json"])
    assert out.exit_code == 1, out.output
    cli = [(f["where"], f["message"]) for f in json.loads(out.output)["findings"]]
    doc = reader.read_document(p.read_bytes(), name=str(p))
    assert [(f.where, f.finding.message) for f in reader.check_document(doc)] == cli == [
        (f"{p}:2:2", "10斤 → 5 kg"), (f"{p}:3:2", "二两 → 100 g")]
