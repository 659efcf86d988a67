"""Numbers the Danish way (decimal comma, thousands point, "12,5 %"), hidden figures, and dates shown safely.

Pure: Babel's locale data, no app. The space before "%" is a no-break space
(U+00A0), so the sign never wraps onto a line of its own.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from survey_app import formatting
from survey_app.reporting import disclosure

NBSP = "\u00a0"
HIDDEN = [
    disclosure.Hidden(disclosure.SMALL, "<5"),
    disclosure.Hidden(disclosure.PROTECT, "×"),
    disclosure.Hidden(disclosure.DERIVED, "–"),
]


@pytest.mark.parametrize(
    "value, digits, shown",
    [
        (28.5625, 2, "28,56"),
        (28.5625, 1, "28,6"),
        (28.5625, 0, "29"),
        (24.3, 2, "24,30"),  # always as many digits as asked for
        (3, 2, "3,00"),
        (0, 2, "0,00"),
        (0.004, 2, "0,00"),
        (1234.5, 2, "1.234,50"),  # a point between thousands
        (1234567.891, 2, "1.234.567,89"),
        (999.996, 2, "1.000,00"),  # rounding may add a thousands point
        (-1234.5, 1, "-1.234,5"),
        (Decimal("99.6"), 2, "99,60"),
        (102, 0, "102"),
    ],
)
def test_number_in_danish(value, digits, shown):
    assert formatting.number(value, digits) == shown


@pytest.mark.parametrize(
    "value, digits, shown", [(28.5625, 2, "28.56"), (1234567.891, 2, "1,234,567.89"), (99.6, 0, "100")]
)
def test_number_in_english(value, digits, shown):
    assert formatting.number(value, digits, locale="en") == shown


def test_the_default_is_two_digits_in_danish():
    assert formatting.number(28.5625) == "28,56"
    assert formatting.DEFAULT_LOCALE == "da_DK"


@pytest.mark.parametrize(
    "value, digits, shown",
    [
        (0.315, 0, "32 %"),
        (0.315, 1, "31,5 %"),
        (0.125, 1, "12,5 %"),
        (0.5, 1, "50,0 %"),
        (2 / 3, 0, "67 %"),
        (2 / 3, 1, "66,7 %"),
        (1, 0, "100 %"),
        (0, 0, "0 %"),
        (0.0004, 0, "0 %"),
        (0.996, 1, "99,6 %"),
        (12.345, 1, "1.234,5 %"),  # a rate above 100 % keeps its thousands point
    ],
)
def test_percent_in_danish(value, digits, shown):
    assert formatting.percent(value, digits) == shown.replace(" ", NBSP)


def test_percent_in_english_keeps_the_no_break_space():
    assert formatting.percent(0.315, 1, locale="en") == f"31.5{NBSP}%"
    assert formatting.percent(2 / 3, locale="en") == f"67{NBSP}%"


def test_the_space_before_the_percent_sign_never_breaks():
    shown = formatting.percent(0.125, 1)
    assert " " not in shown and shown.endswith(NBSP + "%")


@pytest.mark.parametrize(
    "value, shown", [(0, "0"), (4, "4"), (1234, "1.234"), (1234567, "1.234.567"), (-12000, "-12.000")]
)
def test_count_with_a_thousands_point(value, shown):
    assert formatting.count(value) == shown
    assert formatting.count(value, locale="en") == shown.replace(".", ",")


def test_nothing_to_show_is_a_dash_for_numbers_and_percentages():
    assert formatting.number(None) == "–"
    assert formatting.percent(None) == "–"
    assert formatting.number(None, hidden="") == ""
    assert formatting.percent(None, 1, hidden="n/a") == "n/a"


def test_a_suppressed_count_is_below_the_threshold():
    assert formatting.count(None) == "<5"
    assert formatting.count(None, hidden=formatting.hidden_text(10)) == "<10"


@pytest.mark.parametrize("threshold, text", [(5, "<5"), (3, "<3"), (10, "<10")])
def test_hidden_text_names_the_threshold(threshold, text):
    assert formatting.hidden_text(threshold) == text


@pytest.mark.parametrize("hidden", HIDDEN, ids=repr)
def test_a_hidden_figure_shows_its_own_mark_whatever_is_asked(hidden):
    for shown in (
        formatting.number(hidden),
        formatting.number(hidden, 0, locale="en", hidden="?"),
        formatting.percent(hidden, 1),
        formatting.count(hidden),
        formatting.count(hidden, hidden="<10"),
    ):
        assert shown == hidden.text


def test_a_zero_is_shown_not_hidden():
    # 0 is falsy like a hidden figure, but it is a figure.
    assert formatting.number(0) == "0,00"
    assert formatting.percent(0.0) == f"0{NBSP}%"
    assert formatting.count(0) == "0"


# -- dates that cannot be shown ---------------------------------------------------------------------

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def danish_day(stored: str) -> str:
    """A filter as the pages have: a stored timestamp as a Danish date."""
    moment = datetime.fromisoformat(stored).astimezone(COPENHAGEN)
    return f"{moment.day}/{moment.month} {moment.year}"


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("2025-03-30T22:30:00+00:00", "31/3 2025"),  # shown as the filter shows it
        ("9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59+00:00"),  # year 10000 in Denmark
        ("31-12-9999", "31-12-9999"),  # no date at all
        ("", "–"),
        (None, "–"),
    ],
)
def test_a_date_filter_shows_as_stored_what_it_cannot_format(stored, shown):
    assert formatting.shown_as_stored_when_unreadable(danish_day)(stored) == shown


def test_the_missing_text_can_be_chosen_and_a_stored_date_object_is_shown_as_text():
    show = formatting.shown_as_stored_when_unreadable(danish_day, missing="")
    assert show(None) == ""
    assert show("") == ""

    def refuse(value):
        raise ValueError(value)

    assert formatting.shown_as_stored_when_unreadable(refuse)(date(2025, 5, 1)) == "2025-05-01"


def test_other_errors_of_the_filter_are_not_hidden():
    """Only unreadable dates are forgiven; a mistake in the filter itself still shows."""

    def broken(stored):
        raise TypeError("bug")

    with pytest.raises(TypeError):
        formatting.shown_as_stored_when_unreadable(broken)("2025-05-01")
