"""Pure helpers for checking documents: decoding bytes to text, splitting lines, table cell references.

Shared by every face of the non-legal-unit checker (CLI ``jiliang units check``, the web page and API
``/tools/units``, ``POST /api/v1/units/check``) so that the same input gets the same answer and the
same error everywhere. Nothing here reads a file: callers hand over bytes they have read.

Bad input raises :class:`~jiliang.core.units.errors.InvalidInputError` with a message that says what is
wrong and how to fix it (issue 4 acceptance: binary file, wrong encoding, over-long line, empty file).
"""

from __future__ import annotations

from collections.abc import Iterator

from jiliang.core.units.errors import InvalidInputError

__all__ = ["BINARY_PROBE_BYTES", "cell_ref", "column_letter", "decode_text", "split_lines"]

#: How many leading bytes are probed for NUL bytes (a text file never holds one).
BINARY_PROBE_BYTES = 65536

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def decode_text(data: bytes, *, encoding: str = "utf-8", name: str = "input") -> str:
    """Decode the bytes of a text or CSV document, refusing empty, binary and wrongly encoded input.

    UTF-8 input may start with a byte-order mark. Another encoding (GBK, GB 18030) must be named: guessing
    would silently turn a wrong encoding into wrong findings.

    >>> decode_text("猪肉5斤".encode())
    '猪肉5斤'
    """
    if not data.strip():
        raise InvalidInputError(f"{name}: the file is empty")
    if b"\x00" in data[:BINARY_PROBE_BYTES] or data.startswith(_BINARY_MAGIC):
        raise InvalidInputError(
            f"{name}: looks like a binary file (NUL bytes or a binary signature); give a text, .csv or .xlsx file"
        )
    codec = "utf-8-sig" if encoding.lower().replace("-", "").replace("_", "") == "utf8" else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise InvalidInputError(
            f"{name}: not valid {encoding} (byte {e.start}: {data[e.start : e.start + 4]!r}); "
            "if the file is GBK/GB 18030, give the encoding gb18030"
        ) from None
    except LookupError:
        raise InvalidInputError(f"unknown encoding {encoding!r}") from None
    except ValueError as e:  # other codec errors (UnicodeError of punycode/idna, a NUL in the name)
        raise InvalidInputError(f"{name}: cannot decode as {encoding!r} ({e})") from None


def split_lines(text: str, *, max_line: int, name: str = "input") -> Iterator[tuple[int, int, str]]:
    """Yield ``(line_number, offset, line)`` for each line (1-based number, 0-based character offset).

    A line longer than ``max_line`` characters raises :class:`InvalidInputError`: such input is usually not
    prose (minified data, a binary blob decoded by accident) and would make findings unreadable.

    >>> list(split_lines("a\\nbc", max_line=10))
    [(1, 0, 'a'), (2, 2, 'bc')]
    """
    offset = 0
    for n, raw in enumerate(text.splitlines(keepends=True), start=1):
        line = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        if len(line) > max_line:
            raise InvalidInputError(
                f"{name}: line {n} has {len(line)} characters (limit {max_line}); this does not look like text"
            )
        yield n, offset, line
        offset += len(raw)


def column_letter(n: int) -> str:
    """Spreadsheet column letters of a 1-based column number (1 → A, 27 → AA).

    >>> column_letter(28)
    'AB'
    """
    if n < 1:
        raise ValueError(f"column numbers start at 1, not {n}")
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_ref(row: int, column: int) -> str:
    """A1-style reference of a 0-based (row, column) pair, as spreadsheets show it.

    >>> cell_ref(1, 1)
    'B2'
    """
    return f"{column_letter(column + 1)}{row + 1}"
