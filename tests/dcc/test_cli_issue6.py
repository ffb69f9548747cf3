"""`jiliang dcc validate|verify` through CliRunner: exit 0 only for a schema-valid, valid signature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from jiliang.cli.dcc import app

from .conftest import EXAMPLES

runner = CliRunner()
V320 = EXAMPLES / "v3.2.0"
V330 = EXAMPLES / "v3.3.0"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args])


@pytest.mark.parametrize(
    ("name", "code"),
    [("valid.xml", 0), ("valid_signature.xml", 0), ("invalid_signature.xml", 0), ("invalid_schema.xml", 1)],
)
def test_validate_exit_codes(name: str, code: int) -> None:
    r = run("validate", str(V330 / name))
    assert r.exit_code == code, r.output
    assert ("VALID" in r.output) and (("INVALID" in r.output) == bool(code))


def test_validate_json_and_line_numbers() -> None:
    r = run("validate", str(V330 / "invalid_schema.xml"), "--json")
    data = json.loads(r.output)
    assert r.exit_code == 1 and data["schema_valid"] is False and data["errors"][0].startswith("line 17:")


def test_validate_unreadable_and_hostile(tmp_path: Path) -> None:
    r = run("validate", str(tmp_path / "missing.xml"))
    assert r.exit_code == 2 and "cannot read" in r.output
    evil = tmp_path / "evil.xml"
    evil.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    r = run("validate", str(evil))
    assert r.exit_code == 2 and "refused" in r.output and "DOCTYPE" in r.output


def test_verify_own_signed_certificate(tmp_path: Path, signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "c.xml"
    f.write_bytes(signed_sample)
    root_pem = tmp_path / "root.pem"
    root_pem.write_bytes(signer_and_root[1].public_bytes(Encoding.PEM))
    ok = run("verify", str(f), "--trust", str(root_pem), "--no-platform-root")
    assert ok.exit_code == 0, ok.output
    assert "VALID" in ok.output and "signature   : valid" in ok.output and "ZJJL2026-J0001" in ok.output
    untrusted = run("verify", str(f), "--no-platform-root")
    assert untrusted.exit_code == 1 and "untrusted" in untrusted.output
    assert run("verify", str(f), "--no-platform-root", "--allow-untrusted").exit_code == 0
    expired = run("verify", str(f), "--trust", str(root_pem), "--no-platform-root", "--at", "2040-01-01")
    assert expired.exit_code == 1 and "expired" in expired.output
    f.write_bytes(signed_sample.replace("王强".encode(), "赵六".encode()))
    tampered = run("verify", str(f), "--trust", str(root_pem), "--no-platform-root", "--json")
    data = json.loads(tampered.output)
    assert tampered.exit_code == 1 and data["signature"] == "tampered" and data["accepted"] is False


def test_verify_shared_examples() -> None:
    manipulated = run(
        "verify",
        str(V320 / "dcc_gp_temperature_typical_v12_v3.2.0_signed_manipulated.xml"),
        "--at",
        "2024-06-01",
        "--no-platform-root",
        "--json",
    )
    data = json.loads(manipulated.output)
    assert manipulated.exit_code == 1 and data["signature"] == "tampered"
    # intact, external PKI: accepted only with --allow-untrusted, and only while the certificate is valid
    args = ("verify", str(V330 / "valid_signature.xml"), "--no-platform-root")
    assert run(*args, "--at", "2026-06-01").exit_code == 1
    r = run(*args, "--at", "2026-06-01", "--allow-untrusted")
    assert r.exit_code == 0 and "untrusted" in r.output
    assert run(*args, "--at", "2027-06-01", "--allow-untrusted").exit_code == 1
    bad = run(
        "verify",
        str(V330 / "invalid_signature.xml"),
        "--at",
        "2026-06-01",
        "--allow-untrusted",
        "--no-platform-root",
    )
    assert bad.exit_code == 1 and "tampered" in bad.output
    unsigned = run("verify", str(V330 / "valid.xml"), "--no-platform-root")
    assert unsigned.exit_code == 1 and "unsigned" in unsigned.output
    schema_bad = run("verify", str(V330 / "invalid_schema.xml"), "--no-platform-root", "--allow-untrusted")
    assert schema_bad.exit_code == 1 and "2 error(s)" in schema_bad.output


def test_verify_bad_arguments(tmp_path: Path) -> None:
    r = run("verify", str(V330 / "valid.xml"), "--at", "yesterday")
    assert r.exit_code == 2 and "ISO date" in r.output
    evil = tmp_path / "evil.xml"
    evil.write_bytes(b"<a><b></a>")
    r = run("verify", str(evil), "--no-platform-root")
    assert r.exit_code == 2 and "REFUSED" in r.output
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"not a certificate")
    r = run("verify", str(V330 / "valid.xml"), "--trust", str(junk), "--no-platform-root")
    assert r.exit_code == 2 and "trusted root could not be read" in r.output
