"""Two-factor login for staff: the code after the password, enrolling the app, recovery codes,
the admin's reset, and the consultants' setting. Every test runs on a frozen clock."""

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from survey_app import create_app, two_factor
from survey_app.db import connect
from tests.conftest import PASSWORD, app_settings
from tests.helpers import TEST_TOTP_SECRET, csrf_token, log_in

# 09:00:10 UTC: ten seconds into a time step.
MOMENT = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
STEP = two_factor.current_step(MOMENT)
REFUSED = "Koden blev ikke godtaget."


def code(offset: int = 0) -> str:
    """The test app's code ``offset`` steps from the frozen moment's."""
    return two_factor.code_at(TEST_TOTP_SECRET, STEP + offset)


def give_password(client, email, password=PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf_token": csrf_token(page.text), "email": email, "password": password}
    )


def give_code(client, typed: str):
    page = client.get("/login/kode")
    assert page.status_code == 200, page.text
    return client.post("/login/kode", data={"csrf_token": csrf_token(page.text), "code": typed})


def logins(db, action="login"):
    return [
        (row["actor"], json.loads(row["detail"]) if row["detail"] else None)
        for row in db.query("SELECT * FROM audit WHERE action = ? ORDER BY id", [action])
    ]


def sessions(db, user_id) -> int:
    return db.execute("SELECT COUNT(*) FROM staff_session WHERE user_id = ?", [user_id]).fetchone()[0]


@pytest.fixture
def frozen():
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def test_a_valid_code_logs_in_and_nothing_is_open_before_it(app, make_user, db, frozen):
    user = make_user(email="admin@example.dk", role="admin")
    client = app.test_client()
    response = give_password(client, user["email"])
    assert response.status_code == 303 and response.headers["Location"] == "/login/kode"
    # The password alone opens nothing: no staff session, no page, no login in the log.
    assert client.get("/admin/").status_code == 302
    assert sessions(db, user["id"]) == 0 and logins(db) == []
    page = client.get("/login/kode")
    assert "Kode fra din app" in page.text and "admin@example.dk" in page.text
    response = give_code(client, code())
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    assert "Brugere" in client.get("/admin/").text
    assert sessions(db, user["id"]) == 1
    assert logins(db) == [("admin@example.dk", {"second_factor": "totp"})]
    assert db.execute("SELECT totp_last_step FROM user WHERE id = ?", [user["id"]]).fetchone()[0] == STEP


def test_a_code_one_step_off_is_taken_but_two_steps_is_stale(app, make_user, frozen):
    user = make_user(role="evaluator", email="e@example.dk")
    client = app.test_client()
    give_password(client, user["email"])
    for stale in (code(-2), code(2)):
        response = give_code(client, stale)
        assert response.status_code == 401 and REFUSED in response.text
    assert give_code(client, code(-1)).headers["Location"] == "/evaluering/"  # a phone a little behind


def test_a_code_works_once_and_an_older_one_not_after_it(app, make_user, db, frozen):
    user = make_user(role="admin", email="a@example.dk")
    first = app.test_client()
    give_password(first, user["email"])
    assert give_code(first, code()).status_code == 303
    second = app.test_client()  # the same code seen over the shoulder, typed in another browser
    give_password(second, user["email"])
    for used in (code(), code(-1)):
        response = give_code(second, used)
        assert response.status_code == 401 and REFUSED in response.text
    assert second.get("/admin/").status_code == 302
    assert [detail for _, detail in logins(db, "login_failed")] == [{"second_factor": "totp"}] * 2
    assert give_code(second, code(1)).status_code == 303  # the next step's code is new


def test_wrong_codes_pause_the_account_like_wrong_passwords(app, make_user, db, frozen):
    user = make_user(role="admin", email="a@example.dk")
    client = app.test_client()
    give_password(client, user["email"])
    wrong = "000000" if code() != "000000" else "111111"
    for _ in range(5):
        assert give_code(client, wrong).status_code == 401
    assert db.execute("SELECT failed_logins FROM user WHERE id = ?", [user["id"]]).fetchone()[0] == 5
    # In the pause even the right code is refused, uncounted; typing the password again buys
    # no fresh guesses: the right password leaves the count as it is.
    assert give_code(client, code()).status_code == 401
    assert give_password(client, user["email"]).status_code == 401  # the password is paused too
    assert db.execute("SELECT failed_logins FROM user WHERE id = ?", [user["id"]]).fetchone()[0] == 5
    frozen.shift(timedelta(seconds=31))  # the pause after 5 failures is 30 s
    assert give_password(client, user["email"]).status_code == 303
    assert db.execute("SELECT failed_logins FROM user WHERE id = ?", [user["id"]]).fetchone()[0] == 5
    response = give_code(
        client, two_factor.code_at(TEST_TOTP_SECRET, two_factor.current_step(MOMENT + timedelta(seconds=31)))
    )
    assert response.status_code == 303
    assert db.execute("SELECT failed_logins FROM user WHERE id = ?", [user["id"]]).fetchone()[0] == 0
    failed = logins(db, "login_failed")
    assert len(failed) == 7 and all(actor == "a@example.dk" for actor, _ in failed)


