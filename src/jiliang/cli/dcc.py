"""``jiliang dcc``: check Digital Calibration Certificates (PTB DCC XML) from the command line.

* ``jiliang dcc validate FILE.xml`` — XSD validation (offline); exit 0 iff schema-valid.
* ``jiliang dcc verify FILE.xml [--at DATE] [--json] [--trust ROOT.pem]`` — schema and XML signature;
  exit 0 only for a schema-valid certificate whose signature is intact, within its validity at DATE and
  chained to a trusted root (the platform root CA from the database, plus any ``--trust`` file).
  ``--allow-untrusted`` also accepts an intact signature from an unknown PKI (e.g. another country's lab).

Exit codes: 0 valid; 1 not valid (schema errors, tampered, unsigned, untrusted, expired);
2 the file cannot be read or is refused as unsafe XML; 3 the XSD folder is missing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jiliang.dcc.errors import SchemaUnavailableError, UnsafeXmlError

app = typer.Typer(
    help="Digital Calibration Certificates (PTB DCC v3.3.0): validate and verify", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE, EXIT_NO_SCHEMA = 0, 1, 2, 3


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        err.print(f"[red]cannot read {path}: {exc.strerror or exc}[/red]")
        raise typer.Exit(EXIT_UNREADABLE) from None


def _parse_at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(12, 0), tzinfo=dt.UTC)
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO date (2025-01-31) or date-time", param_hint="--at"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _platform_root() -> list[bytes]:
    """The platform root CA certificate, if a database with one is configured (silently none otherwise)."""
    try:
        from cryptography.hazmat.primitives.serialization import Encoding

        from jiliang.dcc.signing import platform_root_certificate
        from jiliang.platform.db import read_session

        with read_session() as session:
            cert = platform_root_certificate(session)
        return [cert.public_bytes(Encoding.PEM)] if cert is not None else []
    except Exception:  # noqa: BLE001 - no database, not migrated, ...: verification still works
        return []


@app.command("validate")
def validate_cmd(
    file: Annotated[Path, typer.Argument(help="DCC XML file")],
    json_output: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Validate FILE against the DCC XSD (v3.3.0; v3.1.2 files against v3.1.2), offline."""
    from jiliang.dcc.schema import validate

    data = _read(file)
    try:
        errors = validate(data)
    except UnsafeXmlError as exc:
        if json_output:
            out.print_json(json.dumps({"file": str(file), "schema_valid": False, "error": exc.message}))
        else:
            err.print(f"[red]refused: {exc.message}[/red]")
        raise typer.Exit(EXIT_UNREADABLE) from None
    except SchemaUnavailableError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(EXIT_NO_SCHEMA) from None
    if json_output:
        out.print_json(
            json.dumps({"file": str(file), "schema_valid": not errors, "errors": errors}, ensure_ascii=False)
        )
    elif errors:
        out.print(f"[red]INVALID[/red] {file}: {len(errors)} schema error(s)")
        for e in errors:
            out.print(f"  {e}")
    else:
        out.print(f"[green]VALID[/green] {file}: valid against the DCC schema")
    raise typer.Exit(EXIT_INVALID if errors else EXIT_OK)


_EXPLAIN = {
    "valid": "signature intact, certificate valid at the verification time, trusted issuer",
    "tampered": "SIGNATURE BROKEN: the signed content was altered or the signature is malformed",
    "unsigned": "the certificate is not signed",
    "untrusted": "signature intact, but the signer's certificate does not chain to a trusted root",
    "expired": "signature intact, but the signer's certificate is not valid at the verification time",
}


@app.command("verify")
def verify_cmd(
    file: Annotated[Path, typer.Argument(help="DCC XML file")],
    at: Annotated[
        str | None, typer.Option("--at", help="verification time, ISO date or date-time (UTC)")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    trust: Annotated[
        list[Path] | None, typer.Option("--trust", help="PEM file of a trusted root (repeatable)")
    ] = None,
    platform_root: Annotated[
        bool,
        typer.Option(
            "--platform-root/--no-platform-root", help="trust the platform root CA from the database"
        ),
    ] = True,
    allow_untrusted: Annotated[
        bool, typer.Option("--allow-untrusted", help="accept an intact signature from an unknown PKI")
    ] = False,
) -> None:
    """Check FILE's schema and XML signature; exit 0 only for a valid, untampered certificate."""
    from jiliang.dcc.verify import check_dcc

    when = _parse_at(at)
    data = _read(file)
    roots: list[bytes] = [_read(p) for p in (trust or [])]
    if platform_root:
        roots.extend(_platform_root())
    try:
        result = check_dcc(data, at=when, trusted_roots=roots)
    except SchemaUnavailableError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(EXIT_NO_SCHEMA) from None
    except ValueError as exc:  # unreadable --trust file
        err.print(f"[red]a trusted root could not be read: {exc}[/red]")
        raise typer.Exit(EXIT_UNREADABLE) from None
    accepted = result.signature == "valid" or (allow_untrusted and result.signature == "untrusted")
    ok = result.well_formed and result.schema_valid and accepted
    if json_output:
        payload = result.to_dict() | {"file": str(file), "accepted": ok}
        out.print_json(json.dumps(payload, ensure_ascii=False))
    else:
        if not result.well_formed:
            out.print(f"[red]REFUSED[/red] {file}: {result.signature_detail}")
            raise typer.Exit(EXIT_UNREADABLE)
        out.print(f"{'[green]VALID[/green]' if ok else '[red]NOT VALID[/red]'} {file}")
        out.print(f"  certificate : {result.unique_identifier or '—'} (DCC {result.schema_version or '?'})")
        if result.schema_valid:
            out.print("  schema      : valid")
        else:
            out.print(f"  schema      : [red]{len(result.schema_errors)} error(s)[/red]")
            for e in result.schema_errors[:20]:
                out.print(f"                {e}")
        colour = (
            "green" if result.signature == "valid" else "yellow" if result.integrity == "intact" else "red"
        )
        out.print(f"  signature   : [{colour}]{result.signature}[/{colour}] — {_EXPLAIN[result.signature]}")
        if result.signer_subject:
            out.print(f"  signer      : {result.signer_subject}")
            out.print(f"  valid       : {result.signer_valid_from} … {result.signer_valid_until}")
        out.print(f"  checked at  : {result.checked_at}")
        out.print(f"  detail      : {result.signature_detail}")
    if not result.well_formed:
        raise typer.Exit(EXIT_UNREADABLE)
    raise typer.Exit(EXIT_OK if ok else EXIT_INVALID)
