"""``jiliang certificates …`` — export an issued certificate (PDF and signed DCC XML) from the register.

Runs as the system (administrator scope) on the configured database. The DCC is written byte for byte as
issued (its SHA-256 is re-checked against the register); the PDF of a superseded revision carries the
"superseded" notice unless ``--original`` is given. Exit status 0 on success, 1 when the certificate or
revision does not exist or a stored artefact no longer matches its hash, 2 on bad arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Certificates: export issued certificates (PDF, signed DCC XML)", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Issued verification and calibration certificates."""


@app.command("export")
def export(
    number: Annotated[str, typer.Argument(help="certificate number, e.g. 100074373-2026-000042")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="write the PDF here")] = None,
    dcc: Annotated[Path | None, typer.Option("--dcc", help="write the signed DCC XML here")] = None,
    revision: Annotated[
        int | None, typer.Option("--revision", min=0, help="revision (default: latest)")
    ] = None,
    original: Annotated[
        bool, typer.Option("--original", help="the PDF exactly as issued, without a superseded notice")
    ] = False,
) -> None:
    """Write the PDF and/or the signed DCC of a certificate revision."""
    from jiliang.certificates import service
    from jiliang.platform.access import SYSTEM
    from jiliang.platform.errors import DomainError

    if pdf is None and dcc is None:
        typer.echo("error: give --pdf OUT.pdf and/or --dcc OUT.xml", err=True)
        raise typer.Exit(code=2)
    try:
        outputs = []
        for what, path in (("pdf", pdf), ("dcc", dcc)):
            if path is None:
                continue
            art = service.artefact(
                principal=SYSTEM, number=number, what=what, revision=revision, marked=not original
            )
            outputs.append((path, art))
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=1) from None
    for path, art in outputs:
        try:
            path.write_bytes(art.data)
        except OSError as exc:
            typer.echo(f"error: cannot write {path}: {exc.strerror}", err=True)
            raise typer.Exit(code=2) from None
        typer.echo(
            f"{path}: {art.file_name} revision {art.revision} ({art.status}), {len(art.data)} bytes, "
            f"issued sha256 {art.sha256}"
        )
