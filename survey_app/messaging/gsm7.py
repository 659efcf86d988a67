"""How long an SMS is: the GSM 03.38 alphabet and message segments.

An SMS holds 160 characters of the GSM 7-bit alphabet, which has the
Danish letters æ, ø and å. One character outside it (an emoji, a Polish
ł, typographic quotes) switches the whole message to UCS-2, where only
70 fit. Characters of the extension table (``€``, ``[``, ``{`` ...) cost
two septets: an escape and the character. Longer messages are split into
segments of 153 (GSM) or 67 (UCS-2), as each part gives up room for the
header that joins them again, and the provider bills per segment.

The counts here are what the admin pages and template checks show, so they
follow the usual formula. A phone may not split an escape pair or a
surrogate pair across two parts, so a message just at a boundary can in
rare cases need one part more than counted; the shipped texts stay well
within their two parts (a text of at most 160 characters, then the privacy
notice's address, see ``templates.PRIVACY_LINES``).
"""

from __future__ import annotations

import math

# The 127 printable positions of the basic table (0x1B is the escape to the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape, so each costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM 7-bit alphabet (basic or extension)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def septets(text: str) -> int:
    """The length of ``text`` in GSM-7 septets; ValueError if it is not GSM-7."""
    if not is_gsm7(text):
        raise ValueError("text is not in the GSM 7-bit alphabet")
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def _utf16_units(text: str) -> int:
    """UCS-2 messages are UTF-16 on the wire: an emoji outside the BMP takes two units."""
    return len(text.encode("utf-16-le")) // 2


def _parts(length: int, single: int, part: int) -> int:
    return 1 if length <= single else math.ceil(length / part)


def sms_length(text: str) -> tuple[str, int, int]:
    """``(encoding, length, segments)``: 'gsm7' with septets, or 'ucs2' with UTF-16 units.

    An empty text still counts as one segment: it would be sent as one.
    """
    if is_gsm7(text):
        length = septets(text)
        return "gsm7", length, _parts(length, GSM7_SINGLE, GSM7_PART)
    length = _utf16_units(text)
    return "ucs2", length, _parts(length, UCS2_SINGLE, UCS2_PART)


def segments(text: str) -> int:
    """How many SMS ``text`` is sent (and billed) as."""
    return sms_length(text)[2]