def test_a_recovery_code_works_once(app, make_user, db, frozen):
    user = make_user(role="admin", email="a@example.dk")
    spare = user["recovery_codes"][3]
    stored = {
        row[0] for row in db.execute("SELECT code_hash FROM recovery_code WHERE user_id = ?", [user["id"]])
    }
    assert len(stored) == 10 and spare not in stored  # only hashes are kept
    assert hashlib.sha256(spare.replace("-", "").encode()).hexdigest() in stored
    client = app.test_client()
    give_password(client, user["email"])
    # Typed as people do: capitals, spaces instead of hyphens.
    assert give_code(client, spare.upper().replace("-", " ")).status_code == 303
    assert logins(db)[-1] == ("a@example.dk", {"second_factor": "recovery_code"})
    assert "Du har 9 ubrugte reservekoder." in client.get("/konto/reservekoder").text
    again = app.test_client()
    give_password(again, user["email"])
    response = give_code(again, spare)
    assert response.status_code == 401 and REFUSED in response.text


def test_first_login_enrols_shows_the_qr_code_and_the_recovery_codes_once(app, make_user, db, frozen):
    user = make_user(role="evaluator", email="ny@example.dk", enrolled=False)
    client = app.test_client()
    assert give_password(client, user["email"]).headers["Location"] == "/login/kode"
    page = client.get("/login/kode")
    assert "Opsæt login med kode" in page.text and "<svg" in page.text
    secret = db.execute("SELECT totp_secret FROM user WHERE id = ?", [user["id"]]).fetchone()[0]
    assert two_factor.grouped(secret) in page.text
    assert two_factor.grouped(secret) in client.get("/login/kode").text  # a reload keeps the secret
    assert db.execute("SELECT totp_enrolled_at FROM user WHERE id = ?", [user["id"]]).fetchone()[0] is None
    wrong = "000000" if two_factor.code_at(secret, STEP) != "000000" else "111111"
    refused = client.post("/login/kode", data={"csrf_token": csrf_token(page.text), "code": wrong})
    assert refused.status_code == 401 and REFUSED in refused.text and "<svg" in refused.text
    done = client.post(
        "/login/kode", data={"csrf_token": csrf_token(page.text), "code": two_factor.code_at(secret, STEP)}
    )
    assert done.status_code == 200 and "Gem dem nu: de vises kun denne ene gang." in done.text
    shown = re.findall(r"<code>([a-z0-9-]{19})</code>", done.text)
    assert len(set(shown)) == 10
    assert '<a class="button" href="/evaluering/">' in done.text
    assert client.get("/evaluering/").status_code == 200  # logged in
    # Never shown again: the code's page leads home, the account page only counts them.
    assert client.get("/login/kode").headers["Location"] == "/evaluering/"
    left = client.get("/konto/reservekoder").text
    assert "Du har 10 ubrugte reservekoder." in left and not any(shown_code in left for shown_code in shown)
    assert [row["action"] for row in db.query("SELECT action FROM audit ORDER BY id")][-2:] == [
        "two_factor_enrolled",
        "login",
    ]


def test_new_recovery_codes_replace_the_old_ones(app, login, db, frozen):
    client = login(role="consultant")
    page = client.get("/konto/reservekoder")
    made = client.post("/konto/reservekoder", data={"csrf_token": csrf_token(page.text)})
    new = re.findall(r"<code>([a-z0-9-]{19})</code>", made.text)
    assert len(new) == 10 and not set(new) & set(client.user["recovery_codes"])
    assert (
        db.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0] == "recovery_codes_made"
    )
    other = app.test_client()
    give_password(other, client.user["email"])
    assert give_code(other, client.user["recovery_codes"][0]).status_code == 401
    assert give_code(other, new[0]).status_code == 303


def test_the_code_must_follow_the_password_within_five_minutes(app, make_user, frozen):
    user = make_user(role="admin", email="a@example.dk")
    client = app.test_client()
    give_password(client, user["email"])
    frozen.shift(timedelta(minutes=5, seconds=1))
    response = client.get("/login/kode")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "Der gik for lang tid, siden du skrev din adgangskode." in client.get("/login").text
    assert client.get("/login/kode").headers["Location"] == "/login"  # without a password: to the login


