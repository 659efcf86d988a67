"""Signed one-time links to an invitation.

A link token is ``<invitation id in base 36>.<nonce>.<signature>``, signed
with itsdangerous under a salt used for nothing else. The nonce is random
and stored with the invitation: issuing a new invitation, or withdrawing
one, makes old links useless even though their signature is still good.

Tokens must be short, because the link goes out by SMS (160 characters with
a Danish sentence). itsdangerous' default HMAC-SHA1 signature alone is 27
characters; we sign with HMAC-SHA256 truncated to 120 bits (20 characters),
which leaves a token of about 35 characters and is far beyond what can be
guessed online. Expiry is a property of the invitation (stored in the
database), not of the token, so the same link can be sent again in a
reminder; :func:`link_state` decides it from the invitation row and a time.

This module imports no Flask.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from itsdangerous import BadSignature, Signer, URLSafeSerializer
from itsdangerous.signer import SigningAlgorithm

SALT = "survey_app.invitation-link"
OPT_OUT_SALT = "survey_app.opt-out"
NONCE_BYTES = 6  # 48 bits, 8 URL-safe characters
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class BadLink(Exception):
    """The token is malformed, tampered with, or signed with another key or salt."""


class _TruncatedHMACSHA256(SigningAlgorithm):
    """HMAC-SHA256 cut to 15 bytes, so the token fits in an SMS."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, hashlib.sha256).digest()[:15]


def _signer(secret_key: str | bytes, salt: str = SALT) -> Signer:
    return Signer(
        secret_key,
        salt=salt,
        sep=".",
        key_derivation="hmac",
        digest_method=hashlib.sha256,
        algorithm=_TruncatedHMACSHA256(),
    )


def new_nonce() -> str:
    return secrets.token_urlsafe(NONCE_BYTES)


def _to_base36(number: int) -> str:
    if number < 0:
        raise ValueError("invitation ids are positive")
    digits = ""
    while True:
        number, remainder = divmod(number, 36)
        digits = _ALPHABET[remainder] + digits
        if number == 0:
            return digits


def make_token(secret_key: str | bytes, invitation_id: int, nonce: str, *, salt: str = SALT) -> str:
    """The token for an invitation: deterministic, so every reminder carries the same link."""
    return _signer(secret_key, salt).sign(f"{_to_base36(invitation_id)}.{nonce}").decode("ascii")


def read_token(secret_key: str | bytes, token: str, *, salt: str = SALT) -> tuple[int, str]:
    """The invitation id and nonce in a token, or :class:`BadLink`."""
    if not token or len(token) > 80:
        raise BadLink("token missing or too long")
    try:
        payload = _signer(secret_key, salt).unsign(token.encode("ascii")).decode("ascii")
    except (BadSignature, UnicodeError) as error:
        raise BadLink(str(error)) from None
    id_part, _, nonce = payload.partition(".")
    try:
        invitation_id = int(id_part, 36)
    except ValueError:
        raise BadLink("bad invitation id") from None
    if not nonce:
        raise BadLink("no nonce")
    return invitation_id, nonce


def nonce_matches(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


# What a valid signature can still lead to.
VALID = "valid"
COMPLETED = "completed"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
UNKNOWN = "unknown"  # no such invitation, or its nonce was replaced


def link_state(invitation: dict, now: datetime, parse) -> str:
    """Whether an invitation's link may still be answered at ``now``.

    ``invitation`` is the stored row (``completed_at``, ``withdrawn_at``,
    ``expires_at``; plus the participant's ``participant_withdrawn_at`` when
    joined in); ``parse`` turns a stored timestamp into an aware datetime.
    A completed response wins over a later expiry or withdrawal: the
    participant sees a thank-you, not an error.
    """
    if invitation.get("completed_at"):
        return COMPLETED
    if invitation.get("withdrawn_at") or invitation.get("participant_withdrawn_at"):
        return WITHDRAWN
    if now >= parse(invitation["expires_at"]):
        return EXPIRED
    return VALID


def opt_out_token(secret_key: str | bytes, participant_id: int) -> str:
    """The token of the link in every e-mail that stops all further messages to a participant."""
    return URLSafeSerializer(secret_key, salt=OPT_OUT_SALT).dumps(participant_id)


def read_opt_out_token(secret_key: str | bytes, token: str) -> int | None:
    """The participant an opt-out token names, or None when it was not signed with this key."""
    try:
        participant_id = URLSafeSerializer(secret_key, salt=OPT_OUT_SALT).loads(token)
    except BadSignature:
        return None
    return participant_id if isinstance(participant_id, int) else None
