"""Pseudonymous participant codes, and refusing anything that looks like a CPR number.

The product stores no CPR numbers. A consultant who types one as the
participant code by habit must be stopped before it is written anywhere.
A CPR number is ``ddmmyy-ssss``: six digits forming a date, then four
digits. People and case systems write it with all sorts of separators
(``010190-1234``, ``010190.1234``, ``01-01-90-1234``, ``0101 901234``), so we
refuse ten digits with at most one non-digit character between any two of
them, the first six a date, wherever that run appears inside a code: it
only has to start and end next to a non-digit (or the code's ends).
"""

import re
from datetime import date

from .languages import N_, UserError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå_.-]{0,39}$")
# Ten digits, each pair joined by nothing or one non-digit; in a lookahead, so runs that
# overlap (a separator-joined run of twelve digits holds several) are all tried.
_CPR_SHAPE = re.compile(r"(?<!\d)(?=((?:\d\D?){9}\d)(?!\d))")


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
    """True when ``text`` holds six digits forming a date, then four digits, with at most
    one non-digit between any two of them, and no digit right before or after."""
    for match in _CPR_SHAPE.finditer(text):
        digits = re.sub(r"\D", "", match.group(1))
        if _is_date(int(digits[0:2]), int(digits[2:4]), int(digits[4:6])):
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
