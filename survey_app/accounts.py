"""Staff accounts: admins, consultants and evaluators.

- Passwords are stored as werkzeug hashes (scrypt) and never leave this module.
- A new user, or one who forgot the password, gets a one-time link to set
  it. The link is signed and carries a random value stored with the user
  (``link_nonce``), so the secret key alone cannot make one; it stops
  working when a newer link is made, the moment a password is set (with it
  or any other way), and after ``SET_PASSWORD_LINK_HOURS`` in any case.
- Guessing is slowed per account without locking its owner out: after
  ``THROTTLE_AFTER`` failures in a row the account accepts one attempt per
  pause, growing to ``LONGEST_PAUSE`` (``authenticate``). A refused login
  looks the same whether the e-mail is known or not. Per client address,
  ``limits.py`` caps failed logins.

No Flask here except what the caller passes in: the views, the commands and
the tests share these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlite_utils
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, clock
from .contact_details import normalise_email
from .db import transaction
from .languages import N_, UserError
from .places import municipality

ROLES = ("admin", "consultant", "evaluator")
MIN_PASSWORD_LENGTH = 10
# Soft lock-out (see ``authenticate``): after 5 failures in a row, a pause of
# 30 s before the next attempt, doubling with each failure up to 15 minutes.
THROTTLE_AFTER = 5
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(minutes=15)
FORGET_FAILURES_AFTER = timedelta(days=1)
SET_PASSWORD_LINK_HOURS = 72
# Roles that always log in with a code as well (two_factor.py); consultants when the installation
# says so (STAFF_TWO_FACTOR_CONSULTANTS).
SECOND_FACTOR_ALWAYS = ("admin", "evaluator")

# Compared against when the e-mail is unknown (or has no password yet), so a
# wrong e-mail costs the same time as a wrong password and does not reveal
# which accounts exist. Its password is random: nobody can match it.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(32))


class LoginRefused(UserError):
    """A login did not succeed; ``account`` is the known account it was for, else None."""

    def __init__(self, message: str, *, account: dict | None = None, **params):
        super().__init__(message, **params)
        self.account = account


# One answer for every refused login: unknown e-mail, wrong password, or an account in its pause.
LOGIN_REFUSED = N_("Wrong e-mail or password.")


def get(db: sqlite_utils.Database, user_id: int) -> dict | None:
    row = next(db.query("SELECT * FROM user WHERE id = ?", [user_id]), None)
    if row is not None:
        row["municipalities"] = municipalities_of(db, row["id"])
    return row


def find_by_email(db: sqlite_utils.Database, email: str) -> dict | None:
    row = next(db.query("SELECT * FROM user WHERE lower(email) = lower(?)", [(email or "").strip()]), None)
    if row is not None:
        row["municipalities"] = municipalities_of(db, row["id"])
    return row


def municipalities_of(db: sqlite_utils.Database, user_id: int) -> list[str]:
    return [
        r["municipality_code"]
        for r in db.query(
            "SELECT municipality_code FROM user_municipality WHERE user_id = ? ORDER BY municipality_code",
            [user_id],
        )
    ]


def list_users(db: sqlite_utils.Database) -> list[dict]:
    users = list(db.query("SELECT * FROM user ORDER BY role, email"))
    for user in users:
        user["municipalities"] = municipalities_of(db, user["id"])
    return users


def any_admin(db: sqlite_utils.Database) -> bool:
    return (
        db.execute("SELECT 1 FROM user WHERE role = 'admin' AND disabled_at IS NULL").fetchone() is not None
    )


def check_password(password: str) -> str:
    """The password if it is acceptable, else UserError."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(
            N_("The password must be at least %(length)s characters long."), length=MIN_PASSWORD_LENGTH
        )
    if len(set(password)) < 4:
        raise UserError(N_("The password is too simple: use several different characters."))
    if any(ord(character) < 32 or ord(character) == 127 for character in password):
        raise UserError(N_("The password must not contain control characters."))
    return password


