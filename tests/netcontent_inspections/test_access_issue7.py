"""Issue 7: who sees which net-content inspection and C-mark declaration (direct tests).

* an enterprise sees only the signed-off inspections of its own products (as producer or seller), never a
  draft, never another enterprise's;
* a regulator sees its region and the regions below it (drafts included), nothing of another region except
  what is published;
* the public (and a technical institution) sees only published, current records, without personal data;
* only regulators of the region (and administrators) record, sign off, publish and correct.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from jiliang.platform.db import get_engine
from tests.conftest import auth
from tests.netcontent_inspections.helpers_issue7 import lot, state
from tests.platform.scope_issue2 import discover_scope

URL = "/api/v1/netcontent-inspections"


def _all() -> list[dict[str, Any]]:
    with get_engine().connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text(
                    "SELECT id, region_code, producer_id, seller_id, status, published, superseded_by_id "
                    "FROM netcontent_inspections"
                )
            ).mappings()
        ]


def _listed(client: Any, headers: dict[str, str], url: str = URL) -> set[int]:
    out: set[int] = set()
    offset = 0
    while True:
        body = client.get(url, headers=headers, params={"offset": offset, "limit": 500}).json()
        out |= {i["id"] for i in body["items"]}
        offset += 500
        if offset >= body["total"]:
            return out


@pytest.fixture(scope="module")
def own(app, tokens, nc_demo) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A draft and a signed-off record of the demo enterprise's product, and one of another enterprise."""
    from fastapi.testclient import TestClient

    scope = discover_scope()
    mine, other = scope.orgs["own_enterprise"], scope.orgs["hz_other_enterprise"]
    with TestClient(app) as c:
        h = auth(tokens["regulator_hz"])
        draft = c.post(URL, headers=h, json=lot(producer_id=mine["id"], product_name="自家草稿")).json()
        final = c.post(URL, headers=h, json=lot(producer_id=mine["id"], product_name="自家已签")).json()
        assert c.post(f"{URL}/{final['id']}/finalise", headers=h).status_code == 200
        sold = c.post(
            URL, headers=h, json=lot(seller_id=mine["id"], producer_id=other["id"], product_name="本店代售")
        ).json()
        assert c.post(f"{URL}/{sold['id']}/finalise", headers=h).status_code == 200
        foreign = c.post(URL, headers=h, json=lot(producer_id=other["id"], product_name="他家已签")).json()
        assert c.post(f"{URL}/{foreign['id']}/finalise", headers=h).status_code == 200
    return {
        "mine": mine,
        "other": other,
        "draft": draft["id"],
        "final": final["id"],
        "sold": sold["id"],
        "foreign": foreign["id"],
    }


def test_enterprise_sees_only_inspections_of_its_own_products(client, tokens, own) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["enterprise"])
    org = own["mine"]["id"]
    expected = {
        r["id"]
        for r in _all()
        if r["status"] != "draft"
        and org in (r["producer_id"], r["seller_id"])
        and r["superseded_by_id"] is None
    }
    seen = _listed(client, h)  # the working list: own products only (other published records: public page)
    assert seen == expected
    assert own["final"] in seen and own["sold"] in seen
    assert own["draft"] not in seen and own["foreign"] not in seen
    assert client.get(f"{URL}/{own['final']}", headers=h).status_code == 200
    for key in ("draft", "foreign"):
        assert client.get(f"{URL}/{own[key]}", headers=h).status_code == 404
        assert client.get(f"{URL}/{own[key]}/report.pdf", headers=h).status_code == 404
    # and may not change anything
    before = state()
    assert client.post(URL, headers=h, json=lot()).status_code == 403
    assert (
        client.post(f"{URL}/{own['final']}/publish", headers=h, json={"published": True}).status_code == 403
    )
    assert client.post(f"{URL}/{own['draft']}/finalise", headers=h).status_code == 404
    assert state() == before


def test_regulators_see_their_region(client, tokens, own) -> None:  # type: ignore[no-untyped-def]
    rows = _all()
    current = [r for r in rows if r["superseded_by_id"] is None]
    for user, prefix in (("regulator", "33"), ("regulator_hz", "3301"), ("regulator_js", "32")):
        seen = _listed(client, auth(tokens[user]))  # the working list: the region only
        assert seen == {r["id"] for r in current if r["region_code"].startswith(prefix)}, user
    h = auth(tokens["regulator_js"])
    assert client.get(f"{URL}/{own['draft']}", headers=h).status_code == 404
    before = state()
    assert client.post(URL, headers=h, json=lot()).status_code == 403  # region 330100 is not theirs
    assert client.put(f"{URL}/{own['draft']}", headers=h, json=lot()).status_code == 404
    assert client.post(f"{URL}/{own['draft']}/finalise", headers=h).status_code == 404
    assert state() == before
    # a regulator of the province manages a Hangzhou record; Hangzhou's regulator sees the province's
    assert client.get(f"{URL}/{own['draft']}", headers=auth(tokens["regulator"])).status_code == 200


