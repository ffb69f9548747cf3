"""Issue 4: the unit-usage special inspection workflow and its access rules.

A Hangzhou regulator records an inspection, checks documents of two Hangzhou enterprises (a pasted listing
and an uploaded CSV price list), follows up, and publishes. Checked here: stored findings, audit entries,
bad input writes nothing, and who sees what (another province's regulator nothing; an enterprise only its
own findings; the public only the published counts, without personal data).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import DEMO_PASSWORD, auth, csrf_of, login
from tests.platform.scope_issue2 import discover_scope, scalar

LISTING = "本店猪肉每斤12元，5斤起售；布料宽3英尺。屏幕6.1英寸手机。"
CSV = "品名,规格,价格\n大米,10斤装,50\n花生油,5升,80\n面条,二两,6\n".encode()


def _count(sql: str, **params: Any) -> int:
    return int(scalar(sql, **params))


@pytest.fixture(scope="module")
def world(app, tokens) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One inspection built through the API by the Hangzhou regulator."""
    scope = discover_scope()
    own, other, js = (scope.orgs[k] for k in ("own_enterprise", "hz_other_enterprise", "js_enterprise"))
    with TestClient(app) as c:
        h = auth(tokens["regulator_hz"])
        audit_before = _count("SELECT count(*) FROM audit_log")
        r = c.post("/api/v1/unit-inspections", headers=h, json={
            "title": "2026年杭州市商品标价计量单位专项检查", "region_code": "330100",
            "starts_on": "2026-11-01", "ends_on": "2026-11-30", "note": "联系人：张三 13800000000"})
        assert r.status_code == 201, r.text
        insp = r.json()
        iid = insp["id"]
        r = c.post(f"/api/v1/unit-inspections/{iid}/documents", headers=h, json={
            "enterprise_id": own["id"], "kind": "listing", "title": "猪肉价签", "text": LISTING})
        assert r.status_code == 201, r.text
        doc_own = r.json()
        r = c.post(f"/api/v1/unit-inspections/{iid}/documents", headers=h,
                   data={"enterprise_id": str(other["id"]), "kind": "web_page", "title": "网店价目表"},
                   files={"file": ("prices.csv", CSV, "text/csv")})
        assert r.status_code == 201, r.text
        doc_other = r.json()
    return {"scope": scope, "id": iid, "own": own, "other": other, "js": js, "doc_own": doc_own,
            "doc_other": doc_other, "audit_before": audit_before}


