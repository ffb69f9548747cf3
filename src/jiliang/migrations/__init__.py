"""Alembic migrations: the only way the schema changes."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("jiliang.migrations")))
    return cfg


def upgrade(revision: str = "heads") -> None:
    command.upgrade(alembic_config(), revision)
