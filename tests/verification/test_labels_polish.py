"""Polish of the verification pages: codes of the evaluation shown as translated labels (the raw code kept in
a ``title``), people by their display names, and no link a role cannot follow."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import DEMO_PASSWORD, login
from tests.platform.scope_issue2 import scalar

#: a snake_case code (``within_mpe``, ``position_1``, ``tap_shift_rising``) in the visible text of a page
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def visible_text(page: str) -> str:
    """The page's text without tags, attributes, scripts and styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def client(app: Any, username: str) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    login(c, username, DEMO_PASSWORD)
    return c


def test_every_code_of_the_core_has_a_label() -> None:
    """The reason codes the core can write (conformity rules, group checks) and the reading labels of the
    procedures' data are all mapped; names are taken from the core's sources and data, not copied here."""
    from importlib import resources

    from jiliang.verification import views

    core = resources.files("jiliang.core")
    sources = "".join(
        (core / part).read_text(encoding="utf-8")
        for part in ("conformity/jjf1094.py", "conformity/ilac_g8.py", "verification/evaluation.py")
    )
    reasons = set(re.findall(r'reason(?:="|, reason = \(?"\w+", ")(\w+)"', sources))
    reasons |= set(re.findall(r'Verdict\.\w+, "(\w+)"', sources))
    assert {"within_mpe", "beyond_mpe_plus_u", "outside_tolerance_beyond_guard_band"} <= reasons
    assert reasons - set(views.REASON_LABELS) == set()
    from jiliang.core.verification.evaluation import DECISION_RULES

    assert set(DECISION_RULES) == set(views.DECISION_RULE_LABELS)
    import json

    for f in (core / "verification" / "data").iterdir():
        if not f.name.endswith(".json"):
            continue
        data = json.loads(f.read_text(encoding="utf-8"))
        points = data.get("points")
        for label in points.get("reading_labels", []) if isinstance(points, dict) else []:
            assert label in views.READING_LABELS, (f.name, label)
        for g in data.get("group_checks", []):
            assert g["name"] in views.CHECK_LABELS and f"{g['name']}_exceeds_limit" in views.REASON_LABELS
        for req in data.get("standards", []):
            if req.get("check"):
                assert req["requirement"] in views.REQUIREMENT_LABELS, (f.name, req["requirement"])
                assert req["check"]["on"] in views.STANDARD_CHECK_LABELS


def test_warnings_are_rewritten_with_labels() -> None:
    from jiliang.platform import i18n
    from jiliang.verification import views

    points = [{"point": "Q2", "label_zh": "过渡流量 Q2", "label_en": "transitional flow rate Q2"}]
    raw = [
        "Q2: standards[0] expanded_uncertainty 0.2 exceeds 1/5 of the MPE (0.4) — expanded uncertainty "
        "≤ 1/5 MPE (first verification), ≤ 1/3 MPE (subsequent verification)",
        "Q2: repeatability range = 0.5 (repeatability_exceeds_limit)",
        "Q2: error 3.2 % — beyond_mpe_plus_u",
        "Q2: MPE not available — decision cannot be made (no table)",
        "g1: tap_shift tap_shift_rising = 0.01 (tap_shift_exceeds_limit)",
    ]
    i18n.set_language("en")
    try:
        out = [views.warning_text(x, points) for x in raw]
        assert views.reading_label("position_3") == "position 3"
        assert views.reason_label("within_mpe_minus_u") == "within MPE − U: conforms"
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    for text in out[:4]:
        assert text.startswith("transitional flow rate Q2: "), text
    assert "standard no. 1" in out[0] and "expanded uncertainty" in out[0] and "0.2" in out[0]
    assert "beyond MPE + U" in out[2] and "3.2 %" in out[2]
    assert "change on tapping (rising)" in out[4]
    for text in out:
        assert not CODE.search(text.replace("g1", "")), text
    assert views.warning_text("something else", points) == "something else"  # unknown forms stay raw


