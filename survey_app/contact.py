"""Normalising participants' contact details (Danish mobile numbers, e-mail)."""

import re

from .texts import N_, UserError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    if not re.fullmatch(r"[2-9]\d{7}", digits):
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
