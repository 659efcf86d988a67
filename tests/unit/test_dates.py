"""The allowed ranges of dates, and follow-up dates that cannot be computed."""

from datetime import date

import pytest

from survey_app import dates
from survey_app.formatting import shown_as_stored_when_unreadable
from survey_app.languages import UserError
from survey_app.scheduling import Schedule

TODAY = date(2026, 11, 25)


def test_the_ranges_follow_today():
    assert dates.course_start_range(TODAY) == (date(2000, 1, 1), date(2027, 11, 25))
    assert dates.review_date_range(TODAY) == (date(2000, 1, 1), TODAY)
    assert dates.deadline_range(TODAY) == (date(2026, 11, 26), date(2028, 11, 25))
    assert dates.birth_year_range(TODAY) == (1900, 2012)
    # A year after 29 February is 28 February.
    assert dates.course_start_range(date(2028, 2, 29))[1] == date(2029, 2, 28)


def test_within_names_the_range_it_refuses():
    bounds = dates.course_start_range(TODAY)
    assert dates.within(date(2000, 1, 1), bounds, dates.COURSE_START) == date(2000, 1, 1)
    with pytest.raises(UserError) as refused:
        dates.within(date(9999, 12, 31), bounds, dates.COURSE_START)
    assert refused.value.params == {"earliest": "2000-01-01", "latest": "2027-11-25"}


@pytest.mark.parametrize("stored", ["9999-12-31", date(9999, 12, 31), "31-12-9999", "", None])
def test_a_course_start_without_a_follow_up_date_gives_none(stored):
    schedule = Schedule(prenotice_days=7)
    assert schedule.due_date(stored) is None
    assert schedule.prenotice_date(stored) is None


def test_an_ordinary_course_start_is_due_26_weeks_later_as_stored_or_as_a_date():
    assert Schedule().due_date("2025-05-01") == Schedule().due_date(date(2025, 5, 1)) == date(2025, 10, 30)


@pytest.mark.parametrize(
    "stored, shown", [("31-12-9999", "31-12-9999"), ("", "–"), (None, "–"), ("2025-05-01", "1 May")]
)
def test_a_date_filter_shows_what_it_cannot_format_as_stored(stored, shown):
    show = shown_as_stored_when_unreadable(lambda iso: date.fromisoformat(iso).strftime("%-d %B"))
    assert show(stored) == shown
