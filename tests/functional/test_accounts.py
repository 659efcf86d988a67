"""Staff accounts: logging in, throttling, one-time password links, the first admin."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer

from survey_app import accounts, audit, clock
from survey_app.db import connect
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, enter_code, log_in


def post_login(client, email, password):
    """Log in through the real pages (the code after a right password, too); the last response."""
    return log_in(client, email, password)


def test_login_leads_each_role_home_and_logout_ends_the_session(app, make_user):
    for role, home, heading in [
        ("consultant", "/konsulent/", "Dagens opgaver"),
        ("evaluator", "/evaluering/", "Tilfredshed og svarprocenter"),
        ("admin", "/admin/", "Brugere"),
    ]:
        user = make_user(email=f"{role}@example.dk", role=role)
        client = app.test_client()
        response = post_login(client, user["email"], PASSWORD)
        assert response.status_code == 303 and response.headers["Location"] == home
        page = client.get(home)
        assert f"<h1>{heading}</h1>" in page.text
        logout = client.post("/logout", data={"csrf_token": csrf_token(page.text)})
        assert logout.status_code == 303
        assert client.get(home).status_code == 302  # back to the login page


def test_wrong_password_is_refused_in_danish_and_recorded(app, make_user, db):
    user = make_user()
    client = app.test_client()
    response = post_login(client, "konsulent@koege.dk", "forkert forkert")
    assert response.status_code == 401
    assert "Forkert e-mail eller adgangskode." in response.text
    unknown = post_login(client, "nobody@example.dk", "forkert forkert")
    assert "Forkert e-mail eller adgangskode." in unknown.text  # the same answer: no account enumeration
    rows = [(r["action"], r["actor"], r["target"]) for r in db.query("SELECT * FROM audit ORDER BY id")]
    assert rows == [
        ("login_failed", "konsulent@koege.dk", f"user:{user['id']}"),
        ("login_failed", "unknown account", None),
    ]


def test_a_password_typed_in_the_e_mail_field_is_not_written_to_the_audit_log(app, make_user, db):
    make_user()
    client = app.test_client()
    for typed in (PASSWORD, "Konsulent@Koege.dk " + PASSWORD, "hemmelig-kode-1234"):
        assert post_login(client, typed, "noget").status_code == 401
    rows = [dict(row) for row in db.query("SELECT * FROM audit WHERE action = 'login_failed'")]
    assert len(rows) == 3 and {row["actor"] for row in rows} == {"unknown account"}
    stored = repr(list(db.query("SELECT * FROM audit")))
    assert PASSWORD not in stored and "hemmelig" not in stored


def normalised(page: str, email: str) -> str:
    """A login page's body without what differs by nature: the CSRF token and the e-mail typed."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", page).replace(email, "E-MAIL")


@pytest.mark.slow
def test_refused_logins_look_the_same_for_known_and_unknown_e_mails(app, make_user):
    """Attempts 1..7: the same status and page, also once the known account pauses."""
    make_user()
    known, unknown = app.test_client(), app.test_client()
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False):
        for attempt in range(1, 8):
            for_known = post_login(known, "konsulent@koege.dk", "forkert forkert")
            for_unknown = post_login(unknown, "ukendt@koege.dk", "forkert forkert")
            assert for_known.status_code == for_unknown.status_code == 401, attempt
            assert normalised(for_known.text, "konsulent@koege.dk") == normalised(
                for_unknown.text, "ukendt@koege.dk"
            ), attempt
            assert "låst" not in for_known.text
            assert "Forkert e-mail eller adgangskode." in for_known.text


@pytest.mark.slow
def test_every_attempt_checks_one_password_hash(app, make_user, monkeypatch):
    """Unknown e-mail, wrong password and an account in its pause cost the same (one scrypt check)."""
    make_user()
    make_user(email="ny@koege.dk", password=None)  # no password yet
    checks = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda *a: checks.append(1) or real_check(*a))
    client = app.test_client()
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False):
        for email in ["ukendt@koege.dk", "ny@koege.dk"] + ["konsulent@koege.dk"] * 7:
            checks.clear()
            post_login(client, email, "forkert forkert")
            assert checks == [1], email


def test_no_password_logs_in_an_account_that_has_none_yet(app, make_user, db):
    make_user(email="ny@koege.dk", password=None)
    for password in ("not a password of anyone's", ""):
        assert post_login(app.test_client(), "ny@koege.dk", password).status_code in (401, 422)
    assert db.execute("SELECT COUNT(*) FROM staff_session").fetchone()[0] == 0


