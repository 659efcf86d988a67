"""No CPR numbers: codes shaped like one are refused wherever they appear."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.languages import UserError
from survey_app.pseudonyms import check_code, looks_like_cpr


@pytest.mark.parametrize(
    "code",
    [
        "010190-1234",
        "0101901234",
        "311299-0001",
        "290200-1234",
        "IPS-010190-1234",
        "x 150575 1234",
        "150575 1234",
        # Any one non-digit between the digits, in any places, as case systems and people write them.
        "010190.1234",
        "010190_1234",
        "010190/1234",
        "01-01-90-1234",
        "01.01.90-1234",
        "01 01 90 1234",
        "0101 901234",
        "0-1-0-1-9-0-1-2-3-4",
        "010190a1234",
        # Inside a longer code, delimited by non-digits.
        "KOGE-010190-1234",
        "KOGE-01.01.90-1234-B",
        "2025-0101901234",
        "1-010190-1234",
    ],
)
def test_cpr_shaped_codes_are_refused(code):
    assert looks_like_cpr(code)
    with pytest.raises(UserError, match="CPR"):
        check_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "KOGE-0042",
        "P-001",
        "1234567890123",
        "3213901234",
        "0113901234",
        "000000-0000",
        "29029912",
        "12345678901",
        # Ordinary pseudonymous codes, and the codes the other tests register.
        "KOGE-0001",
        "2025-0001",
        "KOGE-2025-0001",
        "2025-01-01-0001",
        "010190--1234",  # two characters between digits: no longer one run
        "01019012345",  # eleven digits
        "9010190-1234",  # a digit before: eleven digits
    ],
)
def test_ten_digits_that_are_not_a_date_or_other_lengths_pass_the_cpr_check(code):
    # 32/13 and 01/13 are not dates, 29/02/99 has only 8 digits, 11+ digits are not a CPR.
    assert not looks_like_cpr(code)


def test_290299_is_not_a_date_in_either_century():
    assert not looks_like_cpr("2902991234")
    assert looks_like_cpr("2902001234")  # 29 Feb 2000 existed


@pytest.mark.parametrize("code, expected", [("  P-001 ", "P-001"), ("Køge.7", "Køge.7")])
def test_codes_are_trimmed(code, expected):
    assert check_code(code) == expected


@pytest.mark.parametrize("code", ["", "   ", "-abc", "has space", "a" * 41, "semi;colon"])
def test_malformed_codes_are_refused(code):
    with pytest.raises(UserError):
        check_code(code)


CPR_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
NON_DIGIT = st.characters(blacklist_categories=("Nd", "Cs"))
SEPARATORS = st.lists(st.one_of(st.just(""), NON_DIGIT), min_size=9, max_size=9)
EDGE = st.one_of(st.just(""), st.text(max_size=5).map(lambda text: text + "X"))


@given(
    day=CPR_DATES,
    serial=st.integers(0, 9999),
    separators=SEPARATORS,
    before=EDGE,
    after=EDGE.map(lambda text: text[::-1]),
)
def test_a_cpr_number_with_any_single_separators_anywhere_is_refused(day, serial, separators, before, after):
    digits = day.strftime("%d%m") + f"{day.year % 100:02d}" + f"{serial:04d}"
    joined = "".join(digit + separator for digit, separator in zip(digits, [*separators, ""], strict=True))
    code = before + joined + after
    assert looks_like_cpr(code), code
    with pytest.raises(UserError, match="CPR"):
        check_code(code)
