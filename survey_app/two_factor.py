"""The second factor of a staff login: a code from an authenticator app, or a recovery code.

- Codes are TOTP (RFC 6238, through ``pyotp``): 6 digits, a new one every
  30 seconds. A code of the step before or after the current one is taken
  too (a phone's clock may be a little off), but never a step at or before
  the last one accepted for the user (``totp_last_step``): a code works
  once, and an older one is refused once a newer one was used.
- A user enrols at their first login with the code: a secret is made and
  kept unconfirmed until they enter a first code from it (``enrol``); then
  they get ten recovery codes, shown once. An admin can reset the second
  factor (``reset``): the user enrols again at their next login.
- Recovery codes are 16 random characters (about 79 bits), stored as their
  SHA-256 hash. A password needs a slow hash because people choose guessable
  ones; a code this random cannot be found from its hash by trying, and a
  plain hash lets a typed code be looked up at once instead of checked
  against ten slow hashes. Each works once.
- Wrong codes count as failed logins, in the same counter and with the same
  pauses as wrong passwords (``accounts.throttle_state``), and are logged.

No Flask here, as in ``accounts``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import pyotp
import sqlite_utils

from . import accounts, audit, clock
from .accounts import LoginRefused
from .db import transaction
from .languages import N_

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of the current one whose code is still taken.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 16
# No 0/o, 1/l/i: the codes are read off paper and typed.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# How long the step between a right password and its code may take.
PENDING_LIFETIME = timedelta(minutes=5)

CODE_REFUSED = N_("The code was not accepted. Wait for the next code in the app and try again.")


def current_step(moment: datetime) -> int:
    """The TOTP time step of ``moment`` (RFC 6238: seconds since 1970 over 30)."""
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code the app shows during ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, typed: str, moment: datetime, *, after: int | None = None) -> int | None:
    """The step whose code is ``typed`` (current one, or one either side), later than ``after``; else None."""
    now = current_step(moment)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(code_at(secret, step), typed):
            return step
    return None


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The ``otpauth://`` address the QR code carries, naming the installation and the account."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=issuer
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalise(typed: str) -> str:
    return re.sub(r"[\s-]", "", typed or "").lower()


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def is_enrolled(user: dict) -> bool:
    return bool(user.get("totp_secret") and user.get("totp_enrolled_at"))


def pending_secret(db: sqlite_utils.Database, user_id: int) -> str:
    """The secret a user who has not enrolled yet is to put in their app: the same one until
    they confirm it, so reloading the page does not change the QR code they scanned."""
    with transaction(db):
        db.execute(
            "UPDATE user SET totp_secret = ? WHERE id = ? AND totp_secret IS NULL AND totp_enrolled_at IS NULL",
            [pyotp.random_base32(), user_id],
        )
        return db.execute("SELECT totp_secret FROM user WHERE id = ?", [user_id]).fetchone()[0]


def _store_recovery_codes(db: sqlite_utils.Database, user_id: int, now: datetime) -> list[str]:
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.execute("DELETE FROM recovery_code WHERE user_id = ?", [user_id])
    for code in codes:
        db.execute(
            "INSERT INTO recovery_code (code_hash, user_id, created_at) VALUES (?, ?, ?)",
            [_recovery_hash(code), user_id, clock.isoformat(now)],
        )
    return codes


def enrol(
    db: sqlite_utils.Database, user_id: int, secret: str, *, step: int | None = None, actor: audit.Actor
) -> list[str]:
    """Make ``secret`` the user's confirmed second factor, with its audit row; the ten new
    recovery codes (any earlier ones stop working), to be shown once. ``step`` is the step of the
    code that confirmed it, which is then spent."""
    now = clock.now()
    with transaction(db):
        db.execute(
            "UPDATE user SET totp_secret = ?, totp_enrolled_at = ?, totp_last_step = ? WHERE id = ?",
            [secret, clock.isoformat(now), step, user_id],
        )
        codes = _store_recovery_codes(db, user_id, now)
        audit.record(db, "two_factor_enrolled", actor=actor, target=f"user:{user_id}")
    return codes


def new_recovery_codes(db: sqlite_utils.Database, user_id: int, *, actor: audit.Actor) -> list[str]:
    """Ten fresh recovery codes for an enrolled user, replacing the old ones, with the audit row."""
    with transaction(db):
        codes = _store_recovery_codes(db, user_id, clock.now())
        audit.record(db, "recovery_codes_made", actor=actor, target=f"user:{user_id}")
    return codes


def recovery_codes_left(db: sqlite_utils.Database, user_id: int) -> int:
    return db.execute(
        "SELECT COUNT(*) FROM recovery_code WHERE user_id = ? AND used_at IS NULL", [user_id]
    ).fetchone()[0]


def reset(db: sqlite_utils.Database, user_id: int, *, actor: audit.Actor) -> None:
    """Forget the user's second factor (a lost phone), with the audit row: they enrol again at their
    next login, and every session of theirs ends."""
    with transaction(db):
        db.execute(
            "UPDATE user SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = NULL WHERE id = ?",
            [user_id],
        )
        db.execute("DELETE FROM recovery_code WHERE user_id = ?", [user_id])
        db.execute("DELETE FROM staff_session WHERE user_id = ?", [user_id])
        audit.record(db, "two_factor_reset", actor=actor, target=f"user:{user_id}")


def _usable(db: sqlite_utils.Database, user_id: int) -> dict | None:
    user = accounts.get(db, user_id)
    if user is None or user["disabled_at"] or not user["password_hash"]:
        return None
    return user


def check_code(db: sqlite_utils.Database, user_id: int, typed: str, *, address: str | None) -> dict:
    """The user, logged in by this code from their app or one of their recovery codes (which is
    spent); else LoginRefused, with the failure counted and logged as for a wrong password.

    The user has given the right password a moment ago (the caller keeps that, for at most
    ``PENDING_LIFETIME``) and has enrolled. In the account's pause every code is refused.
    """
    now = clock.now()
    user = _usable(db, user_id)
    if user is None or not is_enrolled(user):
        raise LoginRefused(CODE_REFUSED)
    typed = _normalise(typed)
    _, pausing = accounts.throttle_state(user, now)
    kind = "totp" if typed.isdigit() and len(typed) == DIGITS else "recovery_code"
    if not pausing:
        with transaction(db):
            if kind == "totp":
                step = matching_step(user["totp_secret"], typed, now, after=user["totp_last_step"])
                # Conditional, so two requests with the same code at once cannot both succeed.
                accepted = (
                    step is not None
                    and db.execute(
                        "UPDATE user SET totp_last_step = ? WHERE id = ?"
                        " AND (totp_last_step IS NULL OR totp_last_step < ?)",
                        [step, user_id, step],
                    ).rowcount
                    == 1
                )
            else:
                accepted = (
                    db.execute(
                        "UPDATE recovery_code SET used_at = ? WHERE code_hash = ? AND user_id = ?"
                        " AND used_at IS NULL",
                        [clock.isoformat(now), _recovery_hash(typed), user_id],
                    ).rowcount
                    == 1
                )
            if accepted:
                accounts.record_login(db, user, now, address=address, detail={"second_factor": kind})
                return user
    accounts.count_failure(db, user, now, address=address, detail={"second_factor": kind})
    raise LoginRefused(CODE_REFUSED, account=user)


def confirm_enrolment(
    db: sqlite_utils.Database, user_id: int, typed: str, *, address: str | None
) -> tuple[dict, list[str]]:
    """``(user, recovery codes)``: the user's pending secret confirmed by a first code from it, and
    the user logged in; else LoginRefused, counted and logged like a wrong code."""
    now = clock.now()
    user = _usable(db, user_id)
    if user is None or is_enrolled(user) or not user["totp_secret"]:
        raise LoginRefused(CODE_REFUSED)
    typed = _normalise(typed)
    _, pausing = accounts.throttle_state(user, now)
    step = None if pausing else matching_step(user["totp_secret"], typed, now)
    if step is None:
        accounts.count_failure(db, user, now, address=address, detail={"second_factor": "enrolment"})
        raise LoginRefused(CODE_REFUSED, account=user)
    actor = audit.Actor(user["email"], user["id"], address)
    with transaction(db):
        codes = enrol(db, user_id, user["totp_secret"], step=step, actor=actor)
        accounts.record_login(db, user, now, address=address, detail={"second_factor": "enrolment"})
    return accounts.get(db, user_id), codes