def test_the_password_with_a_trailing_nul_byte_is_wrong(app, make_user, db):
    """scrypt's HMAC pads its key with zero bytes, so "password\\0" hashes like "password"."""
    make_user(email="nul@example.dk", role="admin", municipalities=())
    client = app.test_client()
    for typed in (PASSWORD + "\x00", PASSWORD + "\x00\x00", PASSWORD + "\x1f"):
        page = client.get("/login")
        response = client.post(
            "/login", data={"csrf_token": csrf_token(page.text), "email": "nul@example.dk", "password": typed}
        )
        assert response.status_code != 303 and "/admin" not in response.headers.get("Location", "")
    assert db.execute("SELECT failed_logins FROM user WHERE email = 'nul@example.dk'").fetchone()[0] == 3
    try:
        accounts.check_password("korrekt hest\tbatteri")
    except accounts.UserError as error:
        assert "kontroltegn" in str(error) or "control characters" in str(error)
    else:
        raise AssertionError("a password with a control character was accepted")


def test_pauses_grow_after_five_failures_and_stop_at_fifteen_minutes():
    assert [accounts.pause_after(n).total_seconds() for n in range(1, 12)] == [
        0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900,
    ]  # fmt: skip
    assert accounts.pause_after(10_000).total_seconds() == 900


@pytest.mark.slow
def test_the_owner_logs_in_after_the_pause_however_hard_others_guess(app, make_user, db):
    make_user()
    guesser, owner = app.test_client(), app.test_client()
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        for _ in range(5):
            post_login(guesser, "konsulent@koege.dk", "forkert forkert")
        # During the 30-second pause even the right password is refused, with the same answer.
        paused = post_login(owner, "konsulent@koege.dk", PASSWORD)
        assert paused.status_code == 401 and "Forkert e-mail eller adgangskode." in paused.text
        # Attempts during a pause do not count and do not lengthen it.
        for _ in range(20):
            traveller.shift(1)
            post_login(guesser, "konsulent@koege.dk", "forkert forkert")
        traveller.shift(11)  # 31 seconds after the 5th failure
        assert post_login(owner, "konsulent@koege.dk", PASSWORD).status_code == 303
        assert db.execute("SELECT failed_logins, locked_until FROM user").fetchone() == (0, None)


@pytest.mark.slow
def test_a_guesser_who_never_stops_gets_an_attempt_per_quarter_hour_and_the_owner_still_gets_in(
    app, make_user, db
):
    make_user()
    guesser = app.test_client()
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        for _ in range(30):  # each failure waits out the previous pause, so every one counts
            post_login(guesser, "konsulent@koege.dk", "forkert forkert")
            paused_until = clock.parse(db.execute("SELECT locked_until FROM user").fetchone()[0])
            assert paused_until - clock.now() <= timedelta(minutes=15)  # never locked for longer
            traveller.shift(15 * 60 + 1)
        assert db.execute("SELECT failed_logins FROM user").fetchone()[0] == 30
        assert post_login(app.test_client(), "konsulent@koege.dk", PASSWORD).status_code == 303