def _role_municipalities(db: sqlite_utils.Database, role: str, municipalities) -> list[str]:
    """The municipality codes a user of ``role`` works for: at least one for a consultant, none for
    the others (they see every municipality); UserError for an unknown role or municipality."""
    if role not in ROLES:
        raise UserError(N_("The role must be admin, consultant or evaluator."))
    codes = sorted({municipality(db, code)["code"] for code in municipalities})
    if role == "consultant" and not codes:
        raise UserError(N_("A consultant must work for at least one municipality."))
    return codes if role == "consultant" else []


def create_user(
    db: sqlite_utils.Database,
    *,
    email: str,
    role: str,
    municipalities: list[str] = (),
    name: str | None = None,
    password: str | None = None,
    actor: audit.Actor,
) -> dict:
    """Create a user, with its audit row; consultants need at least one municipality."""
    email = normalise_email(email)
    if not email:
        raise UserError(N_("An e-mail address is required."))
    codes = _role_municipalities(db, role, municipalities)
    password_hash = generate_password_hash(check_password(password)) if password else None
    now = clock.isoformat(clock.now())
    with transaction(db):
        if db.execute("SELECT 1 FROM user WHERE lower(email) = lower(?)", [email]).fetchone():
            raise UserError(N_("A user with the e-mail %(email)s already exists."), email=email)
        user_id = db.execute(
            "INSERT INTO user (email, name, role, password_hash, created_at, password_changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [email, (name or "").strip() or None, role, password_hash, now, now if password_hash else None],
        ).fetchone()[0]
        for code in codes:
            db.execute(
                "INSERT INTO user_municipality (user_id, municipality_code) VALUES (?, ?)", [user_id, code]
            )
        audit.record(db, "user_created", actor=actor, target=f"user:{user_id}", detail={"role": role})
    return get(db, user_id)


def update_user(
    db: sqlite_utils.Database,
    user_id: int,
    *,
    role: str,
    municipalities: list[str],
    name: str | None,
    disabled: bool,
    actor: audit.Actor,
) -> dict:
    """Change a user's role, municipalities, name or whether they may log in, with its audit row."""
    codes = _role_municipalities(db, role, municipalities)
    now = clock.isoformat(clock.now())
    with transaction(db):
        current = db.execute("SELECT role, disabled_at FROM user WHERE id = ?", [user_id]).fetchone()
        if current is None:
            raise UserError(N_("No such user."))
        was_active_admin = current[0] == "admin" and current[1] is None
        if was_active_admin and (role != "admin" or disabled):
            others = db.execute(
                "SELECT COUNT(*) FROM user WHERE role = 'admin' AND disabled_at IS NULL AND id != ?",
                [user_id],
            ).fetchone()[0]
            if not others:
                raise UserError(N_("The last admin cannot be removed or disabled."))
        db.execute(
            "UPDATE user SET role = ?, name = ?, disabled_at = CASE WHEN ? THEN COALESCE(disabled_at, ?)"
            " ELSE NULL END WHERE id = ?",
            [role, (name or "").strip() or None, disabled, now, user_id],
        )
        db.execute("DELETE FROM user_municipality WHERE user_id = ?", [user_id])
        for code in codes:
            db.execute(
                "INSERT INTO user_municipality (user_id, municipality_code) VALUES (?, ?)", [user_id, code]
            )
        if disabled:
            db.execute("DELETE FROM staff_session WHERE user_id = ?", [user_id])
        changed = get(db, user_id)
        audit.record(
            db,
            "user_changed",
            actor=actor,
            target=f"user:{user_id}",
            detail={"role": role, "municipalities": changed["municipalities"], "disabled": bool(disabled)},
        )
    return changed


