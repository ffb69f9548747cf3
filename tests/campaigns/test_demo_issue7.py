"""Issue 7 part 2: the demo seed adds a published campaign (with findings) and one in progress."""

from __future__ import annotations

import datetime as dt
import random


def test_demo_seed(client, demo_db) -> None:  # type: ignore[no-untyped-def]
    from jiliang.campaigns import service
    from jiliang.demo.campaigns import seed
    from jiliang.platform.access import SYSTEM

    out = seed(rng=random.Random(7), today=dt.date(2026, 11, 27))
    assert out["campaigns"] == 2 and out["findings"] == 2
    pub = client.get(f"/api/v1/public/campaigns/{out['published_campaign']}").json()
    assert pub["inspected"] == pub["entities"] >= 2 and pub["failed"] >= 2
    assert pub["findings_by_category"] == {"cheating_device": 1, "error_exceeds_mpe": 1}
    assert (
        client.get(f"/api/v1/public/campaigns/{out['published_campaign']}/draw").json()["reproduced"] is True
    )
    busy = service.get_campaign(principal=SYSTEM, campaign_id=out["in_progress_campaign"])
    assert busy.status == "in_progress" and not busy.published
    assert client.get(f"/api/v1/public/campaigns/{busy.id}").status_code == 404