def copy_of_session(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as a thief would)."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def assert_logged_out(client):
    response = client.get("/konsulent/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Dagens opgaver" not in client.get("/konsulent/", follow_redirects=True).text


def test_logout_ends_the_session_on_the_server(app, login, db):
    client = login()
    page = client.get("/konsulent/")
    assert "Dagens opgaver" in page.text
    thief = copy_of_session(app, client)
    assert "Dagens opgaver" in thief.get("/konsulent/").text  # the copy works while the session lives
    assert client.post("/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 303
    assert_logged_out(thief)
    assert_logged_out(client)
    assert db.execute("SELECT COUNT(*) FROM staff_session").fetchone()[0] == 0


def test_logging_out_in_one_browser_leaves_the_other_logged_in(app, login, make_user):
    phone = login()
    desk = app.test_client()
    assert post_login(desk, phone.user["email"], PASSWORD).status_code == 303
    page = phone.get("/konsulent/")
    phone.post("/logout", data={"csrf_token": csrf_token(page.text)})
    assert "Dagens opgaver" in desk.get("/konsulent/").text


def test_a_new_password_ends_every_session_even_a_copied_one(app, login, runner, db):
    client = login()
    thief = copy_of_session(app, client)
    assert thief.get("/konsulent/").status_code == 200
    link = link_from(runner.invoke(args=["users", "link", client.user["email"]]).stdout)
    browser = app.test_client()
    page = browser.get(link)
    form = {
        "csrf_token": csrf_token(page.text),
        "password": "en helt anden kode",
        "repeat": "en helt anden kode",
    }
    assert browser.post(link, data=form).headers["Location"] == "/login/kode"
    assert_logged_out(thief)
    assert_logged_out(client)
    assert enter_code(browser, client.user["email"]).status_code == 303
    assert browser.get("/konsulent/").status_code == 200  # the session that set it is new
    assert db.execute("SELECT COUNT(*) FROM staff_session").fetchone()[0] == 1


def test_disabling_a_user_ends_their_sessions(app, login, db):
    client = login()
    thief = copy_of_session(app, client)
    assert thief.get("/konsulent/").status_code == 200
    accounts.update_user(
        db,
        client.user["id"],
        actor=audit.SEED,
        role="consultant",
        municipalities=["259"],
        name=None,
        disabled=True,
    )
    assert_logged_out(thief)
    assert db.execute("SELECT COUNT(*) FROM staff_session").fetchone()[0] == 0


def test_idle_session_expires_on_the_server(app, make_user, db):
    make_user()
    client = app.test_client()
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        post_login(client, "konsulent@koege.dk", PASSWORD)
        traveller.shift(59 * 60)
        assert client.get("/konsulent/").status_code == 200
        thief = copy_of_session(app, client)
        traveller.shift(61 * 60)  # an hour after the last request
        assert_logged_out(thief)
        assert db.execute("SELECT COUNT(*) FROM staff_session").fetchone()[0] == 0
        response = client.get("/konsulent/", follow_redirects=True)
        assert "Dagens opgaver" not in response.text


def test_the_idle_message_is_shown_on_the_login_page(app, make_user):
    make_user()
    client = app.test_client()
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        post_login(client, "konsulent@koege.dk", PASSWORD)
        traveller.shift(61 * 60)
        page = client.get("/konsulent/", follow_redirects=True)
    assert "Du blev logget ud efter en periode uden aktivitet." in page.text


def test_a_session_ends_after_a_working_day_however_busy(app, make_user, db):
    make_user()
    client = app.test_client()
    with time_machine.travel("2026-03-02 07:00 +0000", tick=False) as traveller:
        post_login(client, "konsulent@koege.dk", PASSWORD)
        for _ in range(23):  # a request every half hour: never idle
            traveller.shift(30 * 60)
            assert client.get("/konsulent/").status_code == 200
        thief = copy_of_session(app, client)
        traveller.shift(31 * 60)  # 12 h 1 min after login
        assert_logged_out(thief)
        assert_logged_out(client)
        assert db.execute("SELECT COUNT(*) FROM staff_session").fetchone()[0] == 0


def test_password_link_works_once(app, runner, db):
    result = runner.invoke(
        args=["users", "create", "ny@naestved.dk", "--role", "consultant", "--municipality", "370", "--link"]
    )
    assert result.exit_code == 0, result.output
    link = re.search(r"https://ips\.example\.dk(/adgangskode/\S+)", result.stdout).group(1)
    client = app.test_client()
    page = client.get(link)
    assert "ny@naestved.dk" in page.text
    short = client.post(
        link, data={"csrf_token": csrf_token(page.text), "password": "kort", "repeat": "kort"}
    )
    assert "mindst 10 tegn" in short.text
    done = client.post(
        link, data={"csrf_token": csrf_token(page.text), "password": PASSWORD, "repeat": PASSWORD}
    )
    # A consultant needs a code (STAFF_TWO_FACTOR_CONSULTANTS): the app is set up first.
    assert done.status_code == 303 and done.headers["Location"] == "/login/kode"
    enrolled = enter_code(client, "ny@naestved.dk")
    assert "Dine reservekoder" in enrolled.text
    assert client.get("/konsulent/").status_code == 200
    assert app.test_client().get(link).status_code == 404  # spent
    assert post_login(app.test_client(), "ny@naestved.dk", PASSWORD).status_code == 303
    assert [r["municipality_code"] for r in db.query("SELECT * FROM user_municipality")] == ["370"]


def link_from(output: str) -> str:
    return re.search(r"https://ips\.example\.dk(/adgangskode/\S+)", output).group(1)


def test_a_set_password_link_forged_with_the_secret_key_is_refused(app, runner, db):
    """The old links were the key's signature over (id, hash of "no password"): the same for every newcomer."""
    result = runner.invoke(
        args=["users", "create", "ny@koege.dk", "--role", "consultant", "--municipality", "259", "--link"]
    )
    assert result.exit_code == 0, result.output
    user_id = db.execute("SELECT id FROM user WHERE email = 'ny@koege.dk'").fetchone()[0]
    old_fingerprint = hashlib.sha256(b"-").hexdigest()[:16]
    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="survey_app.set-password")
    client = app.test_client()
    for forged in (
        signer.dumps([user_id, old_fingerprint]),
        signer.dumps([user_id, None]),
        signer.dumps([user_id, ""]),
    ):
        assert client.get(f"/adgangskode/{forged}").status_code == 404
    assert client.get(link_from(result.stdout)).status_code == 200  # the real one works
    nonce = db.execute("SELECT link_nonce FROM user WHERE id = ?", [user_id]).fetchone()[0]
    assert len(nonce) >= 20


def test_a_newer_password_link_replaces_the_older_one(app, runner, make_user):
    make_user()
    older = link_from(runner.invoke(args=["users", "link", "konsulent@koege.dk"]).stdout)
    newer = link_from(runner.invoke(args=["users", "link", "konsulent@koege.dk"]).stdout)
    client = app.test_client()
    assert client.get(older).status_code == 404
    page = client.get(newer)
    assert page.status_code == 200 and "konsulent@koege.dk" in page.text
    new_password = "en helt ny og lang kode"
    form = {"csrf_token": csrf_token(page.text), "password": new_password, "repeat": new_password}
    assert client.post(older, data=form).status_code == 404
    assert post_login(app.test_client(), "konsulent@koege.dk", new_password).status_code == 401
    assert client.post(newer, data=form).status_code == 303
    assert app.test_client().get(newer).status_code == 404  # used
    assert post_login(app.test_client(), "konsulent@koege.dk", new_password).status_code == 303


def test_a_first_admin_link_forged_with_the_secret_key_is_refused(app, db):
    from survey_app.web.auth import first_admin_url

    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="survey_app.first-admin").dumps(
        "first-admin"
    )
    client = app.test_client()
    assert client.get(f"/opsaetning/{forged}").status_code == 404
    link = first_admin_url(app)
    assert first_admin_url(app) == link  # the same link at every start and in every worker
    assert client.get(link.removeprefix("https://ips.example.dk")).status_code == 200
    assert (
        db.execute("SELECT COUNT(*) FROM installation_secret WHERE name = 'first_admin'").fetchone()[0] == 1
    )


