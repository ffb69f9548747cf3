"""The hardened parser refuses hostile XML with a clear error and never touches files or the network."""

from __future__ import annotations

import pytest

from jiliang.dcc.errors import UnsafeXmlError
from jiliang.dcc.parse import parse_dcc
from jiliang.dcc.safe import parse_xml
from jiliang.dcc.verify import check_dcc

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""
XXE_FILE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"""
XXE_NET = b"""<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r/>"""
PARAM_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]><r/>"""
XINCLUDE = (
    b"""<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd" parse="text"/></r>"""
)


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        XXE_FILE,
        XXE_NET,
        PARAM_ENTITY,
        BILLION_LAUGHS.replace(b"DOCTYPE", b"doctype"),
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'.encode("utf-16"),
    ],
)
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(UnsafeXmlError, match="DOCTYPE|document type"):
        parse_xml(data)
    with pytest.raises(UnsafeXmlError):
        parse_dcc(data)
    result = check_dcc(data)
    assert not result.well_formed and not result.schema_valid and not result.ok


def test_xinclude_is_not_processed() -> None:
    tree = parse_xml(XINCLUDE)
    assert "root:" not in (tree.getroot()[0].text or "")  # nothing from /etc/passwd


def test_oversized_empty_and_malformed() -> None:
    with pytest.raises(UnsafeXmlError, match="too large"):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    with pytest.raises(UnsafeXmlError, match="empty"):
        parse_xml(b"  ")
    with pytest.raises(UnsafeXmlError, match=r"not well-formed \(line 2\)"):
        parse_xml(b"<a>\n<b></a>")
    with pytest.raises(UnsafeXmlError, match="bytes"):
        parse_xml("<a/>")  # type: ignore[arg-type]
    with pytest.raises(UnsafeXmlError, match="not a DCC"):
        parse_dcc(b"<a/>")


def test_deep_nesting_is_refused() -> None:
    deep = b"<a>" * 300_000 + b"</a>" * 300_000
    with pytest.raises(UnsafeXmlError):
        parse_xml(deep)
