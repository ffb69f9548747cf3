"""Polish of the credit pages: source names and the rules' basis for people (zh + en), the rule id kept, the
"local policy (unverified)" badge translated, region names, and the second page of the lists."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin

import pytest

from tests.conftest import login
from tests.credit.helpers_credit import (
    CREDIT_COUNTY,
    TODAY,
    credit_world,
    declare,
    new_enterprise,
    principal_of,
)


def _zh(msgid: str) -> str:
    from jiliang.platform.i18n import translations

    return translations("zh_CN").gettext(msgid)


@pytest.fixture(scope="module")
def world(demo_db):  # type: ignore[no-untyped-def]
    return credit_world()


def _factor_rows(html: str) -> dict[str, list[str]]:
    body = html.split('id="factors"', 1)[1].split("</tbody>", 1)[0]
    out: dict[str, list[str]] = {}
    for source, row in re.findall(r'<tr data-rule="[^"]+" data-source="([a-z_]+)">(.*?)</tr>', body, re.S):
        out.setdefault(source, []).append(row)
    return out


def test_enterprise_page_for_people_in_chinese(client, world) -> None:  # type: ignore[no-untyped-def]
    from jiliang.credit.views import SOURCE_NAMES

    login(client, "regulator_hz")
    page = client.get(f"/credit/enterprises/{world['b']}")
    assert page.status_code == 200
    rows = _factor_rows(page.text)
    assert {"verification_fail", "overdue_instrument", "commitment"} <= set(rows)
    for source, found in rows.items():
        for row in found:
            first = re.match(r"\s*<td>(.*?)</td>", row, re.S)
            assert first and first.group(1) == _zh(SOURCE_NAMES[source]) != source
            assert re.search(r'<code class="rule-id">CR-[A-Z-]+</code>', row)  # the technical id stays
            assert f'<span class="badge unverified">{_zh("local policy (unverified)")}</span>' in row
    text = page.text
    for field in ("next_due_on", "verification_events", "result = fail", ".result"):
        assert field not in text, field
    assert "《计量法》第九条" in text
    assert re.search(rf'id="credit-region">[^<]*\S+ \({CREDIT_COUNTY}\)</p>', text)


def test_enterprise_page_in_english(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "regulator_hz")
    client.cookies.set("jiliang_lang", "en")
    page = client.get(f"/credit/enterprises/{world['b']}")
    assert page.status_code == 200
    rows = _factor_rows(page.text)
    names = {re.match(r"\s*<td>(.*?)</td>", r, re.S).group(1) for found in rows.values() for r in found}  # type: ignore[union-attr]
    assert {
        "Failed verification",
        "Instrument overdue for verification",
        "Honest-metrology commitment",
    } <= names
    for raw in (">overdue_instrument<", ">commitment<", ">verification_fail<", "next_due_on"):
        assert raw not in page.text, raw
    assert "local policy (unverified)" in page.text and "CR-OD" in page.text
    rules = client.get("/credit/rules")
    assert (
        rules.status_code == 200 and "Failed verification" in rules.text and "next_due_on" not in rules.text
    )


def test_lists_show_region_names(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "regulator_hz")
    r = client.get(f"/credit?region={CREDIT_COUNTY}")
    assert r.status_code == 200
    cells = re.findall(r"<td>([^<]*) \((\d{6})\)</td>", r.text.split('id="credit-list"', 1)[1])
    assert cells and all(name.strip() and code.startswith("3301") for name, code in cells)
    pub = client.get(f"/public/credit/commitments?region={CREDIT_COUNTY}")
    assert pub.status_code == 200 and re.search(rf"<td>[^<]+ \({CREDIT_COUNTY}\)</td>", pub.text)
    d = client.get(f"/credit/declarations/{world['decl_b']}")
    assert d.status_code == 200 and re.search(rf"<dd>[^<]+ \({CREDIT_COUNTY}\)</dd>", d.text)


def _ids(html: str, pattern: str) -> list[int]:
    return [int(x) for x in re.findall(pattern, html)]


def _next_href(path: str, html: str) -> str:
    """The pager's "next" link, resolved like a browser does against the page's path."""
    m = re.search(r'<div class="pager">.*?<a href="([^"]+)">[^<]*»</a>', html, re.S)
    assert m, "no next page link"
    return urljoin(path, m.group(1).replace("&amp;", "&"))


def test_second_page_of_the_credit_list(client, world) -> None:  # type: ignore[no-untyped-def]
    from jiliang.credit import service

    login(client, "regulator")
    first = client.get("/credit")
    assert first.status_code == 200
    pager = re.search(r'<div class="pager">\s*<span>[^<\d]*(\d+)', first.text)
    assert pager
    total = int(pager.group(1))
    if total <= 60:  # score the province's enterprises so that there is a second page
        service.refresh_region(principal=principal_of("regulator"), region_code="330000", as_of=TODAY)
        first = client.get("/credit")
    ids1 = _ids(first.text, r'href="/credit/enterprises/(\d+)"')
    assert len(ids1) == 50
    second = client.get(_next_href("/credit", first.text))
    assert second.status_code == 200, second.text[:300]
    ids2 = _ids(second.text, r'href="/credit/enterprises/(\d+)"')
    assert len(ids2) >= 10 and not set(ids1) & set(ids2)
    # the explicit page parameter a user may type is harmless too
    assert client.get("/credit?page=2").status_code == 200
    assert client.get("/credit?offset=50&grade=A").status_code == 200


def test_second_page_of_the_declarations(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "regulator")
    first = client.get("/credit/declarations")
    assert first.status_code == 200
    have = len(_ids(first.text, r'href="/credit/declarations/(\d+)"'))
    if have < 50 or "»</a>" not in first.text:
        # drafts declared long ago: they sort last and never reach the public list
        eid = new_enterprise("翻页店", CREDIT_COUNTY)
        for k in range(60):
            declare(eid, publish=False, start=TODAY - dt.timedelta(days=300 + k))
        first = client.get("/credit/declarations")
    ids1 = _ids(first.text, r'href="/credit/declarations/(\d+)"')
    assert len(ids1) == 50
    second = client.get(_next_href("/credit/declarations", first.text))
    assert second.status_code == 200, second.text[:300]
    ids2 = _ids(second.text, r'href="/credit/declarations/(\d+)"')
    assert len(ids2) >= 10 and not set(ids1) & set(ids2)
    assert client.get("/credit/declarations?page=2").status_code == 200
