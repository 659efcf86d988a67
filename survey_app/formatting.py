"""Numbers the Danish way (decimal comma, "12,5 %"), through Babel, and stored dates shown safely.

Used by the evaluator's pages (as template filters) and by the command
line's table output. A hidden value (``disclosure.Hidden``) shows its own
text ("<5", "×" or "–"); ``None`` (nothing to show) becomes ``hidden``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from .reporting.disclosure import Hidden

DEFAULT_LOCALE = "da_DK"


def hidden_text(threshold: int) -> str:
    return f"<{threshold}"


def number(value, digits: int = 2, *, locale: str = DEFAULT_LOCALE, hidden: str = "–") -> str:
    """``28.5625`` → ``"28,56"``; ``None`` → ``hidden``."""
    if isinstance(value, Hidden):
        return value.text
    if value is None:
        return hidden
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=locale)


def percent(value, digits: int = 0, *, locale: str = DEFAULT_LOCALE, hidden: str = "–") -> str:
    """``0.315`` → ``"32 %"`` (or ``"31,5 %"`` with one digit); ``None`` → ``hidden``."""
    if isinstance(value, Hidden):
        return value.text
    if value is None:
        return hidden
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\u00a0%"
    return format_percent(value, format=pattern, locale=locale)


# Every rate is shown with one decimal, on the pages, in the command's table and in its CSV.
RATE_DIGITS = 1


def rate(value, *, locale: str = DEFAULT_LOCALE, hidden: str = "–") -> str:
    """A response rate: ``0.625`` → ``"62,5 %"`` (one decimal, everywhere)."""
    return percent(value, RATE_DIGITS, locale=locale, hidden=hidden)


def interval(low, high, kind: str = "number", *, locale: str = DEFAULT_LOCALE, hidden: str = "–") -> str:
    """A confidence interval: ``"23,7–76,3 %"`` (``kind="rate"``) or ``"25,95–31,05"``; a hidden
    bound shows its mark once (both bounds of an interval are hidden together)."""
    for bound in (low, high):
        if isinstance(bound, Hidden):
            return bound.text
        if bound is None:
            return hidden
    if kind == "rate":
        pattern = "#,##0." + "0" * RATE_DIGITS
        return f"{format_decimal(low * 100, format=pattern, locale=locale)}–{rate(high, locale=locale)}"
    return f"{number(low, locale=locale)}–{number(high, locale=locale)}"


def count(value, *, locale: str = DEFAULT_LOCALE, hidden: str = "<5") -> str:
    """A count with thousands separators; ``None`` (suppressed) → ``hidden``."""
    if isinstance(value, Hidden):
        return value.text
    if value is None:
        return hidden
    return format_decimal(value, format="#,##0", locale=locale)


def shown_as_stored_when_unreadable(show: Callable[[str], str], missing: str = "–") -> Callable:
    """A date filter that never fails a page: what ``show`` cannot format is shown as stored.

    A stored date may be no date at all (``31-12-9999`` from before dates
    were checked, or empty), or one that cannot be put into Danish time
    (9999-12-31 23:59 UTC is already year 10000 in Copenhagen). The page
    then shows the stored text, or ``missing`` for nothing, instead of a 500.
    """

    def shown(stored):
        if not stored:
            return missing
        try:
            return show(stored)
        except (ValueError, OverflowError):
            return str(stored)

    return shown


def long_date(day: date, language: str = "da") -> str:
    """A date as a sentence writes it: ``2026-03-31`` is ``31. marts 2026`` in Danish,
    ``March 31, 2026`` in English (each language's long form)."""
    return format_date(day, "d. MMMM y" if language == "da" else "long", locale=language)
