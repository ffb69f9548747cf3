"""Alembic environment: runs against the platform's engine."""

from __future__ import annotations

from alembic import context

from jiliang.models_all import metadata
from jiliang.platform.db import get_engine


def run() -> None:
    engine = get_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=engine.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
