"""Non-legal unit checker (issue 4, item 4): labelled corpus precision/recall, findings, exemptions, tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiliang.core.units import InvalidInputError, check_cells, check_text, get_checker, parse_number
from jiliang.core.units.checker import Checker, _load_rules_doc

CORPUS = Path(__file__).with_name("corpus.jsonl")


def _load_corpus() -> list[dict[str, object]]:
    return [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]


def test_corpus_is_large_and_balanced() -> None:
    items = _load_corpus()
    assert len(items) >= 400
    positive = [i for i in items if i["expected"]]
    negative = [i for i in items if not i["expected"]]
    assert len(positive) >= 200 and len(negative) >= 200
    assert {i["kind"] for i in items} == {"sentence", "cell"}
    for i in items:  # spans point at the text they name
        for e in i["expected"]:  # type: ignore[attr-defined]
            assert i["text"][e["start"] : e["end"]] == e["text"]  # type: ignore[index]


def test_corpus_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    """A finding is a true positive when it overlaps a labelled span; a labelled span is recalled when a
    finding overlaps it."""
    tp = fp = fn = spans_total = 0
    errors: list[str] = []
    for item in _load_corpus():
        text = str(item["text"])
        spans = [(e["start"], e["end"]) for e in item["expected"]]  # type: ignore[attr-defined]
        findings = check_text(text)
        for f in findings:
            if any(f.start < e and f.end > s for s, e in spans):
                tp += 1
            else:
                fp += 1
                errors.append(f"FP {item['id']}: {text} | {f.text}")
        for s, e in spans:
            spans_total += 1
            if not any(f.start < e and f.end > s for f in findings):
                fn += 1
                errors.append(f"FN {item['id']}: {text} | {text[s:e]}")
    precision = tp / (tp + fp)
    recall = (spans_total - fn) / spans_total
    with capsys.disabled():
        print(
            f"\n[units checker corpus] items={len(_load_corpus())} findings={tp + fp} labelled spans={spans_total} "
            f"precision={precision:.4f} recall={recall:.4f}"
        )
        for line in errors:
            print("  " + line)
    assert precision >= 0.95
    assert recall >= 0.95


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("猪肉5斤", ["5斤 → 2.5 kg"]),
        ("3.5 英尺", ["3.5 英尺 → 1.0668 m"]),
        ("半斤白酒", ["半斤 → 0.25 kg"]),
        ("二两酒", ["二两 → 100 g"]),
        ("苹果3-5斤", ["3-5斤 → 1.5–2.5 kg"]),
        ("三四斤", ["三四斤 → 1.5–2 kg"]),
        ("一斤半", ["一斤半 → 0.75 kg"]),
        ("一千二百斤", ["一千二百斤 → 600 kg"]),
        ("2万桶原油", ["2万桶 → 3179745.89856 L"]),
        ("3/8英寸螺栓", ["3/8英寸 → 9.525 mm"]),
        ("1亩", ["1亩 → ≈666.7 m²"]),
        ("98.6°F", ["98.6°F → 37 ℃"]),
        ("华氏98度", ["华氏98度 → ≈36.67 ℃"]),
        ("1.5匹空调", ["1.5匹 → W (匹(空调) is not a unit of measurement)"]),
        ("12元/斤", ["元/斤 → kg (1 斤 = 0.5 kg)"]),
        ("十几斤", ["十几斤 → kg (1 斤 = 0.5 kg)"]),
        ("1200平方英尺", ["1200平方英尺 → 111.483648 m²"]),
        ("真空度10⁻³托", ["10⁻³托 → ≈0.1333 Pa"]),
        ("5 pounds of apples", ["5 pounds → ≈2.268 kg"]),
        ("1500 rpm", ["1500 rpm → 1500 r/min"]),
        ("用了100度电", ["100度电 → 100 kW·h"]),
    ],
)
def test_findings_carry_the_converted_replacement(text: str, messages: list[str]) -> None:
    assert [f.message for f in check_text(text)] == messages


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("二两面条", ["二两"]),  # after 二 the classifier guard does not apply
        ("一两面旗帜", []),  # one or two flags
        ("三两句话", []),
        ("5 pounds of feed", ["5 pounds"]),  # 'fee' is a currency context word, 'feed' is not
        ("paid 5 pounds", []),
        ("$3.99 per pound", ["per pound"]),
        ("a 6-foot wall", ["6-foot"]),
        ("5\u00a0斤", ["5\u00a0斤"]),
        ("5\u3000斤", ["5\u3000斤"]),
        ("１０斤", ["１０斤"]),
        ("20 mi/h", ["20 mi/h"]),
        ("1斤2两", ["1斤", "2两"]),
        ("一两斤", ["一两斤"]),
        ("第三里程碑", []),
        ("COVID-19里", []),
    ],
)
def test_guards(text: str, flagged: list[str]) -> None:
    assert [f.text for f in check_text(text)] == flagged


def test_finding_fields() -> None:
    (f,) = check_text("这块布料长3尺。")
    assert (f.start, f.end, f.text) == (5, 7, "3尺")
    assert (f.unit, f.unit_code, f.number, f.replacement, f.converted) == ("尺", "chi", "3", "m", "1 m")
    assert f.rule_id == "MKT-CHI" and f.category == "market" and f.severity == "error"
    assert "1984" in f.source and f.source_status
    assert f.to_dict()["rule_id"] == "MKT-CHI"


@pytest.mark.parametrize(
    "text",
    [
        "一两个人", "尺寸", "里面", "分钟", "马力全开", "一分钱", "部分", "十分", "分析", "公分母", "千里马",
        "码头", "密码", "托运", "巴士", "卡车", "信用卡", "高斯分布", "斤斤计较", "半斤八两", "四两拨千斤",
        "千斤顶", "一亩三分地", "丈夫", "火冒三丈", "三里屯", "万里长城", "一匹马", "这双鞋42码", "一桶水",
        "大卡车", "居里夫人", "伦琴射线", "英镑", "磅礴", "尘埃", "元旦", "一旦", "克拉玛依", "公斤", "公里",
        "公顷", "海里", "5 in the box", "paid 20 pounds", "3 bars of chocolate", "在标准大气压下",
    ],
)  # fmt: skip
def test_look_alikes_are_not_flagged(text: str) -> None:
    assert check_text(text) == []


def test_exemptions_are_configurable() -> None:
    bp = "血压120/80毫米汞柱"
    assert check_text(bp) == []
    (f,) = check_text(bp, include_exempt=True)
    assert f.exempted_by == "EX-BLOOD-PRESSURE" and f.severity == "info"
    assert len(check_text(bp, exemptions=[])) == 1  # no exemption applied
    assert check_text("55英寸电视") == []
    assert len(check_text("55英寸电视", exemptions=["EX-BLOOD-PRESSURE"])) == 1
    # disabled by default, can be switched on
    assert len(check_text("1克拉钻石")) == 1
    assert check_text("1克拉钻石", exemptions=["EX-GEM-CARAT"]) == []
    # the context may come from outside the text (a column header)
    assert check_text("120毫米汞柱", context="收缩压") == []


def test_check_cells_uses_headers_as_context() -> None:
    rows = [
        ["品名", "重量", "收缩压(mmHg)", "屏幕"],
        ["大米", "10斤", "120 mmHg", "6.1英寸"],
        ["面粉", "5 kg", None, 27],
    ]
    found = check_cells(rows)
    assert [(f.row, f.column, f.message) for f in found] == [(1, 1, "10斤 → 5 kg")]
    headerless = check_cells([["10斤", "120 mmHg"]], header=False)
    assert [(f.row, f.column) for f in headerless] == [(0, 0), (0, 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", (5, 5)),
        ("3.5", (3.5, 3.5)),
        ("1,200", (1200, 1200)),
        ("3-5", (3, 5)),
        ("3～5", (3, 5)),
        ("3到5", (3, 5)),
        ("两", (2, 2)),
        ("半", (0.5, 0.5)),
        ("二十五", (25, 25)),
        ("一百零五", (105, 105)),
        ("三万五千", (35000, 35000)),
        ("七八", (7, 8)),
        ("1/2", (0.5, 0.5)),
        ("½", (0.5, 0.5)),
        ("2万", (20000, 20000)),
        ("5×10⁻²", (0.05, 0.05)),
        ("10⁻³", (0.001, 0.001)),
        ("three", (3, 3)),
        ("十几", None),
        ("几", None),
        ("100多", None),
        ("120/80", None),
    ],
)
def test_parse_number(text: str, expected: tuple[float, float] | None) -> None:
    got = parse_number(text)
    if expected is None:
        assert got is None
    else:
        assert got is not None and (float(got[0]), float(got[1])) == pytest.approx(expected)


def test_bad_input_gives_clear_errors() -> None:
    with pytest.raises(InvalidInputError, match="bytes"):
        check_text(b"\xe6\x96\xa4")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="binary"):
        check_text("abc\x00def")
    with pytest.raises(InvalidInputError, match="not int"):
        check_text(5)  # type: ignore[arg-type]
    assert check_text("") == []


def test_ten_megabyte_single_line_is_handled() -> None:
    line = ("这是一段没有单位的文字，" * 80_000) + "最后买了5斤米"
    assert len(line.encode("utf-8")) > 2_800_000
    found = check_text(line * 3)
    assert len(found) == 3 and found[0].text == "5斤"


def test_rules_are_data_and_validated() -> None:
    doc = _load_rules_doc()
    checker = get_checker()
    assert checker.version == doc["version"]
    assert len(checker.rules) == len(doc["rules"])
    assert {a["word"] for a in checker.accepted} >= {"公斤", "公里"}
    for r in checker.rules.values():
        assert r.source and r.source_status
    bad = dict(doc)
    bad["exemptions"] = [dict(doc["exemptions"][0], rules=["NO-SUCH-RULE"])]
    with pytest.raises(ValueError, match="unknown rules"):
        Checker.from_document(bad)
