"""Hardened XML parsing for certificates received from outside (uploads, imports, the CLI).

Hostile XML is rejected before any tree is built: no DOCTYPE (so no entity declarations, no
"billion laughs", no external entities or DTDs), no processing of XInclude, no network access, a size
limit and lxml's own limits on depth and text size (``huge_tree=False``). The parser is
``lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False)``.
"""

from __future__ import annotations

import re

from lxml import etree

from jiliang.dcc.errors import UnsafeXmlError

MAX_XML_BYTES = 20 * 1024 * 1024  # a DCC with an embedded PDF is a few MB; 20 MB is generous
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_DOCTYPE_UTF16 = [
    re.compile(p.encode(enc)) for p in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-16-le", "utf-16-be")
]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=True,
    )


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._ElementTree:
    """Parse untrusted XML safely and return the tree, or raise :class:`UnsafeXmlError` saying why."""
    if not isinstance(data, bytes | bytearray):
        raise UnsafeXmlError("XML must be given as bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise UnsafeXmlError(f"XML file is too large ({len(data)} bytes; the limit is {max_bytes})")
    if not data.strip():
        raise UnsafeXmlError("XML file is empty")
    if _DOCTYPE.search(data) or any(p.search(data) for p in _DOCTYPE_UTF16):
        raise UnsafeXmlError(
            "XML with a DOCTYPE or entity/DTD declarations is refused (possible entity expansion or "
            "external entity attack)"
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise UnsafeXmlError(f"XML is not well-formed{where}: {exc.msg}") from None
    except ValueError as exc:  # e.g. unicode strings with encoding declarations
        raise UnsafeXmlError(f"XML could not be read: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise UnsafeXmlError("XML with a document type declaration is refused")
    for node in root.iter(etree.Entity):  # defensive: resolve_entities=False keeps entity references as nodes
        raise UnsafeXmlError(f"XML contains an entity reference ({node}); entities are refused")
    return tree
