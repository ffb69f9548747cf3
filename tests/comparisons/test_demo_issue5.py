"""Issue 5: the demo seed adds a published key comparison, a published PT round with scores and a sealed
comparison, through the services."""

from __future__ import annotations

import datetime as dt
import random

from fastapi.testclient import TestClient

from tests.comparisons.conftest import bearer


def test_demo_seed(app, tokens) -> None:  # type: ignore[no-untyped-def]
    from jiliang.demo.comparisons import seed

    out = seed(rng=random.Random(7), today=dt.date.today())
    kc, pt = out["published"]
    with TestClient(app) as c:
        pub = c.get(f"/api/v1/public/comparisons/{kc}").json()
        ref = pub["analysis"]["outputs"]["reference"]
        assert pub["kind"] == "national" and abs(ref["value"] - 9.99999712) < 1e-5
        assert len(pub["analysis"]["outputs"]["doe"]["entries"]) == 8
        scores = c.get(f"/api/v1/public/comparisons/{pt}").json()["analysis"]["outputs"]
        assert scores["scores"]["statistic"] in ("z", "z'") and scores["homogeneity"] is not None
        assert sum(scores["scores"]["counts"].values()) == 12
        # the outlier lab (PT05) draws a signal
        row = next(p for p in scores["scores"]["participants"] if p["lab"] == "PT05")
        assert row[f"{scores['scores']['statistic']} signal"] in ("warning", "action")
        sealed = c.get(f"/api/v1/comparisons/{out['sealed']}", headers=bearer(tokens["regulator"])).json()
        assert sealed["unsealed_at"] is None and sealed["submissions"] == []
        assert c.get(f"/api/v1/public/comparisons/{out['sealed']}").status_code == 404
        assert c.get(f"/public/comparisons/{pt}").status_code == 200
