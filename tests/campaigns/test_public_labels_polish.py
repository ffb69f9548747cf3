"""Polish of the campaign pages: translated finding categories, severities and campaign types, region names,
and the failed checklist items of each entity on the public page (no person, no penalty amount)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.campaigns.helpers_issue7 import plan, pool, principal

FLAGS = {
    "seal_intact": True,
    "tamper_signs": False,
    "cheating_device": False,
    "verification_mark_valid": True,
}


def _zh(msgid: str) -> str:
    from jiliang.platform.i18n import translations

    return translations("zh_CN").gettext(msgid)


@pytest.fixture(scope="module")
def published(demo_db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A published fuel-station campaign of Hangzhou: station 1 fails only on a missing verification mark
    (no finding), station 2 has a serious cheating-device finding with a penalty, the others pass."""
    from jiliang.campaigns import service
    from jiliang.campaigns.schemas import CampaignUpdate, InspectionRecord

    reg = principal("regulator_hz")
    pool("330100", 3)
    c = plan(campaign_type="fuel_station", sample_size=3)
    service.select_entities(principal=reg, campaign_id=c.id, seed=20261127)
    tasks = service.list_tasks(principal=reg, campaign_id=c.id)
    assert len(tasks) >= 2
    for n, task in enumerate(tasks):
        nozzle = {"subject": "9-1", "fuel": "92#", "standard_volume": 20, "dispenser_volume": 20.01, **FLAGS}
        findings: list[dict[str, Any]] = []
        if n == 0:
            nozzle["verification_mark_valid"] = False
        if n == 1:
            findings.append(
                {
                    "severity": "serious",
                    "category": "cheating_device",
                    "description": "polish作弊芯片",
                    "penalty_legal_basis": "polish法条",
                    "penalty_amount": "45678.00",
                }
            )
        service.record_inspection(
            principal=reg,
            task_id=task.id,
            data=InspectionRecord.model_validate(
                {"inspected_on": "2026-11-20", "nozzles": [nozzle], "findings": findings}
            ),
        )
    service.update_campaign(principal=reg, campaign_id=c.id, data=CampaignUpdate(published=True))
    return {"campaign": c, "tasks": tasks}


def _rows(html: str) -> list[str]:
    body = html.split('id="results"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def test_public_page_says_why_an_entity_failed(client, published) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns.views import reason_name

    r = client.get(f"/public/campaigns/{published['campaign'].id}")
    assert r.status_code == 200
    rows = _rows(r.text)
    assert len(rows) == len(published["tasks"])
    first = re.search(r'<td class="failed-items">(.*?)</td>', rows[0], flags=re.S)
    assert first and _zh("No valid verification mark") in first.group(1)
    assert reason_name("verification_mark_valid_failed") == _zh("No valid verification mark")
    # the entity failed with no finding: the failed item is its only reason shown
    assert re.findall(r'<td class="num">(\d+)</td>', rows[0]) == ["0", "0", "0"]
    for other in rows[2:]:
        assert re.search(r'<td class="failed-items">—</td>', other)
    # still nothing personal, no penalty, no finding text, no nozzle subject
    for secret in ("campaigns检查员", "CAMP-", "45678", "polish作弊芯片", "polish法条", "9-1"):
        assert secret not in r.text, secret


def test_public_page_in_english_has_no_raw_codes(client, published) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("jiliang_lang", "en")
    r = client.get(f"/public/campaigns/{published['campaign'].id}")
    assert r.status_code == 200
    text = r.text
    for raw in ("cheating_device", "error_exceeds_mpe", "fuel_station", "verification_mark_valid"):
        assert raw not in text, raw
    assert "Cheating device 1" in text and "Serious 1" in text and "Fuel stations" in text
    assert "No valid verification mark" in text
    # the region is shown by name and code
    assert re.search(r"<dd>[^<(]+ \(330100\)</dd>", text), text[:2000]
    listing = client.get("/public/campaigns")
    assert listing.status_code == 200 and "fuel_station" not in listing.text and "(330100)" in listing.text


def test_regulator_pages_translate_categories_and_regions(client, published) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    login(client, "regulator_hz")
    client.cookies.set("jiliang_lang", "en")
    task = client.get(f"/campaign-tasks/{published['tasks'][1].id}")
    assert task.status_code == 200
    findings = task.text.split('id="findings"', 1)[1].split("</table>", 1)[0]
    assert "Cheating device" in findings and "Serious" in findings and "cheating_device" not in findings
    first = client.get(f"/campaign-tasks/{published['tasks'][0].id}")
    assert "No valid verification mark" in first.text and "verification_mark_valid_failed" not in first.text
    detail = client.get(f"/campaigns/{published['campaign'].id}")
    assert detail.status_code == 200 and "Fuel stations" in detail.text
    assert re.search(r"<dd>[^<(]+ \(330100\)</dd>", detail.text)
    tasks = detail.text.split('id="tasks"', 1)[1]
    codes = re.findall(r"<td>([^<]*)\((33\d{4})\)</td>", tasks)
    assert codes and all(name.strip() for name, _code in codes)
    listing = client.get("/campaigns")
    assert listing.status_code == 200 and "(330100)" in listing.text
    client.cookies.set("jiliang_lang", "zh_CN")
    zh = client.get(f"/campaign-tasks/{published['tasks'][1].id}")
    assert _zh("Cheating device") in zh.text.split('id="findings"', 1)[1].split("</table>", 1)[0]
