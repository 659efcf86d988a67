import pytest

from survey_app.contact_details import normalise_email, normalise_phone
from survey_app.languages import UserError


@pytest.mark.parametrize(
    "raw", ["20123456", "20 12 34 56", "+45 20 12 34 56", "004520123456", "4520123456", "+45-2012-3456"]
)
def test_danish_numbers_are_normalised(raw):
    assert normalise_phone(raw) == "+4520123456"


@pytest.mark.parametrize("raw", ["1234567", "+46 20 12 34 56", "2012345a", "0123 4567", "+45 201234567"])
def test_other_numbers_are_refused_with_the_number_in_the_message(raw):
    with pytest.raises(UserError) as raised:
        normalise_phone(raw)
    assert raw.strip() in str(raised.value)


def test_empty_contact_details_are_none():
    assert normalise_phone("  ") is None and normalise_phone(None) is None
    assert normalise_email("") is None


def test_email():
    assert normalise_email("  anna@example.dk ") == "anna@example.dk"
    for bad in ["anna", "anna@", "anna@example", "a b@example.dk"]:
        with pytest.raises(UserError):
            normalise_email(bad)
