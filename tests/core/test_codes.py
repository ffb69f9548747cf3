"""Tests of jiliang.core.codes: GB 32100 / GB 11714 credit codes, GB/T 2260 regions, instrument codes."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.core import codes
from jiliang.core.codes import (
    CREDIT_CODE_CHARSET,
    CREDIT_CODE_WEIGHTS,
    CodeError,
    credit_code_check_char,
    instrument_codes_valid,
    invalid_instrument_codes,
    is_valid_credit_code,
    is_valid_instrument_code,
    is_within,
    iso7064_mod11_10_check_digit,
    iso7064_mod11_10_is_valid,
    make_credit_code,
    make_instrument_code,
    normalize_credit_code,
    organization_code_check_char,
    parent_codes,
    parse_credit_code,
    parse_instrument_code,
    region_level,
    region_range,
    validate_credit_code,
    validate_instrument_code,
    validate_organization_code,
    validate_region_code,
)

# ---------------------------------------------------------------------------------------------------
# Real, publicly published unified social credit codes.
# ---------------------------------------------------------------------------------------------------
REAL_CREDIT_CODES = [
    # GB 32100-2015 worked example as reproduced publicly (sum 1640, MOD 31 = 28, check character 3):
    # renrendoc.com/p-47802332.html and www.yc00.com/web/1713075042a2177900.html (search corpus "pages").
    "91350100M000100Y43",
    # Government pages (search corpus "pages"):
    # 五河县市场监督管理局 行政处罚决定书 五市监处罚〔2024〕524号, individual business 五河县徐从彬粮食收购点,
    # https://www.wuhe.gov.cn/zfxxgk/public/25301/52282288.html
    "92340322MA2QW99L2M",
    # 重庆市南川区市场监督管理局 渝南川市监处罚〔2026〕602号, 南川区壹群肥肠鱼店,
    # https://scjgj.cq.gov.cn/zz/ncq/zwgk/fdzdgknr_146781/qzcf/xzqz/bljg/202603/t20260311_15520624.html
    "92500119MAEHAEA47K",
    # the same page's index number 11500000MB1539761Y/2026-00038 starts with the publishing bureau's
    # own code (registration authority 1 = 机构编制, a government body)
    "11500000MB1539761Y",
    # Large companies. These appear with the same name in many independent public GitHub files
    # (exact-string search of the code corpus: company registers, test fixtures, stock-data samples);
    # the pages corpus had no exact-match page for them.
    "914403001922038216",  # 华为技术有限公司 (Huawei Technologies Co., Ltd.)
    "91440300192317458F",  # 比亚迪股份有限公司 (BYD Company Ltd.)
    "91100000100003962T",  # 中国工商银行股份有限公司 (ICBC); national registration: region part 100000
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_valid(code: str) -> None:
    validate_credit_code(code)  # including the GB 11714 check of positions 9-17
    assert is_valid_credit_code(code)
    parts = parse_credit_code(code)
    assert parts.code == code
    validate_organization_code(parts.organization_code)


def test_gb32100_worked_example_sum() -> None:
    # GB 32100-2015 example as reproduced: sum of C_i * W_i over 91350100M000100Y4 is 1640.
    first17 = "91350100M000100Y4"
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    assert total == 1640
    assert total % 31 == 28
    assert credit_code_check_char(first17) == "3"
    # the example's input ends in Z, which the standard reports as wrong (and Z is not a code character)
    with pytest.raises(CodeError, match="position 18"):
        validate_credit_code("91350100M000100Y4Z")


def test_weights_are_powers_of_three_mod_31() -> None:
    assert CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(CREDIT_CODE_CHARSET) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_CHARSET)


def test_parse_parts() -> None:
    p = parse_credit_code("914403001922038216")
    assert p.registration_authority == "9"
    assert p.organisation_type == "1"
    assert p.region_code == "440300"
    assert p.organization_code == "192203821"
    assert p.check_char == "6"


@pytest.mark.parametrize(
    ("code", "fragment", "position"),
    [
        ("91440300192317458", "must be 18 characters, got 17", None),
        ("91440300192317458FF", "must be 18 characters, got 19", None),
        ("91440300I92317458F", "illegal character 'I'", 9),
        ("91440300192317458f", "lower case; write 'F'", 18),
        ("914403001923174s8F", "illegal character 's' at position 16", 16),
        ("91440300192317458 ", "illegal character ' '", 18),
        ("91990300192317458F", "bad region part 990300", 3),
        ("91440000192317458F".replace("440000", "000000"), "bad region part 000000", 3),
        ("91440010192317458F", "county part 10 under prefecture part 00", 3),
        ("91440300192317458G", "bad check character: expected F got G", 18),
        ("914403001922038217", "bad check character: expected 6 got 7", 18),
    ],
)
def test_mutated_credit_codes_fail_with_precise_reason(
    code: str, fragment: str, position: int | None
) -> None:
    with pytest.raises(CodeError) as info:
        validate_credit_code(code)
    assert fragment in str(info.value)
    assert info.value.field == "credit_code"
    assert info.value.position == position


def test_organisation_code_subcheck() -> None:
    # Alter position 17 (the GB 11714 check) and repair the GB 32100 check character: only the
    # organisation-code check can catch it.
    first16 = "9144030019220382"
    bad17 = first16 + "2"
    code = bad17 + credit_code_check_char(bad17)
    with pytest.raises(CodeError, match=r"GB 11714, position 17\): expected 1 got 2"):
        validate_credit_code(code)
    validate_credit_code(code, check_organization_code=False)
    assert not is_valid_credit_code(code)
    assert is_valid_credit_code(code, check_organization_code=False)


def test_organization_code_check_char_x_and_zero() -> None:
    # find bodies whose check is 10 -> X and 11 -> 0 by the GB 11714 formula
    seen = {}
    for n in range(2000):
        body = f"{n:08d}"
        seen.setdefault(organization_code_check_char(body), body)
    assert "X" in seen and "0" in seen
    body_x = seen["X"]
    total = sum(int(ch) * w for ch, w in zip(body_x, codes.ORGANIZATION_CODE_WEIGHTS, strict=True))
    assert 11 - total % 11 == 10
    validate_organization_code(body_x + "X")
    with pytest.raises(CodeError, match="expected X"):
        validate_organization_code(body_x + "1")


def test_normalize() -> None:
    assert normalize_credit_code("  91440300192317458f \n") == "91440300192317458F"


def test_code_error_pickles() -> None:
    err = CodeError("credit_code", "bad", 3)
    again = pickle.loads(pickle.dumps(err))
    assert (again.field, again.reason, again.position) == ("credit_code", "bad", 3)


def test_make_credit_code_round_trip() -> None:
    code = make_credit_code("440305", 12345)
    assert len(code) == 18 and code.startswith("91440305")
    validate_credit_code(code)
    assert (
        make_credit_code("110108", "MA01A2B3", registration_authority="9", organisation_type="2")[:2] == "92"
    )
    with pytest.raises(CodeError):
        make_credit_code("440305", "MA01A2BI")  # I is not a code character
    with pytest.raises(CodeError):
        make_credit_code("990305", 1)


_credit_body = st.text(alphabet=CREDIT_CODE_CHARSET, min_size=8, max_size=8)
_province = st.sampled_from(sorted(codes.PROVINCE_PREFIXES))


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    region = draw(_province) + draw(st.sampled_from(["0000", "0100", "0105", "9001"]))
    return make_credit_code(
        region,
        draw(_credit_body),
        registration_authority=draw(st.sampled_from("123459NY")),
        organisation_type=draw(st.sampled_from("1239")),
    )


@settings(max_examples=300, deadline=None)
@given(code=credit_codes(), pos=st.integers(0, 17), data=st.data())
def test_any_single_substitution_in_credit_code_is_detected(code: str, pos: int, data: st.DataObject) -> None:
    validate_credit_code(code)
    replacement = data.draw(st.sampled_from([c for c in CREDIT_CODE_CHARSET if c != code[pos]]))
    mutated = code[:pos] + replacement + code[pos + 1 :]
    # GB 32100 alone must catch it (31 is prime and every weight is non-zero mod 31)
    assert not is_valid_credit_code(mutated, check_organization_code=False)


@settings(max_examples=300, deadline=None)
@given(code=credit_codes(), pos=st.integers(0, 15))
def test_adjacent_transposition_in_first_17_is_detected(code: str, pos: int) -> None:
    # W_{i+1} = 3 W_i (mod 31), so swapping unequal neighbours changes the sum by 2 (a - b) W_i != 0.
    if code[pos] == code[pos + 1]:
        return
    mutated = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
    assert not is_valid_credit_code(mutated, check_organization_code=False)


# ---------------------------------------------------------------------------------------------------
# GB/T 2260 regions
# ---------------------------------------------------------------------------------------------------


def test_region_levels_and_parents() -> None:
    assert region_level("440000") == "province"
    assert region_level("440300") == "prefecture"
    assert region_level("440305") == "county"
    assert parent_codes("440000") == ()
    assert parent_codes("440300") == ("440000",)
    assert parent_codes("440305") == ("440000", "440300")


def test_is_within() -> None:
    assert is_within("440305", "440000")
    assert is_within("440305", "440300")
    assert is_within("440305", "440305")
    assert is_within("440300", "440300")
    assert is_within("440000", "440000")
    assert not is_within("440000", "440300")  # a scope's parent is not within it
    assert not is_within("440300", "440305")
    assert not is_within("440405", "440300")
    assert not is_within("450305", "440000")


_region_codes = st.builds(
    lambda p, a, b: p + a + (b if a != "00" else "00"),
    _province,
    st.sampled_from(["00", "01", "03", "05", "90", "99"]),
    st.sampled_from(["00", "01", "02", "05", "81", "99"]),
)


@settings(max_examples=400, deadline=None)
@given(code=_region_codes, scope=_region_codes)
def test_region_range_matches_is_within(code: str, scope: str) -> None:
    low, high = region_range(scope)
    assert (low <= code <= high) == is_within(code, scope)
    assert low <= scope <= high
    for parent in parent_codes(code):
        assert is_within(code, parent)


def test_region_range_values() -> None:
    assert region_range("440000") == ("440000", "449999")
    assert region_range("440300") == ("440300", "440399")
    assert region_range("440305") == ("440305", "440305")


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("44030", "must be 6 digits"),
        ("44030a", "illegal character 'a' at position 6"),
        ("000000", "province part 00"),
        ("990000", "unknown province-level prefix 99"),
        ("440012", "county part 12 under prefecture part 00"),
    ],
)
def test_bad_region_codes(code: str, fragment: str) -> None:
    with pytest.raises(CodeError, match=fragment):
        validate_region_code(code)


# ---------------------------------------------------------------------------------------------------
# ISO/IEC 7064 MOD 11,10 and instrument codes
# ---------------------------------------------------------------------------------------------------


def test_iso7064_mod11_10_published_vectors() -> None:
    # Valid MOD 11,10 strings from the test suite of the "stdnum" JavaScript package
    # (app.unpkg.com/stdnum@1.11.7/files/src/util/iso7064.spec.ts): 794623 and 002006673085 valid,
    # 00200667308 invalid.
    assert iso7064_mod11_10_is_valid("794623")
    assert iso7064_mod11_10_is_valid("002006673085")
    assert not iso7064_mod11_10_is_valid("00200667308")
    assert iso7064_mod11_10_check_digit("79462") == "3"
    assert iso7064_mod11_10_check_digit("00200667308") == "5"


def test_instrument_code_round_trip() -> None:
    code = make_instrument_code("440305", "0901", 42)
    assert len(code) == 19 and code.startswith("4403050901" + "00000042")
    validate_instrument_code(code)
    parsed = parse_instrument_code(code)
    assert (parsed.region_code, parsed.item_code, parsed.sequence) == ("440305", "0901", 42)
    assert parsed.code == code
    assert iso7064_mod11_10_is_valid(code)
    assert codes.SOURCE_STATUS == "unverified"


@pytest.mark.parametrize(
    ("code", "fragment", "position"),
    [
        ("440305090100000042", "must be 19 digits, got 18 characters", None),
        ("44030509010000004X1", "illegal character 'X' at position 18", 18),
        ("9903050901000000421", "bad region part 990305", 1),
        ("4400050901000000421", "bad region part 440005", 1),
        ("4403050001000000421", "bad catalogue item part 0001", 7),
        ("4403050900000000421", "bad catalogue item part 0900", 7),
    ],
)
def test_bad_instrument_codes(code: str, fragment: str, position: int | None) -> None:
    with pytest.raises(CodeError) as info:
        validate_instrument_code(code)
    assert fragment in str(info.value)
    assert info.value.position == position


def test_bad_instrument_check_digit_reason() -> None:
    code = make_instrument_code("440305", "0901", 42)
    wrong = str((int(code[-1]) + 1) % 10)
    with pytest.raises(CodeError, match=f"bad check digit: expected {code[-1]} got {wrong}"):
        validate_instrument_code(code[:-1] + wrong)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("440305", "901", 1), "item_code"),
        (("440305", "0901", -1), "sequence"),
        (("440305", "0901", 10**8), "sequence"),
        (("4403", "0901", 1), "region_code"),
    ],
)
def test_make_instrument_code_rejects(args: tuple[str, str, int], field: str) -> None:
    with pytest.raises(CodeError) as info:
        make_instrument_code(*args)
    assert info.value.field == field


_instrument_codes = st.builds(
    make_instrument_code,
    _region_codes,
    st.builds(lambda a, b: f"{a:02d}{b:02d}", st.integers(1, 99), st.integers(1, 99)),
    st.integers(0, 10**8 - 1),
)


@settings(max_examples=500, deadline=None)
@given(code=_instrument_codes, pos=st.integers(0, 18), data=st.data())
def test_any_single_substitution_in_instrument_code_is_detected(
    code: str, pos: int, data: st.DataObject
) -> None:
    validate_instrument_code(code)
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != code[pos]]))
    mutated = code[:pos] + digit + code[pos + 1 :]
    # ISO/IEC 7064 MOD 11,10 alone detects every single substitution
    assert not iso7064_mod11_10_is_valid(mutated)
    assert not is_valid_instrument_code(mutated)


@settings(max_examples=200, deadline=None)
@given(
    good=st.lists(_instrument_codes, min_size=0, max_size=30),
    junk=st.lists(st.text(max_size=21), max_size=10),
)
def test_vectorised_validation_agrees_with_scalar(good: list[str], junk: list[str]) -> None:
    mutated = [c[:-1] + str((int(c[-1]) + 3) % 10) for c in good[:5]]
    batch = good + junk + mutated
    mask = instrument_codes_valid(batch)
    assert mask.tolist() == [is_valid_instrument_code(c) for c in batch]
    bad = invalid_instrument_codes(batch)
    assert [i for i, _ in bad] == [i for i, ok in enumerate(mask.tolist()) if not ok]


def test_vectorised_handles_non_strings_and_empty() -> None:
    assert instrument_codes_valid([]).tolist() == []
    good = make_instrument_code("110101", "0101", 7)
    assert instrument_codes_valid([good, None, 12, "４" * 19]).tolist() == [True, False, False, False]
