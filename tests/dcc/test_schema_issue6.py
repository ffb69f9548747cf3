"""Offline XSD validation against ../shared/dcc/xsd (PTB DCC v3.3.0 + D-SI 2.2.1 + XML-DSig)."""

from __future__ import annotations

import socket

import pytest

from jiliang.dcc import schema
from jiliang.dcc.errors import SchemaUnavailableError, UnsafeXmlError

from .conftest import DCC, example


@pytest.mark.parametrize(
    ("rel", "n_errors"),
    [
        ("v3.3.0/valid.xml", 0),
        ("v3.3.0/valid_signature.xml", 0),
        ("v3.3.0/invalid_signature.xml", 0),  # schema-valid, signature broken
        ("v3.3.0/invalid_schema.xml", 2),
        ("v3.1.x/dcc_gp_humidity_v1.0.xml", 0),  # 3.1.2 file against the 3.1.2 XSD
    ],
)
def test_shared_examples(rel: str, n_errors: int) -> None:
    assert len(schema.validate(example(rel))) == n_errors


def test_errors_carry_line_numbers() -> None:
    errors = schema.validate(example("v3.3.0/invalid_schema.xml"))
    assert errors[0].startswith("line 17: ") and "uniqueIdentifier" in errors[0]
    assert errors[1].startswith("line 34: ") and "manufacturer" in errors[1]


@pytest.mark.parametrize(
    "rel",
    ["v3.1.x/dcc_gp_temperature_typical_v12.xml", "v3.2.0/dcc_gp_temperature_typical_v12_v3.2.0_signed.xml"],
)
def test_versions_without_an_installed_xsd_are_reported(rel: str) -> None:
    errors = schema.validate(example(rel))
    assert "has no installed XSD" in errors[0]
    assert any("schemaVersion" in e for e in errors[1:])
    # forcing 3.3.0 reports only the version attribute
    assert len(schema.validate(example(rel), version="3.3.0")) == 1


def test_not_a_dcc() -> None:
    assert "not dcc:digitalCalibrationCertificate" in schema.validate(b"<a/>")[0]
    with pytest.raises(UnsafeXmlError):
        schema.validate(b"<a>")


def test_compiles_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    schema._cache.clear()
    assert schema.validate(example("v3.3.0/valid.xml")) == []
    assert schema.get_schema() is schema.get_schema()  # cached


def test_schema_folder_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JILIANG_DCC_SCHEMA_DIR", str(DCC / "xsd"))
    assert schema.schema_dir() == DCC / "xsd"
    monkeypatch.setenv("JILIANG_DCC_SCHEMA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(SchemaUnavailableError, match="JILIANG_DCC_SCHEMA_DIR"):
        schema.validate(example("v3.3.0/valid.xml"))
    monkeypatch.delenv("JILIANG_DCC_SCHEMA_DIR")
    monkeypatch.setenv("JILIANG_SHARED", str(tmp_path))
    with pytest.raises(SchemaUnavailableError, match="not found"):
        schema.schema_dir()
    with pytest.raises(SchemaUnavailableError, match="not supported"):
        monkeypatch.setenv("JILIANG_SHARED", str(DCC.parent))
        schema.get_schema("2.4.0")