def test_record_page_shows_labels_and_names(app, vworld) -> None:  # type: ignore[no-untyped-def]
    rid = scalar(
        "SELECT r.id FROM verification_records r JOIN work_orders w ON w.id = r.work_order_id "
        "WHERE r.procedure_code = 'JJG539-2016' AND r.performed_by = 'institution' ORDER BY r.id LIMIT 1"
    )
    assert rid
    c = client(app, "institution")
    page = c.get(f"/verification/records/{rid}").text
    c.close()
    text = visible_text(page)
    assert not CODE.search(text), CODE.findall(text)[:10]
    display = scalar("SELECT display_name FROM users WHERE username = 'institution'")
    assert display and display in text
    assert not re.search(r"\binstitution\b", text)  # the username only in a title attribute
    assert 'title="within_mpe' in page or 'title="within_mpe_minus_u"' in page
    assert 'title="loading"' in page  # the readings of a scale's test point are labelled


def test_work_orders_show_display_names(app, vworld) -> None:  # type: ignore[no-untyped-def]
    c = client(app, "institution")
    page = c.get("/verification/work-orders?status=approved").text
    c.close()
    display = scalar("SELECT display_name FROM users WHERE username = 'institution'")
    text = visible_text(page)
    assert display in text and not re.search(r"\binstitution\b", text)


def test_enterprise_sees_no_link_it_cannot_follow(app, vworld) -> None:  # type: ignore[no-untyped-def]
    """The customer's staff open their work order and its record; every link on them can be followed, and
    none leads to the institution's measurement standards (which an enterprise never sees)."""
    from sqlalchemy import select

    from jiliang.platform import accounts
    from jiliang.platform.access import SYSTEM
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    wo = scalar("SELECT id FROM work_orders WHERE current_record_id IS NOT NULL ORDER BY id LIMIT 1")
    assert wo, "the demo has recorded work"
    customer = scalar("SELECT customer_id FROM work_orders WHERE id = :i", i=wo)
    region = scalar("SELECT region_code FROM organisations WHERE id = :i", i=customer)
    with read_session() as s:
        exists = s.scalar(select(User.id).where(User.username == "polish_customer"))
    if not exists:
        accounts.create_user(
            actor=SYSTEM,
            username="polish_customer",
            password=DEMO_PASSWORD,
            role="enterprise",
            display_name="委托单位 计量员",
            region_code=region,
            organisation_id=customer,
        )
    c = client(app, "polish_customer")
    pages = [c.get(f"/verification/work-orders/{wo}")]
    rid = re.search(r'href="/verification/records/(\d+)"', pages[0].text)
    assert rid, "the work order links its record"
    pages.append(c.get(f"/verification/records/{rid.group(1)}"))
    for r in pages:
        assert r.status_code == 200
        for href in set(re.findall(r'href="(/verification/[^"?#]*)', r.text)):
            assert c.get(href).status_code == 200, (str(r.url), href)
        assert 'href="/verification/standards' not in r.text
    c.close()


def test_standard_quantities_are_translated(app, vworld) -> None:  # type: ignore[no-untyped-def]
    """A quantity code (``mass``, ``pressure``) is shown by its label; the code stays in the title."""
    from sqlalchemy import select

    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.security import LANG_COOKIE
    from jiliang.platform.web import principal_from_user
    from jiliang.verification import service, views
    from jiliang.verification.schemas import StandardCreate

    with read_session() as s:
        staff = principal_from_user(s.scalars(select(User).where(User.username == "institution")).one())
    std = service.create_standard(
        principal=staff,
        data=StandardCreate(
            name="POLISH 0.05 级精密压力表",
            identifier="POLISH-P-005",
            quantity="pressure",
            measuring_range="0 – 2.5 MPa",
            uncertainty_or_class="0.05 级",
        ),
    )
    c = client(app, "institution")
    c.cookies.set(LANG_COOKIE, "en")
    page = c.get(f"/verification/standards/{std.id}").text
    listing = c.get("/verification/standards?q=POLISH-P").text
    c.close()
    assert '<dd title="pressure">pressure</dd>' in page and "0 – 2.5 MPa" in page and "0.05 级" in page
    assert 'title="pressure">pressure<' in listing
    assert views.quantity_label("质量") == "质量"  # free text is shown as it is