def test_public_sees_only_published_current_records(client, tokens, own) -> None:  # type: ignore[no-untyped-def]
    rows = _all()
    public = {r["id"] for r in rows if r["published"] and r["superseded_by_id"] is None}
    assert public, "the demo publishes some results"
    assert _listed(client, {}, "/api/v1/public/netcontent-inspections") == public
    for r in rows:
        code = client.get(f"/api/v1/public/netcontent-inspections/{r['id']}").status_code
        assert code == (200 if r["id"] in public else 404), r
    assert client.get(URL).status_code == 401
    # the institution reads what the public reads
    assert _listed(client, auth(tokens["institution"])) == public
    one = client.get(f"/api/v1/public/netcontent-inspections/{min(public)}").json()
    for key in ("inspectors", "place", "created_by", "note", "measurements", "seller_id", "finalised_by"):
        assert key not in one
    page = client.get("/public/netcontent-inspections").text
    with get_engine().connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT inspectors FROM netcontent_inspections"))]
    import json

    people = {p for x in names for p in (json.loads(x) if isinstance(x, str) else x)}
    assert people and not any(p in page for p in people)


def test_cmark_register(client, tokens) -> None:  # type: ignore[no-untyped-def]
    scope = discover_scope()
    mine, js = scope.orgs["own_enterprise"], scope.orgs["js_enterprise"]
    before = state()
    r = client.post(
        "/api/v1/cmark-declarations",
        headers=auth(tokens["enterprise"]),
        json={
            "products": "米饼 500 g；苏打饼干 200 g",
            "assessment": "计量保证能力自我评价合格",
            "declared_on": "2026-10-01",
        },
    )
    assert r.status_code == 201, r.text
    decl = r.json()
    assert decl["enterprise_id"] == mine["id"] and decl["region_code"] == mine["region_code"]
    assert state()[1] == before[1] + 1 and state()[2] == before[2] + 1
    # for another enterprise: refused; regulators and institutions do not declare
    before = state()
    assert (
        client.post(
            "/api/v1/cmark-declarations",
            headers=auth(tokens["enterprise"]),
            json={"enterprise_id": js["id"], "products": "x", "declared_on": "2026-10-01"},
        ).status_code
        == 403
    )
    for user in ("regulator", "institution"):
        assert (
            client.post(
                "/api/v1/cmark-declarations",
                headers=auth(tokens[user]),
                json={"products": "x", "declared_on": "2026-10-01"},
            ).status_code
            == 403
        )
    assert (
        client.post(
            "/api/v1/cmark-declarations",
            headers=auth(tokens["enterprise"]),
            json={"products": "", "declared_on": "2026-10-01"},
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/cmark-declarations",
            headers=auth(tokens["enterprise"]),
            json={"products": "x", "declared_on": "2099-10-01"},
        ).status_code
        == 422
    )
    assert state() == before
    did = decl["id"]
    # who sees it
    assert (
        client.get(f"/api/v1/cmark-declarations/{did}", headers=auth(tokens["enterprise"])).status_code == 200
    )
    assert client.get(
        f"/api/v1/cmark-declarations/{did}", headers=auth(tokens["regulator_hz"])
    ).status_code == (200 if mine["region_code"].startswith("3301") else 404)
    assert (
        client.get(f"/api/v1/cmark-declarations/{did}", headers=auth(tokens["regulator"])).status_code == 200
    )
    assert (
        client.get(f"/api/v1/cmark-declarations/{did}", headers=auth(tokens["regulator_js"])).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/cmark-declarations/{did}", headers=auth(tokens["enterprise_js"])).status_code
        == 404
    )
    assert did not in {
        d["id"]
        for d in client.get("/api/v1/cmark-declarations", headers=auth(tokens["enterprise_js"])).json()
    }
    assert all(
        d["enterprise_id"] == mine["id"]
        for d in client.get(
            "/api/v1/cmark-declarations", headers=auth(tokens["enterprise"]), params={"limit": 500}
        ).json()
    )
    assert all(
        d["region_code"].startswith("32")
        for d in client.get(
            "/api/v1/cmark-declarations", headers=auth(tokens["regulator_js"]), params={"limit": 500}
        ).json()
    )
    public = client.get("/api/v1/public/cmark-declarations", params={"limit": 500}).json()
    assert any(p["enterprise_name"] == mine["name"] and p["products"] == decl["products"] for p in public)
    assert all(set(p) == {"enterprise_name", "region_code", "products", "declared_on"} for p in public)
    # only the declarant edits
    before = state()
    for user in ("enterprise_js", "regulator", "regulator_js"):
        code = client.patch(
            f"/api/v1/cmark-declarations/{did}", headers=auth(tokens[user]), json={"status": "withdrawn"}
        ).status_code
        assert code in (403, 404), (user, code)
    assert state() == before
    r = client.patch(
        f"/api/v1/cmark-declarations/{did}", headers=auth(tokens["enterprise"]), json={"status": "withdrawn"}
    )
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    public = client.get("/api/v1/public/cmark-declarations", params={"limit": 500}).json()
    assert not any(p["products"] == decl["products"] for p in public)
    assert (
        client.get(f"/api/v1/cmark-declarations/{did}", headers=auth(tokens["regulator"])).status_code == 200
    )