def test_changing_the_password_ends_other_sessions(app, login, db):
    client = login()
    assert client.get("/konsulent/").status_code == 200
    accounts.set_password(db, client.user["id"], "en helt anden kode", actor=audit.SEED)
    assert client.get("/konsulent/").status_code == 302


def test_users_create_refuses_bad_input(runner, db):
    no_town = runner.invoke(args=["users", "create", "a@example.dk", "--role", "consultant", "--link"])
    assert no_town.exit_code == 1 and "mindst én kommune" in no_town.stderr
    created = runner.invoke(
        args=["users", "create", "a@example.dk", "--role", "evaluator"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert created.exit_code == 0, created.output
    again = runner.invoke(args=["users", "create", "A@example.dk", "--role", "evaluator", "--link"])
    assert again.exit_code == 1 and "findes allerede" in again.stderr
    assert db.execute("SELECT COUNT(*) FROM user").fetchone()[0] == 1


def test_first_admin_link_works_only_while_there_is_no_admin(app, db):
    from survey_app.web.auth import first_admin_url

    link = first_admin_url(app).removeprefix("https://ips.example.dk")
    client = app.test_client()
    page = client.get(link)
    assert "Opret den første administrator" in page.text
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token(page.text),
            "email": "admin@example.dk",
            "password": PASSWORD,
            "repeat": PASSWORD,
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/login/kode"
    assert first_admin_url(app) is None
    assert "Dine reservekoder" in enter_code(client, "admin@example.dk").text
    assert client.get("/admin/").status_code == 200
    assert app.test_client().get(link).status_code == 404
    assert db.execute("SELECT COUNT(*) FROM installation_secret").fetchone()[0] == 0  # spent
    assert [(r["email"], r["role"]) for r in db.query("SELECT email, role FROM user")] == [
        ("admin@example.dk", "admin")
    ]


def test_first_start_prints_where_to_create_the_admin(tmp_path, monkeypatch, capsys):
    from survey_app import create_app

    monkeypatch.setenv("SURVEY_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    create_app()
    printed = capsys.readouterr().err
    assert re.search(r"Opret den første her: http://127\.0\.0\.1:5000/opsaetning/\S+", printed)
    database = connect(tmp_path / "instance" / "survey.db")
    accounts.create_user(database, actor=audit.SEED, email="a@example.dk", role="admin", password=PASSWORD)
    create_app()
    assert "Opret den første" not in capsys.readouterr().err
