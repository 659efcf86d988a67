"""How long an SMS is: the GSM 03.38 alphabet and message segments.

An SMS holds 160 characters of the GSM 7-bit alphabet, which has the
Danish letters æ, ø and å. One character outside it (an emoji, a Polish
ł, typographic quotes) switches the whole message to UCS-2, where only
70 fit. Characters of the extension table (``€``, ``[``, ``{`` ...) cost
two septets. Longer messages are split into segments of 153 (GSM) or 67
(UCS-2) and billed per segment.
"""

from __future__ import annotations

import math

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def septets(text: str) -> int:
    """The length of ``text`` in GSM-7 septets; ValueError if it is not GSM-7."""
    if not is_gsm7(text):
        raise ValueError("text is not in the GSM 7-bit alphabet")
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sms_length(text: str) -> tuple[str, int, int]:
    """``(encoding, length, segments)``: 'gsm7' with septets, or 'ucs2' with UTF-16 units."""
    if is_gsm7(text):
        length = septets(text)
        return "gsm7", length, 1 if length <= 160 else math.ceil(length / 153)
    length = _utf16_units(text)
    return "ucs2", length, 1 if length <= 70 else math.ceil(length / 67)


def segments(text: str) -> int:
    return sms_length(text)[2]