def test_documents_are_checked_and_findings_stored(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    iid, doc = world["id"], world["doc_own"]
    assert doc["finding_count"] == 3 and doc["content_kind"] == "text" and doc["checked_by"] == "regulator_hz"
    body = client.get(f"/api/v1/unit-inspections/{iid}/documents/{doc['id']}", headers=auth(tokens["regulator_hz"])).json()
    assert body["content"] == LISTING
    found = [(f["text"], f["message"], f["rule_id"], f["line"]) for f in body["findings"]]
    assert found == [("每斤", "每斤 → kg (1 斤 = 0.5 kg)", "MKT-JIN", 1), ("5斤", "5斤 → 2.5 kg", "MKT-JIN", 1),
                     ("3英尺", "3英尺 → 0.9144 m", "IMP-FOOT", 1)]
    for f in body["findings"]:
        assert LISTING[f["char_offset"] : f["char_offset"] + f["length"]] == f["text"]
    assert body["findings"][1]["replacement"] == "kg" and body["findings"][1]["source"]
    assert all(f["text"] != "6.1英寸" for f in body["findings"])  # screen sizes are exempt
    table = client.get(f"/api/v1/unit-inspections/{iid}/documents/{world['doc_other']['id']}",
                       headers=auth(tokens["regulator_hz"])).json()
    assert table["content_kind"] == "table" and table["file_name"] == "prices.csv"
    assert table["sheets"][0]["rows"][1] == ["大米", "10斤装", "50"]
    assert [(f["row_no"], f["column_no"], f["cell"], f["message"]) for f in table["findings"]] == [
        (2, 2, "B2", "10斤 → 5 kg"), (4, 2, "B4", "二两 → 100 g")]
    assert _count("SELECT count(*) FROM unit_inspection_findings WHERE inspection_id = :i", i=iid) == 5


def test_every_write_is_audited(world) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(text("SELECT action, object_type, actor, after FROM audit_log WHERE seq > "
                                 "(SELECT min(seq) - 1 FROM audit_log WHERE object_type = 'unit_inspection' "
                                 "AND object_id = :i) AND actor = 'regulator_hz' ORDER BY seq"),
                            {"i": str(world["id"])}).all()
    kinds = [(r[0], r[1]) for r in rows][:3]
    assert kinds == [("create", "unit_inspection"), ("check_document", "unit_inspection_document"),
                     ("check_document", "unit_inspection_document")]
    after = rows[1][3] if isinstance(rows[1][3], dict) else __import__("json").loads(rows[1][3])
    assert after["rules"] == ["MKT-JIN", "MKT-JIN", "IMP-FOOT"] and "content" not in after and len(after["sha256"]) == 64


@pytest.mark.parametrize(
    ("payload", "files", "field"),
    [
        ({"enterprise_id": "JS", "kind": "listing", "text": "5斤"}, None, "enterprise_id"),  # js: outside the region
        ({"enterprise_id": "OWN", "kind": "poster", "text": "5斤"}, None, "kind"),
        ({"enterprise_id": "OWN", "kind": "label", "text": ""}, None, "text"),
        ({"enterprise_id": 999_999_999, "kind": "label", "text": "5斤"}, None, "enterprise_id"),
        ({"enterprise_id": "OWN", "kind": "label"}, {"file": ("x.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png")}, "file"),
        ({"enterprise_id": "OWN", "kind": "label"}, {"file": ("x.txt", "5斤".encode("gbk"), "text/plain")}, "file"),
        ({"enterprise_id": "OWN", "kind": "label"}, {"file": ("x.doc", b"hello", "application/msword")}, "file"),
    ],
)
def test_bad_documents_are_422_and_write_nothing(client, tokens, world, payload, files, field) -> None:  # type: ignore[no-untyped-def]
    ids = {"JS": world["js"]["id"], "OWN": world["own"]["id"]}
    payload = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    url = f"/api/v1/unit-inspections/{world['id']}/documents"
    n_docs = _count("SELECT count(*) FROM unit_inspection_documents")
    n_audit = _count("SELECT count(*) FROM audit_log")
    h = auth(tokens["regulator_hz"])
    if files:
        r = client.post(url, headers=h, data={k: str(v) for k, v in payload.items()}, files=files)
    else:
        r = client.post(url, headers=h, json=payload)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()
    assert _count("SELECT count(*) FROM unit_inspection_documents") == n_docs
    assert _count("SELECT count(*) FROM audit_log") == n_audit


def test_bad_inspections_are_refused(client, tokens) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["regulator_hz"])
    n = _count("SELECT count(*) FROM unit_inspections")
    base = {"title": "x", "region_code": "330100", "starts_on": "2026-11-01", "ends_on": "2026-11-30"}
    for change, status, field in (({"ends_on": "2026-10-01"}, 422, "ends_on"), ({"region_code": "330000"}, 403, "region_code"),
                                  ({"region_code": "339999"}, 422, "region_code"), ({"title": ""}, 422, None)):
        r = client.post("/api/v1/unit-inspections", headers=h, json={**base, **change})
        assert r.status_code == status, (change, r.text)
        if field:
            assert r.json()["field"] == field
    r = client.post("/api/v1/unit-inspections", headers=auth(tokens["enterprise"]), json=base)
    assert r.status_code == 403
    assert _count("SELECT count(*) FROM unit_inspections") == n


