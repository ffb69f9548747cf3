"""Smoke test of the foundation (issue 2): the demo builds and the main pages answer."""

from __future__ import annotations

from tests.conftest import login


def test_demo_summary(demo_db):  # type: ignore[no-untyped-def]
    s = demo_db["summary"]
    assert s.enterprises == 200 and s.instruments > 2500 and s.verifications > s.instruments
    assert s.overdue > 0


def test_main_pages_as_regulator(client):  # type: ignore[no-untyped-def]
    login(client, "regulator")
    for path in ("/", "/dashboard", "/instruments", "/instruments?overdue=true", "/recalls", "/organisations",
                 "/catalogue", "/account", "/instruments/import", "/instruments/new"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