def set_password(db: sqlite_utils.Database, user_id: int, password: str, *, actor: audit.Actor) -> None:
    """Set a new password, with its audit row; every session of the user ends (a stolen cookie with it)."""
    password_hash = generate_password_hash(check_password(password))
    with transaction(db):
        audit.record(db, "password_set", actor=actor, target=f"user:{user_id}")
        db.execute(
            "UPDATE user SET password_hash = ?, password_changed_at = ?, failed_logins = 0,"
            " locked_until = NULL, link_nonce = NULL WHERE id = ?",
            [password_hash, clock.isoformat(clock.now()), user_id],
        )
        db.execute("DELETE FROM staff_session WHERE user_id = ?", [user_id])


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: sqlite_utils.Database, user_id: int, *, idle: timedelta, longest: timedelta) -> str:
    """A new staff session for the user; its random id goes into the (signed) session cookie.

    Only the id's hash is stored, so the database alone opens no session.
    Sessions past their time, of anyone, are cleared on the way.
    """
    session_id = secrets.token_urlsafe(32)
    now = clock.now()
    with transaction(db):
        db.execute(
            "DELETE FROM staff_session WHERE seen_at < ? OR started_at < ?",
            [clock.isoformat(now - idle), clock.isoformat(now - longest)],
        )
        db.execute(
            "INSERT INTO staff_session (id_hash, user_id, started_at, seen_at) VALUES (?, ?, ?, ?)",
            [_session_hash(session_id), user_id, clock.isoformat(now), clock.isoformat(now)],
        )
    return session_id


def resume_session(
    db: sqlite_utils.Database, session_id: str, *, idle: timedelta, longest: timedelta
) -> tuple[dict | None, bool]:
    """``(user, expired)``: the user of a live session, or None and whether it ran out of time now.

    A session ends ``idle`` after its last request and ``longest`` after it
    began, whatever the cookie says; the row is deleted then.
    """
    row = db.execute(
        "SELECT user_id, started_at, seen_at FROM staff_session WHERE id_hash = ?",
        [_session_hash(session_id or "")],
    ).fetchone()
    if row is None:
        return None, False
    user_id, started_at, seen_at = row
    now = clock.now()
    if now - clock.parse(seen_at) > idle or now - clock.parse(started_at) > longest:
        with transaction(db):
            _delete_session(db, session_id)
        return None, True
    user = get(db, user_id)
    if user is None or user["disabled_at"] or not user["password_hash"]:
        return None, False
    # Written at most once a minute, so not every request of a user is a write.
    if now - clock.parse(seen_at) > timedelta(minutes=1):
        with transaction(db):
            db.execute(
                "UPDATE staff_session SET seen_at = ? WHERE id_hash = ?",
                [clock.isoformat(now), _session_hash(session_id)],
            )
    return user, False


def end_session(db: sqlite_utils.Database, session_id: str, *, actor: audit.Actor) -> None:
    """Log out: the session ends on the server, with the audit row."""
    with transaction(db):
        audit.record(db, "logout", actor=actor)
        _delete_session(db, session_id)


def _delete_session(db: sqlite_utils.Database, session_id: str) -> None:
    db.execute("DELETE FROM staff_session WHERE id_hash = ?", [_session_hash(session_id or "")])


def pause_after(failures: int) -> timedelta:
    """How long an account waits for its next attempt after ``failures`` failed logins in a row.

    None for the first four; then 30 seconds, doubling with each further
    failure, at most ``LONGEST_PAUSE`` (OWASP ASVS 2.2.1: a soft lock-out).
    """
    if failures < THROTTLE_AFTER:
        return timedelta(0)
    return min(FIRST_PAUSE * 2 ** min(failures - THROTTLE_AFTER, 16), LONGEST_PAUSE)


def needs_second_factor(user: dict, *, consultants: bool) -> bool:
    """Whether the user logs in with a code too (``two_factor``): admins and evaluators always,
    consultants when ``STAFF_TWO_FACTOR_CONSULTANTS`` says so (``consultants``)."""
    return user["role"] in SECOND_FACTOR_ALWAYS or (user["role"] == "consultant" and consultants)


