"""Polish of the certificate pages: the issuer by name (the username only in a title), one result count, and
the demo's measurement standards described as what they are (a 0.05 级 gauge, not an F1 weight)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.certificates.conftest import World
from tests.conftest import login


def test_detail_names_the_issuer_and_list_counts_once(app, world: World) -> None:  # type: ignore[no-untyped-def]
    cert = world.certs["passed"]
    c = TestClient(app, raise_server_exceptions=False)
    login(c, world.staff.approver.username, world.staff.password)
    page = c.get(f"/certificates/{cert.number}").text
    listing = c.get("/certificates").text
    c.close()
    issuer = world.staff.approver
    assert cert.issued_by == issuer.username
    assert f'title="{issuer.username}">{issuer.display_name}</span>' in page
    assert f"({issuer.username})" not in page
    assert listing.count('class="pager"') == 1  # "共 N 条" once, below the table
    assert listing.index('id="certificates"') < listing.index('class="pager"')


def test_gauge_standard_is_a_pressure_standard(world: World) -> None:
    from jiliang.platform.db import read_session
    from jiliang.verification.models import MeasurementStandard

    with read_session() as s:
        gauge = s.get(MeasurementStandard, world.gauge_standard)
        weights = s.get(MeasurementStandard, world.weights)
        assert gauge is not None and weights is not None
        assert (gauge.quantity, gauge.uncertainty_or_class) == ("pressure", "0.05 级")
        assert re.fullmatch(r"0 – [\d.]+ MPa", gauge.measuring_range)
        assert (weights.quantity, weights.uncertainty_or_class) == ("mass", "F1")