def test_an_admin_resets_a_users_second_factor(app, login, make_user, db, frozen):
    admin = login(role="admin")
    user = make_user(role="evaluator", email="e@example.dk")
    theirs = app.test_client()
    assert log_in(theirs, user["email"]).status_code == 303
    page = admin.get(f"/admin/brugere/{user['id']}")
    assert "Nulstil loginkoden (mistet telefon)" in page.text
    # Once, in the page; the title is the user's e-mail and nothing else.
    assert page.text.count("Nulstil loginkoden (mistet telefon)") == 1
    assert re.search(r"<title>(.*?)</title>", page.text, re.S).group(1) == "e@example.dk · IPS-spørgeskema"
    confirm = admin.get(f"/admin/brugere/{user['id']}/kode")
    assert "Nulstil loginkoden for e@example.dk?" in confirm.text
    assert admin.post(f"/admin/brugere/{user['id']}/kode", data={}).status_code == 400  # no CSRF token
    done = admin.post(f"/admin/brugere/{user['id']}/kode", data={"csrf_token": csrf_token(confirm.text)})
    assert done.status_code == 303 and done.headers["Location"] == f"/admin/brugere/{user['id']}"
    assert "Loginkoden for e@example.dk er nulstillet" in admin.get(done.headers["Location"]).text
    assert theirs.get("/evaluering/").status_code == 302  # their session ended
    (actor, target) = db.execute(
        "SELECT actor, target FROM audit WHERE action = 'two_factor_reset'"
    ).fetchone()
    assert (actor, target) == (admin.user["email"], f"user:{user['id']}")
    assert db.execute("SELECT COUNT(*) FROM recovery_code WHERE user_id = ?", [user["id"]]).fetchone()[0] == 0
    # Their next login sets up an app again, with a new secret; the old codes open nothing.
    fresh = app.test_client()
    give_password(fresh, user["email"])
    page = fresh.get("/login/kode")
    assert "Opsæt login med kode" in page.text and two_factor.grouped(TEST_TOTP_SECRET) not in page.text
    refused = fresh.post("/login/kode", data={"csrf_token": csrf_token(page.text), "code": code(1)})
    assert refused.status_code == 401


def test_consultants_log_in_without_a_code_when_the_installation_says_so(tmp_path, frozen):
    from survey_app import accounts, audit

    app = create_app(app_settings(tmp_path, STAFF_TWO_FACTOR_CONSULTANTS="false"))
    assert app.config["STAFF_TWO_FACTOR_CONSULTANTS"] is False
    database = connect(app.config["DATABASE"])
    try:
        for email, role, codes in [("k@koege.dk", "consultant", ["259"]), ("a@example.dk", "admin", [])]:
            accounts.create_user(
                database, actor=audit.SEED, email=email, role=role, municipalities=codes, password=PASSWORD
            )
    finally:
        database.close()
    client = app.test_client()
    response = give_password(client, "k@koege.dk")
    assert response.status_code == 303 and response.headers["Location"] == "/konsulent/"
    assert "Reservekoder" not in client.get("/konsulent/").text
    assert (
        give_password(app.test_client(), "a@example.dk").headers["Location"] == "/login/kode"
    )  # admins always


def test_the_consultants_setting_is_on_by_default_and_must_be_true_or_false(tmp_path):
    assert create_app(app_settings(tmp_path)).config["STAFF_TWO_FACTOR_CONSULTANTS"] is True
    with pytest.raises(RuntimeError, match="STAFF_TWO_FACTOR_CONSULTANTS must be true or false"):
        create_app(app_settings(tmp_path, STAFF_TWO_FACTOR_CONSULTANTS="maybe"))


def test_the_codes_are_rfc_6238s():
    """RFC 6238's test vector (SHA-1, its 20-byte key) at 59 s: 94287082, of which 6 digits: 287082."""
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert (
        two_factor.code_at(secret, two_factor.current_step(datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC)))
        == "287082"
    )
    assert two_factor.matching_step(secret, "287082", datetime(1970, 1, 1, 0, 1, 20, tzinfo=UTC)) == 1
    assert (
        two_factor.matching_step(secret, "287082", datetime(1970, 1, 1, 0, 1, 20, tzinfo=UTC), after=1)
        is None
    )


def test_the_code_needs_the_sessions_csrf_token(app, make_user, db, frozen):
    user = make_user(role="admin", email="a@example.dk")
    client = app.test_client()
    give_password(client, user["email"])
    other = app.test_client()
    foreign = csrf_token(other.get("/login").text)
    for data in ({"code": code()}, {"code": code(), "csrf_token": foreign}):
        assert client.post("/login/kode", data=data).status_code == 400
    assert sessions(db, user["id"]) == 0 and logins(db) == []
    assert give_code(client, code()).status_code == 303
