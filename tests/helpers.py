"""Small helpers for tests: reading pages as a browser would, logging in, running commands,
registering participants."""

import re
import time
from urllib.parse import quote, urlsplit

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')

PASSWORD = "korrekt hest batteri"
# The authenticator app's secret of every user ``make_user`` makes (enrolled with it).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def register_participant(runner, code="P-001", municipality="259", baseline="2025-05-01", *extra) -> str:
    """Register a participant through the real command (with consent); returns the code."""
    result = runner.invoke(
        args=[
            "participants",
            "add",
            code,
            "--municipality",
            municipality,
            "--baseline",
            baseline,
            "--consent",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output
    return code


def command(runner, *args: str):
    """Run one of the app's commands, which must succeed; returns Click's result."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def set_two_teams(runner) -> None:
    """Køge's IPS team (named "IPS-teamet", ips@koege.dk) and Næstved's (ips@naestved.dk)."""
    command(runner, "teams", "set", "259", "--email", "ips@koege.dk", "--name", "IPS-teamet")
    command(runner, "teams", "set", "370", "--email", "ips@naestved.dk")


def enrol_test_app(database, user_id: int) -> list[str]:
    """Enrol the user's second factor with ``TEST_TOTP_SECRET``, as if they had scanned its QR code;
    returns their recovery codes."""
    from survey_app import audit, two_factor

    return two_factor.enrol(database, user_id, TEST_TOTP_SECRET, actor=audit.SEED)


def app_code(secret: str, last_step: int | None = None, *, moment: float | None = None) -> str:
    """The code a user's app shows now (``time.time()``, so a frozen clock counts), or the next
    step's when the current one was used already (the server takes one step of drift).

    A user who logs in a third time within one step of a frozen clock gets an AssertionError:
    move the clock on (time_machine) between the logins.
    """
    from survey_app import two_factor

    step = int(time.time() if moment is None else moment) // two_factor.STEP_SECONDS
    for candidate in (step, step + 1):
        if last_step is None or candidate > last_step:
            return two_factor.code_at(secret, candidate)
    raise AssertionError("every code of this moment is used: move the clock on between the logins")


def totp_state(app, email: str) -> tuple[str, int | None]:
    from survey_app.db import connect

    database = connect(app.config["DATABASE"])
    try:
        secret, last_step = database.execute(
            "SELECT totp_secret, totp_last_step FROM user WHERE email = ?", [email]
        ).fetchone()
    finally:
        database.close()
    return secret, last_step


def enter_code(client, email: str, **request):
    """The second step of a login waiting for its code: the user's app's code, typed in (at the first
    login, the app set up from the secret the page shows). Returns the response to the code."""
    page = client.get("/login/kode", **request)
    assert page.status_code == 200, page.text
    secret, last_step = totp_state(client.application, email)
    return client.post(
        "/login/kode",
        data={"csrf_token": csrf_token(page.text), "code": app_code(secret, last_step)},
        **request,
    )


def log_in(client, email: str, password: str = PASSWORD, *, next_path: str | None = None, **request):
    """Log in through the real pages, as a person would: e-mail and password, then the code from the
    app when the page asks for one. Returns the last response: a 303 to the user's home (or
    ``next_path``) when it worked; at a first login with a code, the page of recovery codes (200).
    A refused password's page comes back as it is."""
    page = client.get("/login", **request)
    path = "/login" + (f"?next={quote(next_path, safe='')}" if next_path else "")
    response = client.post(
        path, data={"csrf_token": csrf_token(page.text), "email": email, "password": password}, **request
    )
    if response.status_code != 303 or urlsplit(response.location).path != "/login/kode":
        return response
    return enter_code(client, email, **request)


def table_names(db) -> list[str]:
    """The app's tables, sorted, on SQLite or PostgreSQL (``SURVEY_APP_TEST_DATABASE``)."""
    if getattr(db, "dialect", "sqlite") == "postgresql":
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return sorted(row[0] for row in db.execute(sql))
