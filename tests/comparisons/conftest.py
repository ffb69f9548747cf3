"""Fixtures of the comparisons tests: participant institutions with one user each (prefix ``cmp_``), tokens,
and a helper that runs the workflow through the API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import SHARED

PASSWORD = "cmp-pass-2026"


def reference(name: str) -> dict[str, Any]:
    path = Path(SHARED) / "reference" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def institutions() -> list[dict[str, Any]]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text("SELECT id, name, region_code FROM organisations WHERE kind = 'institution' ORDER BY id")
            ).mappings()
        ]


@pytest.fixture(scope="session")
def lab_users(app) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """One institution user per demo institution: username cmp_<org id> -> {org, token}."""
    from jiliang.platform import accounts
    from jiliang.platform.access import SYSTEM

    out: dict[str, dict[str, Any]] = {}
    with TestClient(app) as c:
        for org in institutions():
            name = f"cmp_{org['id']}"
            from jiliang.platform.db import get_engine

            with get_engine().connect() as conn:
                exists = conn.execute(
                    text("SELECT count(*) FROM users WHERE username = :u"), {"u": name}
                ).scalar()
            if not exists:
                accounts.create_user(
                    actor=SYSTEM,
                    username=name,
                    password=PASSWORD,
                    role="institution",
                    display_name=f"比对联系人 {org['id']}",
                    organisation_id=org["id"],
                )
            r = c.post("/api/v1/tokens", json={"username": name, "password": PASSWORD, "name": "cmp"})
            assert r.status_code == 200, r.text
            out[name] = {"org": org, "token": r.json()["token"], "username": name}
    return out


@pytest.fixture()
def api(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Workflow:
    """Drive one comparison through the API: create (as a regulator), submit (as each lab), analyse, publish."""

    def __init__(
        self, client: TestClient, tokens: dict[str, str], lab_users: dict[str, dict[str, Any]]
    ) -> None:
        self.c, self.tokens, self.users = client, tokens, lab_users
        self.labs: dict[str, dict[str, Any]] = {}
        self.id = 0
        self.pilot_user = ""

    def create(
        self,
        *,
        title: str,
        unit: str,
        codes: list[str],
        kind: str = "national",
        deadline: dt.date | None = None,
        pilot: str | None = None,
        as_token: str | None = None,
    ) -> dict[str, Any]:
        users = sorted(self.users.values(), key=lambda u: u["org"]["id"])
        zj = [u for u in users if u["org"]["region_code"].startswith("33")]
        assert len(zj) >= len(codes) + 1, "not enough Zhejiang institutions in the demo"
        pilot_user = self.users[pilot] if pilot else zj[0]
        chosen = [u for u in zj if u is not pilot_user][: len(codes)]
        self.labs = {code: u for code, u in zip(codes, chosen, strict=True)}
        self.pilot_user = pilot_user["username"]
        body = {
            "kind": kind,
            "title": title,
            "quantity": "measurand",
            "unit": unit,
            "artefact": "transfer standard",
            "pilot_id": pilot_user["org"]["id"],
            "region_code": "330000",
            "deadline": (deadline or dt.date.today() + dt.timedelta(days=30)).isoformat(),
            "participants": [
                {"organisation_id": u["org"]["id"], "lab_code": code} for code, u in self.labs.items()
            ],
        }
        r = self.c.post(
            "/api/v1/comparisons", json=body, headers=bearer(as_token or self.tokens["regulator"])
        )
        assert r.status_code == 201, r.text
        self.id = r.json()["id"]
        return r.json()

    def submit(self, code: str, **fields: Any) -> Any:
        return self.c.post(
            f"/api/v1/comparisons/{self.id}/submissions",
            json=fields,
            headers=bearer(self.labs[code]["token"]),
        )

    def pilot(self) -> dict[str, str]:
        return bearer(self.users[self.pilot_user]["token"])

    def analyse(self, **body: Any) -> dict[str, Any]:
        r = self.c.post(f"/api/v1/comparisons/{self.id}/analyses", json=body, headers=self.pilot())
        assert r.status_code == 201, r.text
        return r.json()

    def publish(self, analysis_id: int, token: str) -> Any:
        return self.c.post(
            f"/api/v1/comparisons/{self.id}/analyses/{analysis_id}/publish", headers=bearer(token)
        )


@pytest.fixture()
def workflow(api, tokens, lab_users) -> Workflow:  # type: ignore[no-untyped-def]
    return Workflow(api, tokens, lab_users)
