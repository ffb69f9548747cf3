"""Root Typer app; each area contributes a sub-app from its own module in this package."""

from __future__ import annotations

import typer

app = typer.Typer(help="Jiliang (计量) metrology platform", no_args_is_help=True)
