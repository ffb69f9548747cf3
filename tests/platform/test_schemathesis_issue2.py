"""schemathesis against /openapi.json (issue 2 acceptance): no response of the JSON API is a 5xx.

Every operation of the OpenAPI document is exercised twice: anonymously (the public) and with an
administrator's API bearer token (the role that reaches every write path). Only the
``not_a_server_error`` check is asserted, so routes whose success answer is not JSON (the CSV/xlsx
export ``/api/v1/instruments-export`` and the ``/api/v1/instruments-template`` download, which the
document lists with an ``application/json`` 200) stay in: nothing is excluded.

Generation is bounded and reproducible: a fixed seed, deterministic (derandomized) Hypothesis,
at most 20 fuzzed examples per operation, no deadline.

Isolation: with an admin token the fuzzer really creates organisations, authorisations, instruments
and verifications. So that this never changes the shared ``demo_db`` that other tests read, the module
runs on its own database (a fresh SQLite file, or a sibling database on the same PostgreSQL server
when ``JILIANG_DATABASE_URL`` points at one) built by the same demo builder, and switches the platform
back to the shared database afterwards.

Note: ``schemathesis.pytest.from_fixture`` (lazy loading) does not work with pytest 9 (it writes
``request.node._nodeid``, which pytest 9 removed), so the schema is loaded eagerly from an app
instance built at import time; building the app touches no database, the engine is resolved per request.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from jiliang.web.app import create_app
from tests.conftest import DEMO_PASSWORD

SEED = 20261127
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": 20, "deterministic": True},
    }
)

APP = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)

DB_ENV = ("JILIANG_DATA_DIR", "JILIANG_DATABASE_URL")


def _switch(env: dict[str, str | None]) -> None:
    from jiliang.platform.db import reset_engine
    from jiliang.platform.settings import get_settings

    reset_engine()
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    reset_engine()


@pytest.fixture(scope="module")
def isolated_db(demo_db: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A database of its own for the fuzzer, built like demo_db; the shared one is restored afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from jiliang.demo import build
    from jiliang.migrations import upgrade

    saved = {key: os.environ.get(key) for key in DB_ENV}
    url = saved["JILIANG_DATABASE_URL"]
    data_dir = tmp_path_factory.mktemp("jiliang-schemathesis")
    extra_database: str | None = None
    server_url = None
    if url and not url.startswith("sqlite"):
        server_url = make_url(url)
        extra_database = f"{server_url.database}_schemathesis"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{extra_database}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{extra_database}"')
        admin.dispose()
        new_url: str | None = server_url.set(database=extra_database).render_as_string(hide_password=False)
    elif url:
        new_url = f"sqlite:///{(data_dir / 'jiliang.db').resolve()}"
    else:
        new_url = None
    _switch({"JILIANG_DATA_DIR": str(data_dir), "JILIANG_DATABASE_URL": new_url})
    try:
        upgrade()
        summary = build(seed=11, enterprises=40, instruments=400)  # with every area's demo seed
        assert summary.instruments > 300
        from jiliang.demo import AREA_SEEDS

        assert set(summary.areas) == set(AREA_SEEDS), summary.areas
        yield
    finally:
        _switch(saved)
        if extra_database is not None and server_url is not None:
            admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{extra_database}" WITH (FORCE)')
            admin.dispose()


@pytest.fixture(scope="module")
def admin_token(isolated_db: None) -> str:
    from fastapi.testclient import TestClient

    with TestClient(APP) as c:
        r = c.post(
            "/api/v1/tokens", json={"username": "admin", "password": DEMO_PASSWORD, "name": "schemathesis"}
        )
        assert r.status_code == 200, r.text
        return str(r.json()["token"])


def test_schema_lists_the_register_operations() -> None:
    """The fuzzed document is the real one: it holds the register's main operations."""
    paths = set(APP.openapi()["paths"])
    for path in (
        "/api/v1/instruments",
        "/api/v1/instruments/{instrument_id}",
        "/api/v1/organisations",
        "/api/v1/recalls",
        "/api/v1/dashboard",
        "/api/v1/public/instruments/{code}",
        "/api/v1/tokens",
    ):
        assert path in paths, path


# 5xx answers this fuzzer (and the browser tests) found, now fixed: (method, path, JSON body, expected status).
FIXED_5XX = [
    # a well-formed but non-existent region code raised core's CodeError -> now a 422
    ("GET", "/api/v1/instruments?region=000001", None, 422),
    ("GET", "/api/v1/instruments-export?format=csv&region=000001", None, 422),
    ("GET", "/api/v1/dashboard?region=000001", None, 422),
    ("GET", "/api/v1/organisations?region=000000", None, 422),
    # 000000 is the whole country: the administrator's dashboard links carry it to the list
    ("GET", "/api/v1/instruments?region=000000&overdue=true", None, 200),
    ("GET", "/instruments?region=000000&status=in_use", None, 200),
    # the HTML filter forms submit empty fields (was 422 for the instruments and organisations pages)
    ("GET", "/instruments?q=&catalogue_code=&use=&status=&region=&overdue=true", None, 200),
    ("GET", "/organisations?q=&kind=", None, 200),
    # keys beyond the INTEGER range overflowed the database driver (SQLite OverflowError, PostgreSQL DataError)
    ("GET", "/api/v1/instruments/9223372036854775808", None, 404),
    ("GET", "/api/v1/instruments/2147483648/verifications", None, 404),
    ("GET", "/api/v1/organisations/2147483648", None, 404),
    (
        "POST",
        "/api/v1/organisations/9223372036854775808/authorisations",
        {
            "annual_capacity": 409,
            "catalogue_code": "conflict",
            "region_code": "000000",
            "valid_until": "2000-01-01",
        },
        404,
    ),
    ("GET", "/api/v1/instruments?owner_id=2147483648", None, 422),
    (
        "POST",
        "/api/v1/instruments",
        {"catalogue_code": "x", "owner_id": 2**31, "use": "trade_settlement"},
        422,
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), FIXED_5XX)
def test_fixed_server_errors_stay_fixed(
    admin_token: str, method: str, path: str, body: object, expected: int
) -> None:
    from fastapi.testclient import TestClient

    from tests.conftest import login

    with TestClient(APP, raise_server_exceptions=False) as c:
        if path.startswith("/api/"):
            c.headers["Authorization"] = f"Bearer {admin_token}"
        else:
            login(c, "admin")
        r = c.request(method, path, json=body)
    assert r.status_code == expected, (method, path, r.status_code, r.text[:300])


def test_verification_by_unknown_institution_is_refused(admin_token: str) -> None:
    """A verification naming no existing institution broke the foreign key (5xx); now a clear 400."""
    import datetime as dt

    from fastapi.testclient import TestClient

    with TestClient(APP, raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {admin_token}"
        inst = c.get("/api/v1/instruments", params={"status": "in_use", "limit": 1}).json()["items"][0]
        body = {"verified_on": dt.date.today().isoformat(), "result": "pass", "institution_id": 2**31 - 1}
        r = c.post(f"/api/v1/instruments/{inst['id']}/verifications", json=body)
        assert r.status_code == 400, r.text
        assert r.json()["field"] == "institution_id"
        assert c.get(f"/api/v1/instruments/{inst['id']}").json() == inst  # nothing written


@schema.parametrize()
def test_api_public_no_server_error(case: schemathesis.Case, isolated_db: None) -> None:
    case.call_and_validate(checks=[not_a_server_error])


@schema.parametrize()
def test_api_admin_no_server_error(case: schemathesis.Case, admin_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=[not_a_server_error])