def throttle_state(user: dict, now) -> tuple[int, bool]:
    """``(failures, pausing)``: the account's failed attempts in a row, and whether it is in its pause.

    ``locked_until`` holds the end of the pause; failures older than
    ``FORGET_FAILURES_AFTER`` are forgotten.
    """
    failures, pause_until = user["failed_logins"], None
    if user["locked_until"]:
        pause_until = clock.parse(user["locked_until"])
        if now - pause_until > FORGET_FAILURES_AFTER:
            failures, pause_until = 0, None
    return failures, pause_until is not None and now < pause_until


def count_failure(
    db: sqlite_utils.Database, user: dict, now, *, address: str | None, detail: dict | None = None
) -> None:
    """A refused attempt for a known account: counted unless it came in the pause, and logged."""
    failures, pausing = throttle_state(user, now)
    with transaction(db):
        if not pausing:
            failures += 1
            db.execute(
                "UPDATE user SET failed_logins = ?, locked_until = ? WHERE id = ?",
                [failures, clock.isoformat(now + pause_after(failures)), user["id"]],
            )
        audit.record(
            db,
            "login_failed",
            actor=audit.Actor(user["email"], None, address),
            target=f"user:{user['id']}",
            detail=detail,
        )


def record_login(
    db: sqlite_utils.Database, user: dict, now, *, address: str | None, detail: dict | None = None
) -> None:
    """A login that succeeded: the failures are forgotten, the time kept, the audit row written."""
    with transaction(db):
        db.execute(
            "UPDATE user SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?",
            [clock.isoformat(now), user["id"]],
        )
        audit.record(db, "login", actor=audit.Actor(user["email"], user["id"], address), detail=detail)


def authenticate(
    db: sqlite_utils.Database,
    email: str,
    password: str,
    *,
    address: str | None = None,
    two_factor_consultants: bool = True,
) -> dict:
    """The user with these credentials, or LoginRefused (with the failure counted); the login or the
    refusal is written to the audit log with the count, from ``address`` (never what was typed).

    Every refusal is the same, for unknown e-mails too, and every attempt
    checks one password hash (a dummy one for an unknown e-mail), so
    neither the answer nor its time tells which accounts exist. After
    ``THROTTLE_AFTER`` failures in a row an account accepts an attempt
    only after a pause (``pause_after``); attempts during the pause are
    refused without counting, so guessing slows down while the owner can
    log in once the pause is over (``throttle_state``).

    A user who also needs a code (``needs_second_factor``, with
    ``two_factor_consultants``) is not logged in yet: the right password
    is returned without an audit row and without forgetting the failures,
    which the code's attempts go on counting (``two_factor.check_code``),
    so typing the password again buys no fresh guesses at the code.
    """
    now = clock.now()
    user = find_by_email(db, email)
    # The hash (scrypt, through HMAC) treats a key with trailing NUL bytes as the same key, so
    # "password\x00" would match "password". No password may hold a control character
    # (check_password), so one typed with them is wrong; it still costs one hash check.
    typed = password or ""
    has_control = any(ord(character) < 32 or ord(character) == 127 for character in typed)
    valid = (
        check_password_hash(user["password_hash"] if user and user["password_hash"] else _DUMMY_HASH, typed)
        and not has_control
    )
    if user is None:
        with transaction(db):
            audit.record(db, "login_failed", actor=audit.Actor("unknown account", None, address))
        raise LoginRefused(LOGIN_REFUSED)
    _, pausing = throttle_state(user, now)
    if valid and user["password_hash"] and not pausing and not user["disabled_at"]:
        if not needs_second_factor(user, consultants=two_factor_consultants):
            record_login(db, user, now, address=address)
        return user
    count_failure(db, user, now, address=address)
    raise LoginRefused(LOGIN_REFUSED, account=user)


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"survey_app.{purpose}")


