"""Pseudonymous participant codes, and refusing anything that looks like a CPR number.

The product stores no CPR numbers. A consultant who types one as the
participant code by habit must be stopped before it is written anywhere.
A CPR number is ``ddmmyy-ssss``: six digits forming a date, then four
digits; we refuse that shape (with or without the hyphen, or a space)
wherever it appears inside a code.
"""

import re
from datetime import date

from .texts import N_, UserError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå_.-]{0,39}$")
_CPR_SHAPE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?!\d)")


def _is_date(day: int, month: int, two_digit_year: int) -> bool:
    """True when day/month/yy is a calendar date in either 19yy or 20yy."""
    for century in (1900, 2000):
        try:
            date(century + two_digit_year, month, day)
        except ValueError:
            continue
        return True
    return False


def looks_like_cpr(text: str) -> bool:
    """True when ``text`` contains six digits forming a date followed by four digits."""
    for match in _CPR_SHAPE.finditer(text):
        day, month, year = (int(group) for group in match.groups())
        if _is_date(day, month, year):
            return True
    return False


def check_code(raw: str) -> str:
    """Return the cleaned participant code, or raise :class:`UserError`."""
    code = (raw or "").strip()
    if not code:
        raise UserError(N_("The participant code is empty."))
    if looks_like_cpr(code):
        raise UserError(
            N_(
                "The code looks like a CPR number. The survey stores no CPR "
                "numbers: use the participant's pseudonymous code instead."
            )
        )
    if not CODE_PATTERN.match(code):
        raise UserError(
            N_(
                "The participant code %(code)s is not valid: use 1–40 letters, "
                "digits, '-', '_' or '.', starting with a letter or digit."
            ),
            code=code,
        )
    return code
