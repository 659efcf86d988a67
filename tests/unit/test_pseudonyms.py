"""No CPR numbers: codes shaped like one are refused wherever they appear."""

import pytest

from survey_app.pseudonyms import check_code, looks_like_cpr
from survey_app.texts import UserError


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
