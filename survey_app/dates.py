"""The dates a person may type or import, and the one check that holds them to it.

A date far outside what can be true is always a typing slip or a case
system's placeholder (``31-12-9999`` for "open end", ``01-01-0001`` for
"unknown"). Stored, it breaks what is computed from it: a course start in
9999 has no follow-up date (year 10000 does not exist), so every page
listing it would fail. So the consultant's form, the CSV imports and the
commands all check their dates here, against ranges that depend only on
today:

- course start: 1 January 2000 to one year after today;
- fidelity review: 1 January 2000 to today;
- round deadline: tomorrow to two years after today;
- birth year: 1900 to this year − 14.

Pure: no Flask, no database; today is passed in.
"""

from __future__ import annotations

from datetime import date, timedelta

from .languages import N_, UserError

EARLIEST = date(2000, 1, 1)
EARLIEST_BIRTH_YEAR = 1900
YOUNGEST_AGE = 14


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for a 29 February in a year without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def course_start_range(today: date) -> tuple[date, date]:
    return EARLIEST, years_after(today, 1)


def review_date_range(today: date) -> tuple[date, date]:
    return EARLIEST, today


def deadline_range(today: date) -> tuple[date, date]:
    return today + timedelta(days=1), years_after(today, 2)


def birth_year_range(today: date) -> tuple[int, int]:
    return EARLIEST_BIRTH_YEAR, today.year - YOUNGEST_AGE


COURSE_START = N_("The course start must be between %(earliest)s and %(latest)s.")
REVIEW_DATE = N_("The date of the review must be between %(earliest)s and %(latest)s (today).")
DEADLINE = N_("The deadline must be between %(earliest)s (tomorrow) and %(latest)s.")
BIRTH_YEAR = N_("The birth year must be between %(earliest)s and %(latest)s.")


def read_stored(text) -> date | None:
    """A date as the database stores it (``2025-03-01``), or None when the column holds
    anything else: empty, or a text such as ``31-12-9999`` written before these checks."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def within(value, bounds: tuple, message: str):
    """``value`` if ``earliest <= value <= latest``, else UserError(message) naming the range.

    Dates are named as ``2000-01-01``, the way every date field, file and
    command of the product takes them, whatever the reader's language.
    """
    earliest, latest = bounds
    if not earliest <= value <= latest:
        raise UserError(message, earliest=str(earliest), latest=str(latest))
    return value
