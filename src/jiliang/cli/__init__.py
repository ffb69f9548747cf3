"""The `jiliang` command line (Typer). Thin: parse input, call services or core, render output."""

from jiliang.cli.main import app

__all__ = ["app"]
