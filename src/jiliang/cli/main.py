"""Root Typer app. Thin: parse arguments, call services or core, print results.

Each area or core library contributes a sub-app from its own module in this package.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from jiliang.cli.certificates import app as certificates_app
from jiliang.cli.comparison import app as comparison_app
from jiliang.cli.comparison import pt_app
from jiliang.cli.dcc import app as dcc_app
from jiliang.cli.netcontent import app as netcontent_app
from jiliang.cli.uncertainty import app as uncertainty_app
from jiliang.cli.units import app as units_app

app = typer.Typer(help="Jiliang (计量) metrology platform", no_args_is_help=True)
db_app = typer.Typer(help="Database schema", no_args_is_help=True)
audit_app = typer.Typer(help="Audit log", no_args_is_help=True)
instruments_app = typer.Typer(help="The mandatory-verification register", no_args_is_help=True)
recalls_app = typer.Typer(help="Recall notices", no_args_is_help=True)
stats_app = typer.Typer(help="The dashboard's tallies", no_args_is_help=True)
campaigns_app = typer.Typer(help="Inspection campaigns: daily follow-up of findings", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(instruments_app, name="instruments")
app.add_typer(recalls_app, name="recalls")
app.add_typer(stats_app, name="stats")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(uncertainty_app, name="uncertainty")
app.add_typer(units_app, name="units")
app.add_typer(comparison_app, name="comparison")
app.add_typer(pt_app, name="pt")
app.add_typer(netcontent_app, name="netcontent")
app.add_typer(dcc_app, name="dcc")
app.add_typer(certificates_app, name="certificates")
console = Console()
err = Console(stderr=True)


def _upgrade() -> None:
    from jiliang.instruments import service as instrument_service
    from jiliang.migrations import upgrade
    from jiliang.platform.access import SYSTEM

    upgrade()
    instrument_service.load_catalogue(principal=SYSTEM, document=instrument_service.bundled_catalogue())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration and load the bundled reference data (catalogue)."""
    _upgrade()
    console.print("database is up to date")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the web application."""
    import uvicorn

    _upgrade()
    uvicorn.run("jiliang.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info")


@app.command()
def demo(seed: int = 20231, enterprises: int = 2000, instruments: int = 50_000, force: bool = False) -> None:
    """Build the demo dataset (a synthetic province) into the database; --force starts from an empty one."""
    from jiliang.platform.db import drop_everything, reset_engine
    from jiliang.platform.settings import get_settings

    if force:
        url = get_settings().resolved_database_url()
        if url.startswith("sqlite:///"):
            reset_engine()
            for suffix in ("", "-wal", "-shm"):
                Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        else:
            drop_everything()
    _upgrade()
    from jiliang.demo import DEMO_PASSWORD, build, demo_users

    try:
        summary = build(seed=seed, enterprises=enterprises, instruments=instruments)
    except RuntimeError as exc:
        err.print(f"[red]{exc}[/red] (use --force to rebuild)")
        raise typer.Exit(2) from exc
    console.print(summary)
    console.print(f"users: {', '.join(demo_users())}; password: {DEMO_PASSWORD}")


@audit_app.command("verify")
def audit_verify(
    anchor: Path | None = typer.Option(None, help="an anchor file from `jiliang audit anchor`, kept outside the database"),
) -> None:
    """Check the audit chain; exit code 1 when a row was altered, inserted or deleted."""
    from jiliang.platform import audit
    from jiliang.platform.db import read_session

    anchored = None
    if anchor is not None:
        try:
            anchored = json.loads(anchor.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            err.print(f"[red]cannot read the anchor {anchor}:[/red] {exc}")
            raise typer.Exit(2) from exc
    with read_session() as s:
        count, problems = audit.verify(s)
        if anchored is not None:
            problems = problems + audit.check_anchor(s, anchored)
    if problems:
        for p in problems:
            err.print(f"[red]{p.kind}[/red] seq={p.seq} row_id={p.row_id}: {p.detail}")
        err.print(f"{len(problems)} problem(s) in {count} rows")
        raise typer.Exit(1)
    console.print(f"audit log intact: {count} rows" + (" (anchor confirmed)" if anchored is not None else ""))


@audit_app.command("anchor")
def audit_anchor(out: Path = typer.Option(..., help="file to write; keep it OUTSIDE the database's storage")) -> None:
    """Write the chain head as a sealed anchor; `audit verify --anchor FILE` later proves nothing was cut off."""
    from jiliang.platform import audit
    from jiliang.platform.db import read_session

    with read_session() as s:
        doc = audit.make_anchor(s)
    out.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    console.print(f"anchor written: seq {doc['seq']} → {out}")


def _principal(username: str | None):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from jiliang.platform.access import SYSTEM
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    if not username:
        return SYSTEM
    with read_session() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        err.print(f"no user '{username}'")
        raise typer.Exit(2)
    return principal_from_user(user)


@instruments_app.command("import")
def instruments_import(
    file: Path, as_user: str = typer.Option(None, "--as", help="act as this user (default: system)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import instruments from CSV (UTF-8/GBK) or .xlsx; all-or-nothing."""
    from jiliang.instruments import importer
    from jiliang.platform.errors import DomainError, ValidationReport

    if not file.is_file():
        err.print(f"no such file: {file}")
        raise typer.Exit(2)
    data = file.read_bytes()
    principal = _principal(as_user)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        task = progress.add_task("validating", total=None)

        def report(stage: str, n: int) -> None:
            progress.update(task, description=stage, completed=n)

        try:
            result = importer.import_instruments(principal=principal, data=data, file_name=file.name, progress=report)
        except ValidationReport as rep:
            progress.stop()
            if as_json:
                print(json.dumps(rep.as_dict(), ensure_ascii=False, indent=1))
            else:
                for e in rep.errors[:200]:
                    err.print(f"row {e.row}, {e.field}: {e.reason} [{e.value}]")
                err.print(f"[red]{len(rep.errors)} error(s); nothing was written[/red]")
            raise typer.Exit(1) from rep
        except DomainError as exc:
            err.print(f"[red]{exc.field or 'file'}: {exc.message}[/red]")
            raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        console.print(f"{result.rows} rows: {result.created} new, {result.unchanged} unchanged (batch {result.batch_id})")