def test_follow_up_workflow(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    iid, own = world["id"], world["own"]["id"]
    url = f"/api/v1/unit-inspections/{iid}/follow-ups/{own}"
    r = client.put(url, headers=auth(tokens["regulator_hz"]),
                   json={"deadline": "2026-12-15", "status": "open", "note": "限期改用千克标价"})
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["deadline"] == "2026-12-15"
    # the enterprise may report its rectification, not close the case nor move the deadline
    r = client.put(url, headers=auth(tokens["enterprise"]), json={"status": "closed", "note": "x"})
    assert r.status_code == 403
    r = client.put(url, headers=auth(tokens["enterprise"]),
                   json={"status": "rectified", "note": "价签已改为每千克24元", "deadline": "2027-06-30"})
    assert r.status_code == 200 and r.json()["status"] == "rectified" and r.json()["deadline"] == "2026-12-15"
    # another enterprise cannot touch it; a follow-up needs a checked document
    assert client.put(url, headers=auth(tokens["enterprise_js"]), json={"status": "rectified"}).status_code == 404
    r = client.put(f"/api/v1/unit-inspections/{iid}/follow-ups/{world['js']['id']}", headers=auth(tokens["regulator_hz"]),
                   json={"status": "open"})
    assert r.status_code == 422 and r.json()["field"] == "enterprise_id"
    r = client.put(url, headers=auth(tokens["regulator_hz"]), json={"status": "done"})
    assert r.status_code == 422
    r = client.put(url, headers=auth(tokens["regulator_hz"]), json={"deadline": "2026-12-15", "status": "closed",
                                                                   "note": "复查合格"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    detail = client.get(f"/api/v1/unit-inspections/{iid}", headers=auth(tokens["regulator_hz"])).json()
    summary = {e["enterprise_id"]: e for e in detail["enterprises"]}
    assert summary[own]["follow_up_status"] == "closed" and summary[own]["findings"] == 3
    assert summary[world["other"]["id"]]["findings"] == 2 and summary[world["other"]["id"]]["follow_up_status"] is None
    assert _count("SELECT count(*) FROM audit_log WHERE object_type = 'unit_inspection_follow_up' "
                  "AND actor IN ('regulator_hz', 'enterprise')") >= 3


def test_regulator_of_another_province_sees_nothing(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    iid = world["id"]
    h = auth(tokens["regulator_js"])
    assert client.get(f"/api/v1/unit-inspections/{iid}", headers=h).status_code == 404
    assert client.get(f"/api/v1/unit-inspections/{iid}/documents/{world['doc_own']['id']}", headers=h).status_code == 404
    assert iid not in {i["id"] for i in client.get("/api/v1/unit-inspections?limit=500", headers=h).json()["items"]}
    r = client.post(f"/api/v1/unit-inspections/{iid}/documents", headers=h,
                    json={"enterprise_id": world["own"]["id"], "kind": "label", "text": "5斤"})
    assert r.status_code == 404
    # the provincial regulator above Hangzhou sees everything in it
    assert client.get(f"/api/v1/unit-inspections/{iid}", headers=auth(tokens["regulator"])).status_code == 200


def test_enterprise_sees_only_its_own_findings(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    iid = world["id"]
    h = auth(tokens["enterprise"])
    detail = client.get(f"/api/v1/unit-inspections/{iid}", headers=h)
    assert detail.status_code == 200
    body = detail.json()
    assert [d["id"] for d in body["documents"]] == [world["doc_own"]["id"]]
    assert [e["enterprise_id"] for e in body["enterprises"]] == [world["own"]["id"]]
    assert world["other"]["name"] not in detail.text
    assert client.get(f"/api/v1/unit-inspections/{iid}/documents/{world['doc_own']['id']}", headers=h).status_code == 200
    assert client.get(f"/api/v1/unit-inspections/{iid}/documents/{world['doc_other']['id']}", headers=h).status_code == 404
    assert iid in {i["id"] for i in client.get("/api/v1/unit-inspections", headers=h).json()["items"]}
    # an enterprise without a document in it does not see the inspection at all
    assert client.get(f"/api/v1/unit-inspections/{iid}", headers=auth(tokens["enterprise_js"])).status_code == 404
    # an institution takes no part: nothing until published
    assert client.get(f"/api/v1/unit-inspections/{iid}", headers=auth(tokens["institution"])).status_code == 404


def test_public_sees_only_the_published_summary(client, tokens, world) -> None:  # type: ignore[no-untyped-def]
    iid = world["id"]
    assert client.get(f"/api/v1/unit-inspections/{iid}").status_code == 401
    assert client.get(f"/api/v1/public/unit-inspections/{iid}").status_code == 404
    assert client.get(f"/public/unit-inspections/{iid}").status_code == 404
    assert iid not in {i["id"] for i in client.get("/api/v1/public/unit-inspections?limit=500").json()["items"]}
    assert client.patch(f"/api/v1/unit-inspections/{iid}", json={"published": True},
                        headers=auth(tokens["enterprise"])).status_code == 403
    r = client.patch(f"/api/v1/unit-inspections/{iid}", json={"published": True}, headers=auth(tokens["regulator_hz"]))
    assert r.status_code == 200 and r.json()["published"] is True
    try:
        r = client.get(f"/api/v1/public/unit-inspections/{iid}")
        assert r.status_code == 200
        body = r.json()
        assert (body["enterprises"], body["documents"], body["findings"]) == (2, 2, 5)
        counts = {e["enterprise_name"]: (e["documents"], e["findings"]) for e in body["per_enterprise"]}
        assert counts == {world["own"]["name"]: (1, 3), world["other"]["name"]: (1, 2)}
        page = client.get(f"/public/unit-inspections/{iid}")
        assert page.status_code == 200 and world["own"]["name"] in page.text
        for text in (r.text, page.text):
            for secret in ("张三", "13800000000", "regulator_hz", world["own"]["credit_code"], "5斤", "猪肉",
                           "enterprise_id", "prices.csv"):
                assert secret not in text, secret
        listed = client.get("/public/unit-inspections?offset=0")
        assert f'href="/public/unit-inspections/{iid}"' in listed.text
        # publishing opens the header, not the documents
        assert client.get(f"/api/v1/unit-inspections/{iid}/documents/{world['doc_own']['id']}",
                          headers=auth(tokens["enterprise_js"])).status_code == 404
    finally:
        client.patch(f"/api/v1/unit-inspections/{iid}", json={"published": False}, headers=auth(tokens["regulator_hz"]))
    assert client.get(f"/api/v1/public/unit-inspections/{iid}").status_code == 404


def test_pages_walk_through(app, world) -> None:  # type: ignore[no-untyped-def]
    """The same workflow through the HTML pages (cookie session, CSRF tokens)."""
    with TestClient(app) as c:
        login(c, "regulator_hz", DEMO_PASSWORD)
        page = c.get("/unit-inspections/new")
        assert page.status_code == 200 and "新建计量单位使用专项检查" in page.text
        token = csrf_of(page.text)
        r = c.post("/unit-inspections/new", data={"csrf_token": token, "title": "页面专项检查", "region_code": "330100",
                                                  "starts_on": "2026-11-01", "ends_on": "2026-10-01"})
        assert r.status_code == 422 and 'id="form-error"' in r.text
        r = c.post("/unit-inspections/new", data={"csrf_token": token, "title": "页面专项检查", "region_code": "330100",
                                                  "starts_on": "2026-11-01", "ends_on": "2026-11-30"},
                   follow_redirects=False)
        assert r.status_code == 303
        iid = int(r.headers["location"].rsplit("/", 1)[1])
        page = c.get(f"/unit-inspections/{iid}/documents/new")
        assert page.status_code == 200
        offered = {int(x) for x in re.findall(r'<option value="(\d+)"', page.text.split('name="enterprise_id"')[1]
                                                .split("</select>")[0])}
        assert world["own"]["id"] in offered and world["js"]["id"] not in offered
        r = c.post(f"/unit-inspections/{iid}/documents/new",
                   data={"csrf_token": token, "enterprise_id": str(world["own"]["id"]), "kind": "advertisement",
                         "title": "促销广告", "text": ""},
                   files={"file": ("ad.txt", "鲜鱼2斤装，特价".encode(), "text/plain")}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        doc_page = c.get(r.headers["location"])
        assert '<mark class="error" title="2斤 → 1 kg · 规则 MKT-JIN">2斤</mark>' in doc_page.text
        r = c.post(f"/unit-inspections/{iid}/documents/new",
                   data={"csrf_token": token, "enterprise_id": str(world["js"]["id"]), "kind": "label", "text": "5斤"})
        assert r.status_code == 422 and "<code>enterprise_id</code>" in r.text
        detail = c.get(f"/unit-inspections/{iid}")
        assert "促销广告" in detail.text and "广告" in detail.text and world["own"]["name"] in detail.text
        r = c.post(f"/unit-inspections/{iid}/follow-ups/{world['own']['id']}",
                   data={"csrf_token": token, "deadline": "2026-12-31", "status": "open", "note": "限期整改"},
                   follow_redirects=False)
        assert r.status_code == 303
        fu = c.get(f"/unit-inspections/{iid}/follow-ups/{world['own']['id']}")
        assert fu.status_code == 200 and "限期整改" in fu.text and 'value="2026-12-31"' in fu.text
        r = c.post(f"/unit-inspections/{iid}/publish", data={"csrf_token": token, "published": "1"},
                   follow_redirects=False)
        assert r.status_code == 303
        assert "撤回公示" in c.get(f"/unit-inspections/{iid}").text
    with TestClient(app) as pub:
        r = pub.get(f"/public/unit-inspections/{iid}")
        assert r.status_code == 200 and "页面专项检查" in r.text and "鲜鱼" not in r.text
    with TestClient(app) as ent:
        login(ent, "enterprise", DEMO_PASSWORD)
        page = ent.get(f"/unit-inspections/{iid}/follow-ups/{world['own']['id']}")
        assert page.status_code == 200 and 'name="status" value="rectified"' in page.text
        r = ent.post(f"/unit-inspections/{iid}/follow-ups/{world['own']['id']}",
                     data={"csrf_token": csrf_of(page.text), "status": "rectified", "note": "已改正"},
                     follow_redirects=False)
        assert r.status_code == 303
        assert ent.get(f"/unit-inspections/{iid}/documents/new").status_code == 403
