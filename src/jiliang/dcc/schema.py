"""Offline validation of DCC XML against PTB's XSDs (DCC v3.3.0 with D-SI v2.2.1 and W3C XML-DSig).

The XSD files are not part of the package: they are PTB/W3C data files kept unmodified in a schema folder
(``shared/dcc/xsd`` in the development tree). The folder is, in order:

1. ``$JILIANG_DCC_SCHEMA_DIR``,
2. ``$JILIANG_SHARED/dcc/xsd``,
3. ``<repository>/../shared/dcc/xsd`` found from this file's location.

The v3.3.0 XSD imports its dependencies from https URLs; we never fetch them. ``xmlschema`` maps the
namespaces to the local files (``locations``) and is told to load local files only (``allow="local"``,
``defuse="always"``). The compiled schema is cached per folder and version.

Supported versions: 3.3.0 (what we produce) and 3.1.2 (older certificates we may import). A document's
``@schemaVersion`` picks the XSD (``version="auto"``); anything else is validated against 3.3.0, which
reports the version mismatch as an error.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from jiliang.dcc.errors import SchemaUnavailableError
from jiliang.dcc.safe import parse_xml

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
QUDT_NS = "http://qudt.org/vocab/"
CURRENT_VERSION = "3.3.0"

# version -> (dcc.xsd, D-SI SI_Format.xsd, needs xmldsig)
_LAYOUT = {
    "3.3.0": ("dcc-v3.3.0/dcc.xsd", "dsi-v2.2.1", True),
    "3.1.2": ("dcc-v3.1.2/dcc.xsd", "dsi-v2.1.0", False),
}
SUPPORTED_VERSIONS = tuple(_LAYOUT)

_cache: dict[tuple[str, str], xmlschema.XMLSchema] = {}
_lock = threading.Lock()


def schema_dir() -> Path:
    """The folder holding the XSDs (see the module docstring); raises if it is missing."""
    candidates: list[tuple[str, Path]] = []
    if os.environ.get("JILIANG_DCC_SCHEMA_DIR"):
        candidates.append(("JILIANG_DCC_SCHEMA_DIR", Path(os.environ["JILIANG_DCC_SCHEMA_DIR"])))
    elif os.environ.get("JILIANG_SHARED"):
        candidates.append(("JILIANG_SHARED", Path(os.environ["JILIANG_SHARED"]) / "dcc" / "xsd"))
    else:
        repo = Path(__file__).resolve().parents[3]
        candidates.append(("the repository", repo.parent / "shared" / "dcc" / "xsd"))
    source, path = candidates[0]
    if not (path / "dcc-v3.3.0" / "dcc.xsd").is_file():
        raise SchemaUnavailableError(
            f"DCC schema folder not found: {path} (from {source}); it must contain dcc-v3.3.0/dcc.xsd, "
            "dsi-v2.2.1/SI_Format.xsd and d-sig/xmldsig-core-schema.xsd. Set JILIANG_DCC_SCHEMA_DIR."
        )
    return path


def get_schema(version: str = CURRENT_VERSION) -> xmlschema.XMLSchema:
    """The compiled XSD of a DCC version, loaded from local files only (cached)."""
    if version not in _LAYOUT:
        raise SchemaUnavailableError(f"DCC schema version {version} is not supported ({', '.join(_LAYOUT)})")
    base = schema_dir()
    key = (str(base), version)
    with _lock:
        if key not in _cache:
            dcc_xsd, dsi_dir, with_ds = _LAYOUT[version]
            locations: list[tuple[str, str]] = [
                (SI_NS, str(base / dsi_dir / "SI_Format.xsd")),
                (QUDT_NS, str(base / "dsi-v2.2.1" / "qudt.xsd")),
            ]
            if with_ds:
                locations.append((DS_NS, str(base / "d-sig" / "xmldsig-core-schema.xsd")))
            for _, p in locations:
                if not Path(p).is_file():
                    raise SchemaUnavailableError(f"DCC schema file missing: {p}")
            try:
                _cache[key] = xmlschema.XMLSchema(
                    str(base / dcc_xsd), locations=locations, allow="local", defuse="always"
                )
            except (xmlschema.XMLSchemaException, OSError) as exc:
                raise SchemaUnavailableError(
                    f"DCC schema {version} could not be compiled offline: {exc}"
                ) from None
    return _cache[key]


def schema_version_of(root: etree._Element) -> str | None:
    value = root.get("schemaVersion")
    return value.strip() if value else None


def validate_tree(tree: etree._ElementTree, *, version: str = "auto") -> list[str]:
    """Errors of an already (safely) parsed document, each prefixed by its line number."""
    root = tree.getroot()
    if root.tag != f"{{{DCC_NS}}}digitalCalibrationCertificate":
        return [f"line {root.sourceline}: root element is {root.tag}, not dcc:digitalCalibrationCertificate"]
    errors: list[str] = []
    if version == "auto":
        found = schema_version_of(root)
        version = found if found in _LAYOUT else CURRENT_VERSION
        if found not in _LAYOUT:
            errors.append(
                f"line {root.sourceline}: schemaVersion {found!r} has no installed XSD (supported: "
                f"{', '.join(_LAYOUT)}); validated against {CURRENT_VERSION}"
            )
    schema = get_schema(version)
    for err in schema.iter_errors(tree):
        elem: Any = err.elem
        line = getattr(elem, "sourceline", None) if elem is not None else None
        path = err.path or ""
        errors.append(f"line {line if line is not None else '?'}: {path}: {err.reason or err.message}")
        if len(errors) >= 200:
            errors.append("... (more errors not shown)")
            break
    return errors


def validate(xml: bytes, *, version: str = "auto") -> list[str]:
    """Validate a DCC document against the XSD; an empty list means valid.

    Unsafe or malformed XML raises :class:`~jiliang.dcc.errors.UnsafeXmlError`; a missing schema folder
    raises :class:`~jiliang.dcc.errors.SchemaUnavailableError`.
    """
    return validate_tree(parse_xml(xml), version=version)
