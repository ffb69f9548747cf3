"""Issue 7: the net-content inspection workflow through the API and the pages.

A Hangzhou regulator records an inspection (draft; the verdict is the core's), edits the draft, signs it off
(immutable from then on), publishes it, corrects it (a new revision that supersedes the old one when signed
off), and prints the report (PDF with an embedded CJK font). Readings come typed (JSON or form) or from a
balance's CSV file in UTF-8 or GB18030. The sampling-plan rows of the published reference reproduce through
the workflow.
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiliang.core import netcontent as nc
from tests.conftest import auth, csrf_of, login
from tests.netcontent_inspections.helpers_issue7 import GROSS, TARE, count, lot, reference, state

URL = "/api/v1/netcontent-inspections"


@pytest.fixture(scope="module")
def created(app, tokens) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        audit_before = count("SELECT count(*) FROM audit_log")
        r = c.post(URL, headers=auth(tokens["regulator_hz"]), json=lot())
        assert r.status_code == 201, r.text
        return {"body": r.json(), "audit_before": audit_before}


def test_create_stores_inputs_and_the_cores_verdict(created) -> None:  # type: ignore[no-untyped-def]
    body = created["body"]
    expected = nc.evaluation_to_dict(
        nc.evaluate_lot_record(
            {"kind": "mass", "nominal": 500, "unit": "g", "lot_size": 80, "gross": GROSS, "tare": TARE}
        )
    )
    assert body["status"] == "draft" and body["revision"] == 1 and not body["published"]
    assert body["result"] == expected
    assert body["verdict"] == expected["verdict"] == "pass"
    assert body["sample_size"] == 13 and body["tolerable_deficiency"] == "15 g"
    assert body["result"]["mean_criterion"]["correction_factor"] == 0.848
    assert body["result"]["tare"]["method"] == "individual"
    assert body["measurements"]["gross"] == [str(g) for g in GROSS]
    assert body["label_passed"] is True
    assert [f["code"] for f in body["label_findings"]] == ["LABEL_UNIT_OK", "CHARACTER_HEIGHT_OK"]
    assert body["created_by"] == "regulator_hz" and body["region_code"] == "330100"
    assert count("SELECT count(*) FROM audit_log") == created["audit_before"] + 1
    assert (
        count(
            "SELECT count(*) FROM audit_log WHERE object_type = 'netcontent_inspection' AND action = 'create' "
            "AND object_id = :i",
            i=str(body["id"]),
        )
        == 1
    )


def test_draft_edit_finalise_publish_correct(client, tokens) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["regulator_hz"])
    r = client.post(URL, headers=h, json=lot(product_name="苏打饼干（流程）"))
    assert r.status_code == 201
    iid = r.json()["id"]
    # edit the draft: a badly short package turns the verdict
    gross = list(GROSS)
    gross[3] = 480.0  # net 457.4 g: short by 42.6 g > 2T = 30 g
    r = client.put(f"{URL}/{iid}", headers=h, json=lot(product_name="苏打饼干（流程）", gross=gross))
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "fail" and r.json()["reason_codes"] == ["T2_COUNT_EXCEEDED"]
    assert r.json()["t2_count"] == 1
    # publishing a draft is refused
    assert client.post(f"{URL}/{iid}/publish", headers=h, json={"published": True}).status_code == 409
    r = client.post(f"{URL}/{iid}/finalise", headers=h)
    assert (
        r.status_code == 200
        and r.json()["status"] == "finalised"
        and r.json()["finalised_by"] == "regulator_hz"
    )
    # signed off: immutable
    n_before = state()
    r = client.put(f"{URL}/{iid}", headers=h, json=lot(product_name="改过的"))
    assert r.status_code == 409, r.text
    assert client.post(f"{URL}/{iid}/finalise", headers=h).status_code == 409
    assert state() == n_before
    assert client.get(f"{URL}/{iid}", headers=h).json()["product_name"] == "苏打饼干（流程）"
    # publish
    r = client.post(f"{URL}/{iid}/publish", headers=h, json={"published": True})
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert client.get(f"/api/v1/public/netcontent-inspections/{iid}").status_code == 200
    # correct: a new revision (draft); the old one stays public until the correction is signed off
    r = client.post(
        f"{URL}/{iid}/revisions",
        headers=h,
        json={**lot(product_name="苏打饼干（流程）", gross=GROSS), "correction_reason": "第4件毛重抄录错误"},
    )
    assert r.status_code == 201, r.text
    fix = r.json()
    assert fix["revision"] == 2 and fix["status"] == "draft" and fix["verdict"] == "pass"
    assert fix["record_key"] == client.get(f"{URL}/{iid}", headers=h).json()["record_key"]
    assert (
        client.post(
            f"{URL}/{iid}/revisions", headers=h, json={**lot(), "correction_reason": "again"}
        ).status_code
        == 409
    )  # one at a time
    assert client.get(f"/api/v1/public/netcontent-inspections/{iid}").status_code == 200
    assert client.get(f"/api/v1/public/netcontent-inspections/{fix['id']}").status_code == 404
    r = client.post(f"{URL}/{fix['id']}/finalise", headers=h)
    assert r.status_code == 200
    old = client.get(f"{URL}/{iid}", headers=h).json()
    assert old["superseded_by_id"] == fix["id"] and old["published"] is False
    assert client.get(f"/api/v1/public/netcontent-inspections/{iid}").status_code == 404
    assert client.post(f"{URL}/{iid}/publish", headers=h, json={"published": True}).status_code == 409
    assert client.post(f"{URL}/{fix['id']}/publish", headers=h, json={"published": True}).status_code == 200
    listed = client.get(URL, headers=h, params={"q": "苏打饼干（流程）"}).json()
    assert [i["id"] for i in listed["items"]] == [fix["id"]]  # current revisions only by default
    listed = client.get(URL, headers=h, params={"q": "苏打饼干（流程）", "include_superseded": True}).json()
    assert {i["id"] for i in listed["items"]} == {iid, fix["id"]}
    actions = [r[0] for r in _audit_actions(iid)] + [r[0] for r in _audit_actions(fix["id"])]
    assert actions == [
        "create",
        "update",
        "finalise",
        "publish",
        "supersede",
        "correct",
        "finalise",
        "publish",
    ]


def _audit_actions(object_id: int) -> list[tuple[str]]:
    from sqlalchemy import text

    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT action FROM audit_log WHERE object_type = 'netcontent_inspection' AND object_id = :i ORDER BY seq"
                ),
                {"i": str(object_id)},
            )
        ]


CSV_UTF8 = "序号,毛重,皮重\n" + "".join(
    f"{i + 1},{g},{t}\n" for i, (g, t) in enumerate(zip(GROSS, TARE, strict=True))
)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-8-sig"])
def test_csv_import_individual_tare(client, tokens, encoding) -> None:  # type: ignore[no-untyped-def]
    fields = {k: str(v) for k, v in lot(gross=None, tare=None, inspectors=None).items()}
    fields["inspectors"] = "王建国，李敏"
    r = client.post(
        URL,
        headers=auth(tokens["regulator_hz"]),
        data=fields,
        files={"readings_file": ("balance.csv", CSV_UTF8.encode(encoding), "text/csv")},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["measurements"]["gross"] == [str(g) for g in GROSS]
    assert body["measurements"]["tare_method"] == "individual"
    assert body["measurement_source"].startswith("csv:balance.csv sha256:")
    assert body["inspectors"] == ["王建国", "李敏"]
    assert body["verdict"] == "pass"


TARE_SAMPLE = ["60.0", "60.8", "60.2", "60.6", "60.4", "60.1", "60.7", "60.3", "60.5", "60.4"]  # mean 60.4 g


@pytest.mark.parametrize("tare_from", ["csv_tare_sample", "form_average"])
def test_csv_import_tare_sample_and_density(client, tokens, tare_from) -> None:  # type: ignore[no-untyped-def]
    """Sunflower oil 1.8 L weighed by mass (examples/netcontent/lot-fail.json: average tare 60.4 g, density
    0.918 g/mL): gross readings from a CSV file, the tare from a tare sample in the file or typed as an average."""
    import json as _json
    from pathlib import Path

    example = _json.loads(
        (Path(__file__).resolve().parents[2] / "examples" / "netcontent" / "lot-fail.json").read_text()
    )
    assert example["tare"] == 60.4
    rows = ["gross,tare"] + [f"{g}," for g in example["gross"]]
    fields = {
        k: str(v)
        for k, v in lot(
            gross=None,
            tare=None,
            inspectors=None,
            kind="volume",
            nominal="1.8",
            unit="L",
            lot_size=example["lot_size"],
            label_text="净含量：1.8L",
            label_character_height_mm=None,
            product_category="edible_oil",
        ).items()
    }
    fields.update({"reading_unit": example["reading_unit"], "density": str(example["density"])})
    if tare_from == "csv_tare_sample":
        rows += [f",{t}" for t in TARE_SAMPLE]
    else:
        fields["tare"] = "60.4"
    r = client.post(
        URL,
        headers=auth(tokens["regulator_hz"]),
        data=fields,
        files={"readings_file": ("oil.csv", "\n".join(rows).encode(), "text/csv")},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    expected = nc.evaluation_to_dict(nc.evaluate_lot_record(example))
    assert body["result"]["verdict"] == expected["verdict"] == "fail"
    assert body["reason_codes"] == ["T1_COUNT_EXCEEDED"]
    assert body["result"]["counts"] == expected["counts"]
    assert body["result"]["mean_criterion"] == expected["mean_criterion"]
    assert body["result"]["tare"]["method"] == "average"
    assert body["result"]["tare"]["average"] == 60.4
    assert body["result"]["tare"]["sample_size"] == (10 if tare_from == "csv_tare_sample" else 0)
    assert body["result"]["density"]["value"] == example["density"]


def test_reference_sampling_plan_rows_through_the_workflow(client, tokens) -> None:  # type: ignore[no-untyped-def]
    """Every asserted JJF 1070-2005 row of shared/reference/cn-prepack-sampling-plan.json, recorded as an
    inspection at the low end of its lot-size range: the stored n, λ and acceptance numbers equal the table."""
    ref = reference("cn-prepack-sampling-plan.json")
    rows: dict[int, dict[str, Any]] = {}
    for e in ref["expected"]:
        if e["table"] == "sampling_plan_JJF1070-2005" and e["assert"]:
            rows.setdefault(e["lot_min"], {})[e["quantity"]] = e["value"]
    assert len(rows) == 6
    h = auth(tokens["regulator_hz"])
    for lot_min, q in rows.items():
        n = lot_min if q["sample size n"] == "all" else q["sample size n"]
        r = client.post(URL, headers=h, json=lot(lot_size=lot_min, gross=None, tare=None, net=[501] * n))
        assert r.status_code == 201, (lot_min, r.text)
        plan = r.json()["result"]["plan"]
        assert r.json()["sample_size"] == n
        if q["lambda (correction factor)"] == "not computed":
            assert (
                plan["correction_factor"] is None and not r.json()["result"]["mean_criterion"]["applicable"]
            )
        else:
            assert Decimal(str(plan["correction_factor"])) == Decimal(str(q["lambda (correction factor)"]))
        assert plan["acceptance_number_T1"] == q["allowed count with T < d ≤ 2T"]
        assert plan["acceptance_number_T2"] == q["allowed count with d > 2T"]
        assert plan["source_status"] == "sourced [S10]"


def test_report_pdf_has_an_embedded_cjk_font(client, tokens, created, tmp_path) -> None:  # type: ignore[no-untyped-def]
    iid = created["body"]["id"]
    r = client.get(f"{URL}/{iid}/report.pdf", headers=auth(tokens["regulator_hz"]))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(r.content)
    assert shutil.which("pdffonts"), "poppler-utils is installed by scripts/install-system-deps.sh"
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in listing.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), listing
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for needle in ("米饼（测试）", "0.848", "T1_COUNT_WITHIN_LIMIT", "sourced [S10]", "sourced [S7]", "[U]"):
        assert needle in text, needle


def test_pages_record_and_show_an_inspection(app, tokens) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        login(c, "regulator_hz")
        page = c.get("/netcontent-inspections/new")
        assert page.status_code == 200 and 'name="readings_file"' in page.text
        form = {
            k: str(v)
            for k, v in lot(
                gross=None,
                tare=None,
                inspectors=None,
                product_name="页面录入的洗衣液",
                product_category="daily_chemicals",
                nominal="2",
                unit="kg",
            ).items()
        }
        form.update(
            {
                "net": "\n".join(["2010.5"] * 13),
                "reading_unit": "g",
                "inspectors": "张伟, 陈静",
                "csrf_token": csrf_of(page.text),
            }
        )
        r = c.post("/netcontent-inspections/new", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        detail = c.get(r.headers["location"])
        assert detail.status_code == 200 and "页面录入的洗衣液" in detail.text
        assert 'id="finalise"' in detail.text and "T1_COUNT_WITHIN_LIMIT" in detail.text
        iid = int(r.headers["location"].rsplit("/", 1)[1])
        r = c.post(
            f"/netcontent-inspections/{iid}/finalise",
            data={"csrf_token": csrf_of(detail.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        detail = c.get(f"/netcontent-inspections/{iid}")
        assert 'id="publish"' in detail.text and 'id="finalise"' not in detail.text
        r = c.post(
            f"/netcontent-inspections/{iid}/publish",
            data={"csrf_token": csrf_of(detail.text), "published": "1"},
            follow_redirects=False,
        )
        assert r.status_code == 303
    with TestClient(app) as public:
        page = public.get("/public/netcontent-inspections")
        assert f'href="/public/netcontent-inspections/{iid}"' in page.text
        one = public.get(f"/public/netcontent-inspections/{iid}")
        assert one.status_code == 200 and "页面录入的洗衣液" in one.text
        for secret in ("张伟", "陈静", "regulator_hz", "某超市"):
            assert secret not in one.text and secret not in page.text