def _same(stored: str | None, given) -> bool:
    return bool(stored) and isinstance(given, str) and hmac.compare_digest(stored, given)


def set_password_token(db: sqlite_utils.Database, secret_key: str, user_id: int) -> str:
    """A new one-time link token for the user; any earlier link of theirs stops working.

    The token carries a random value kept in the user's row, so knowing the
    secret key is not enough to make one.
    """
    nonce = secrets.token_urlsafe(16)
    with transaction(db):
        db.execute("UPDATE user SET link_nonce = ? WHERE id = ?", [nonce, user_id])
    return _serializer(secret_key, "set-password").dumps([user_id, nonce])


def user_for_set_password_token(db: sqlite_utils.Database, secret_key: str, token: str) -> dict | None:
    """The user a set-password link is for, while it is their newest, unused and fresh; else None."""
    try:
        user_id, nonce = _serializer(secret_key, "set-password").loads(
            token, max_age=SET_PASSWORD_LINK_HOURS * 3600
        )
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = get(db, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or user["disabled_at"] or not _same(user["link_nonce"], nonce):
        return None
    return user


def first_admin_token(db: sqlite_utils.Database, secret_key: str) -> str:
    """The link that creates the first admin; it works only while there is no admin.

    Its random value is made once per installation (every start and every
    worker prints the same link) and deleted when the first admin is created.
    """
    with transaction(db):
        db.execute(
            "INSERT INTO installation_secret (name, value) VALUES ('first_admin', ?) ON CONFLICT DO NOTHING",
            [secrets.token_urlsafe(16)],
        )
    value = db.execute("SELECT value FROM installation_secret WHERE name = 'first_admin'").fetchone()[0]
    return _serializer(secret_key, "first-admin").dumps(value)


def first_admin_token_valid(db: sqlite_utils.Database, secret_key: str, token: str) -> bool:
    try:
        value = _serializer(secret_key, "first-admin").loads(token)
    except BadSignature:
        return False
    row = db.execute("SELECT value FROM installation_secret WHERE name = 'first_admin'").fetchone()
    return row is not None and _same(row[0], value)


def create_first_admin(db: sqlite_utils.Database, *, email: str, password: str, address: str | None) -> dict:
    """The first admin, created by the first-admin link, which is spent with it. The log names the
    new admin, from ``address``, as the one who created the account."""
    with transaction(db):
        row = create_user(
            db,
            email=email,
            role="admin",
            password=password,
            actor=audit.Actor(normalise_email(email) or "-", None, address),
        )
        db.execute("DELETE FROM installation_secret WHERE name = 'first_admin'")
    return row


def email_set_password_link(
    db: sqlite_utils.Database, config, user: dict, *, subject: str, body: str, actor: audit.Actor
) -> None:
    """E-mail a one-time link (already in ``body``) to the user's address, then log that it was sent.

    It goes straight to the e-mail sender the configuration chooses (the console in development,
    whose log masks the link's token), not through the outbox: the link is a password, kept in no
    table, and the admin who sends it sees at once whether it went. The audit row names the
    recipient, never the link. A refused or failed send raises :class:`UserError` and logs nothing.
    """
    from .messaging import channels  # the outbox's senders; imported here, as only this needs them

    try:
        channels.sender_for(config, "email").send(
            channels.Outgoing(channel="email", recipient=user["email"], subject=subject, body=body)
        )
    except channels.DeliveryError as error:
        raise UserError(
            N_("The e-mail could not be sent (%(reason)s). Copy the link and give it to the user instead."),
            reason=error.reason,
        ) from None
    with transaction(db):
        audit.record(
            db,
            "password_link_emailed",
            actor=actor,
            target=f"user:{user['id']}",
            detail={"recipient": user["email"]},
        )
