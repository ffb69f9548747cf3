"""Database engine, ORM base and transactions (SQLAlchemy 2).

SQLite is the embedded default (WAL journal, foreign keys on, ``BEGIN IMMEDIATE`` for write
transactions so that concurrent writers queue instead of failing); PostgreSQL is used when
``JILIANG_DATABASE_URL`` points at it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from jiliang.platform.settings import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # enough pooled connections for the server's thread pool: opening one runs the PRAGMAs above
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=20, max_overflow=20)
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


_lock = threading.Lock()
_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None
_write_factory: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    global _engine, _factory, _write_factory
    with _lock:
        if _engine is None:
            _engine = make_engine(get_settings().resolved_database_url())
            _factory = sessionmaker(_engine, expire_on_commit=False)
            write_bind = _engine.execution_options(sqlite_immediate=True)
            _write_factory = sessionmaker(write_bind, expire_on_commit=False)
        return _engine


def reset_engine() -> None:
    """Forget the engine (tests switch databases through settings)."""
    global _engine, _factory, _write_factory
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = _factory = _write_factory = None


def drop_everything() -> None:
    """Remove every table (tests and ``jiliang demo --force``). PostgreSQL: the whole public schema."""
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        from sqlalchemy import MetaData

        meta = MetaData()
        meta.reflect(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in reversed(meta.sorted_tables):
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table.name}"')
    reset_engine()


def is_sqlite() -> bool:
    return get_engine().dialect.name == "sqlite"


@contextmanager
def read_session() -> Iterator[Session]:
    get_engine()
    assert _factory is not None
    with _factory() as session:
        yield session


@contextmanager
def write_session() -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    get_engine()
    assert _write_factory is not None
    with _write_factory() as session:
        with session.begin():
            yield session
