"""Issue 5: ISO 13528 Annex B homogeneity/stability checks and the SVG charts."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from jiliang.core.comparison import (
    LabResult,
    bilateral_doe,
    bilateral_matrix_svg,
    classify_en,
    classify_z,
    comparison_plot_svg,
    doe_plot_svg,
    homogeneity_check,
    pt_scores,
    score_chart_svg,
    signal,
    stability_check,
    unilateral_doe,
    weighted_mean,
)

# ISO 13528:2022 Table B.1 (m = 2): g → (F1, F2)
TABLE_B1 = {20: (1.59, 0.57), 15: (1.69, 0.71), 12: (1.79, 0.86), 10: (1.88, 1.01), 8: (2.01, 1.25), 7: (2.10, 1.43)}


@pytest.mark.parametrize("g", sorted(TABLE_B1))
def test_issue5_table_b1_factors(g: int) -> None:
    items = np.arange(2 * g, dtype=float).reshape(g, 2) * 0.01
    h = homogeneity_check(items, 1.0)
    assert h.f1 == pytest.approx(TABLE_B1[g][0], abs=0.005)
    assert h.f2 == pytest.approx(TABLE_B1[g][1], abs=0.005)


def test_issue5_homogeneity_by_hand() -> None:
    items = [[10.1, 10.3], [10.0, 10.2], [10.4, 10.2], [10.2, 10.2], [9.9, 10.1]]
    h = homogeneity_check(items, sigma_pt=0.5)
    means = np.array([10.2, 10.1, 10.3, 10.2, 10.0])
    ranges = np.array([0.2, 0.2, 0.2, 0.0, 0.2])
    s_x = float(np.std(means, ddof=1))
    s_w = math.sqrt(float(np.sum(ranges**2)) / (2 * 5))  # B.3 for m = 2
    s_s = math.sqrt(max(0.0, s_x**2 - s_w**2 / 2))
    assert (h.g, h.m) == (5, 2)
    assert h.s_x == pytest.approx(s_x) and h.s_w == pytest.approx(s_w) and h.s_s == pytest.approx(s_s)
    assert h.criterion == pytest.approx(0.15) and h.passed == (s_s <= 0.15)
    assert h.expanded_criterion == pytest.approx(math.sqrt(h.f1 * 0.15**2 + h.f2 * s_w**2))
    assert h.sigma_pt_adjusted == pytest.approx(math.hypot(0.5, s_s))
    tight = homogeneity_check(items, sigma_pt=0.1)
    assert not tight.passed


def test_issue5_stability() -> None:
    before = [[0.185, 0.194], [0.187, 0.189], [0.182, 0.186]]
    after = [[0.191, 0.198], [0.190, 0.196]]
    s = stability_check(before, after, sigma_pt=0.03)
    y1, y2 = float(np.mean(before)), float(np.mean(after))
    assert s.difference == pytest.approx(abs(y1 - y2))
    assert s.criterion == pytest.approx(0.009)
    assert s.passed == (abs(y1 - y2) <= 0.009)
    u1 = float(np.std(np.mean(before, axis=1), ddof=1)) / math.sqrt(3)
    u2 = float(np.std(np.mean(after, axis=1), ddof=1)) / math.sqrt(2)
    assert s.expanded_criterion == pytest.approx(0.009 + 2 * math.hypot(u1, u2))


def test_issue5_classification_boundaries() -> None:
    assert classify_z(2.0) == "satisfactory" and signal("satisfactory") == "none"
    assert classify_z(-2.0001) == "questionable" and signal("questionable") == "warning"
    assert classify_z(3.0) == "unsatisfactory" and signal("unsatisfactory") == "action"
    assert classify_en(1.0) == "satisfactory" and classify_en(-1.01) == "unsatisfactory"
    assert list(classify_z([0.5, 2.5, -3.5])) == ["satisfactory", "questionable", "unsatisfactory"]


RES = [LabResult("A<&>", 10.03, 0.02), LabResult("B", 10.00, 0.03), LabResult("C", 9.98, 0.025, included=False)]


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    return root


def test_issue5_svg_charts_well_formed() -> None:
    ref = weighted_mean(RES)
    doe = unilateral_doe(RES, ref)
    s1 = comparison_plot_svg(RES, ref, title="CCX-K1", unit="mg/kg")
    root = _parse(s1)
    assert "A&lt;&amp;&gt;" in s1  # labels are escaped
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 3
    assert 'fill="white" stroke' in s1  # the excluded lab is drawn hollow
    _parse(doe_plot_svg(doe, unit="mg/kg"))
    _parse(bilateral_matrix_svg(bilateral_doe(doe), title="B"))
    sc = pt_scores([1.0, 1.2, 0.7, 1.05], 1.0, sigma_pt=0.1, labs=["a", "b", "c", "d"])
    assert sc.z is not None
    s4 = score_chart_svg(sc.labs, list(sc.z), kind="z")
    r4 = _parse(s4)
    assert len(r4.findall(".//{http://www.w3.org/2000/svg}rect")) >= 5
    assert "#c62828" in s4 and "#e69500" in s4  # action and warning colours used
    _parse(score_chart_svg(["x", "y"], [0.5, -1.5], kind="E_n"))
    with pytest.raises(ValueError):
        score_chart_svg(["x"], [1.0, 2.0])
