"""Normalising participants' contact details (Danish mobile numbers, e-mail)."""

import re

from .languages import N_, UserError

# No white space, control characters or invisible direction and zero-width marks (which
# would make the address show as another one, or fail when the message is sent).
_NOT_IN_ADDRESS = r"@\s\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_EMAIL = re.compile(rf"^[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+\.[^{_NOT_IN_ADDRESS}]+$")


def normalise_phone(raw: str | None) -> str | None:
    """A Danish mobile number as ``+45XXXXXXXX``, or ``None`` when empty.

    Accepts spaces, hyphens and the prefixes ``+45``, ``0045`` and ``45``
    (the latter only with ten digits in all).
    """
    if raw is None or not raw.strip():
        return None
    digits = re.sub(r"[\s().-]", "", raw.strip())
    if digits.startswith("+45"):
        digits = digits[3:]
    elif digits.startswith("0045"):
        digits = digits[4:]
    elif digits.startswith("45") and len(digits) == 10:
        digits = digits[2:]
    if not re.fullmatch(r"[2-9][0-9]{7}", digits):  # not \d: digits of other scripts are no number to text
        raise UserError(
            N_("%(phone)s is not a Danish phone number (8 digits, optionally with +45)."),
            phone=raw.strip(),
        )
    return "+45" + digits


def normalise_email(raw: str | None) -> str | None:
    """A trimmed e-mail address, or ``None`` when empty."""
    if raw is None or not raw.strip():
        return None
    email = raw.strip()
    if not _EMAIL.match(email) or len(email) > 254:
        raise UserError(N_("%(email)s is not a valid e-mail address."), email=email)
    return email
