"""Shared fixtures: a migrated database with a small demo dataset, the app, logged-in clients.

The database is SQLite in a temporary folder unless JILIANG_DATABASE_URL is set (CI runs the suite a
second time against PostgreSQL); in that case the schema is dropped and rebuilt first.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ("tests.browser.fixtures",)

SHARED = Path(os.environ.get("JILIANG_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
DEMO_PASSWORD = "jiliang-demo-2026"
ROLE_USERS = ("admin", "regulator", "regulator_hz", "regulator_js", "institution", "enterprise", "enterprise_js")


def _reset_database() -> None:
    from jiliang.platform.db import drop_everything, reset_engine
    from jiliang.platform.settings import get_settings

    get_settings.cache_clear()
    reset_engine()
    if not get_settings().resolved_database_url().startswith("sqlite"):
        drop_everything()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    data_dir = tmp_path_factory.mktemp("jiliang-data")
    os.environ["JILIANG_DATA_DIR"] = str(data_dir)
    os.environ["JILIANG_SECRET_KEY"] = "test-secret-key"
    os.environ["JILIANG_LOGIN_MAX_FAILURES"] = "5"
    _reset_database()
    from jiliang.demo import build
    from jiliang.instruments import service as instrument_service
    from jiliang.migrations import upgrade
    from jiliang.platform.access import SYSTEM

    upgrade()
    instrument_service.load_catalogue(principal=SYSTEM, document=instrument_service.bundled_catalogue())
    summary = build(seed=7, enterprises=200, instruments=3000, areas=False)
    yield {"data_dir": data_dir, "summary": summary}


@pytest.fixture(scope="session")
def app(demo_db: dict[str, object]):  # type: ignore[no-untyped-def]
    from jiliang.web.app import create_app

    return create_app()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "page has no CSRF token"
    return m.group(1)


def login(client, username: str, password: str = DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password, "next": "/",
                                    "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return client


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def tokens(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One API token per demo user."""
    from fastapi.testclient import TestClient

    out = {}
    with TestClient(app) as c:
        for user in ROLE_USERS:
            r = c.post("/api/v1/tokens", json={"username": user, "password": DEMO_PASSWORD, "name": "tests"})
            assert r.status_code == 200, r.text
            out[user] = r.json()["token"]
    return out


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
