"""Root Typer app; each area contributes a sub-app from its own module in this package."""

from __future__ import annotations

import typer

from jiliang.cli.uncertainty import app as uncertainty_app

app = typer.Typer(help="Jiliang (计量) metrology platform", no_args_is_help=True)
app.add_typer(uncertainty_app, name="uncertainty")