@instruments_app.command("export")
def instruments_export(
    file: Path, as_user: str = typer.Option(None, "--as"), region: str = typer.Option(None),
    overdue: bool = typer.Option(False),
) -> None:
    """Export the instruments you may see to FILE (.csv or .xlsx)."""
    from jiliang.instruments import importer, service

    principal = _principal(as_user)
    filters = service.InstrumentFilter(region=region, overdue=overdue)
    rows = list(service.iter_instruments(principal=principal, filters=filters))
    codes = importer.owner_credit_codes({i.owner_id for i in rows})
    table = importer.export_rows(rows, codes)
    if file.suffix.lower() == ".xlsx":
        n = importer.write_xlsx(table, file)
    else:
        with file.open("w", encoding="utf-8-sig", newline="") as fh:
            n = importer.write_csv(table, fh)
    console.print(f"{n} instruments written to {file}")


@recalls_app.command("generate")
def recalls_generate(days_before: int = typer.Option(None), today: str = typer.Option(None)) -> None:
    """Generate recall notices for instruments falling due (idempotent; run daily)."""
    from jiliang.instruments import service
    from jiliang.platform.access import SYSTEM
    from jiliang.platform.settings import get_settings

    day = dt.date.fromisoformat(today) if today else None
    n = service.generate_recalls(principal=SYSTEM, today=day,
                                 days_before=days_before if days_before is not None else get_settings().recall_days_before)
    console.print(f"{n} recall notice(s) created")


@campaigns_app.command("mark-overdue")
def campaigns_mark_overdue(today: str = typer.Option(None, help="ISO date; default today")) -> None:
    """Mark open findings past their rectification deadline as overdue (idempotent; run daily)."""
    from jiliang.campaigns import service
    from jiliang.platform.access import SYSTEM

    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError as exc:
        err.print(f"[red]--today:[/red] {exc}")
        raise typer.Exit(2) from exc
    n = service.mark_overdue(principal=SYSTEM, today=day)
    console.print(f"{n} finding(s) marked overdue")


@stats_app.command("check")
def stats_check() -> None:
    """Compare the maintained tallies with a fresh count of the register; exit 1 on any difference."""
    from jiliang.instruments import tallies
    from jiliang.platform.db import read_session

    with read_session() as s:
        problems = tallies.check(s)
    for p in problems[:100]:
        err.print(p)
    if problems:
        err.print(f"[red]{len(problems)} difference(s)[/red]; run `jiliang stats rebuild`")
        raise typer.Exit(1)
    console.print("tallies agree with the register")


@stats_app.command("rebuild")
def stats_rebuild() -> None:
    """Recount the tallies from the register (as of today)."""
    from jiliang.instruments import tallies
    from jiliang.platform.db import write_session

    with write_session() as s:
        tallies.rebuild(s, dt.date.today())
    console.print("tallies rebuilt")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
