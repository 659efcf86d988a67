"""Rate limits on links and the login, per client address; and no session survives a login."""

from __future__ import annotations

import pytest
import time_machine

from survey_app import accounts, audit, create_app
from survey_app.db import connect
from tests.conftest import PASSWORD, app_settings
from tests.helpers import csrf_token, enrol_test_app, log_in, register_participant

TOO_MANY = "For mange forsøg"


@pytest.fixture
def limited_app(tmp_path):
    def make(shipped_limits=False, **settings):
        small = (
            {} if shipped_limits else {"LINK_RATE_LIMIT": "5 per minute", "LOGIN_RATE_LIMIT": "4 per minute"}
        )
        return create_app(app_settings(tmp_path, RATELIMIT_ENABLED=True) | small | settings)

    return make


def client_from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def register_staff(app, email):
    database = connect(app.config["DATABASE"])
    try:
        accounts.create_user(
            database,
            actor=audit.SEED,
            email=email,
            role="consultant",
            municipalities=["259"],
            password=PASSWORD,
        )
        enrol_test_app(
            database, database.execute("SELECT id FROM user WHERE email = ?", [email]).fetchone()[0]
        )
    finally:
        database.close()


def links_for(app, count):
    runner = app.test_cli_runner()
    codes = [f"RL-{number}" for number in range(count)]
    for code in codes:
        register_participant(runner, code)
    result = runner.invoke(args=["invite", *codes])
    assert result.exit_code == 0, result.output
    return [line.split("\t")[1].removeprefix("https://ips.example.dk") for line in result.stdout.splitlines()]


def test_refused_links_from_one_address_are_capped_with_a_danish_page(limited_app):
    app = limited_app()
    (link,) = links_for(app, 1)
    guesser = client_from(app, "203.0.113.7")
    statuses = [guesser.get(f"/s/1.guess{number}.xxxxxxxxxxxxxxxxxxxx").status_code for number in range(5)]
    assert statuses == [404] * 5
    refused = guesser.get("/s/1.guess5.xxxxxxxxxxxxxxxxxxxx")
    assert refused.status_code == 429
    assert TOO_MANY in refused.text and "Vent et par minutter" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # Another address is not affected.
    assert client_from(app, "198.51.100.20").get("/s/1.guess6.xxxxxxxxxxxxxxxxxxxx").status_code == 404


WELCOME = "Linket virker til og med"  # the welcome page of a valid link


def test_a_valid_link_opens_whatever_others_at_its_address_got_wrong(limited_app):
    """The shipped limits: 21 refused links in a minute from a mobile operator's address, then a participant."""
    app = limited_app(shipped_limits=True)
    (link,) = links_for(app, 1)
    address = client_from(app, "192.0.2.60")
    statuses = [address.get(f"/s/1.guess{number}.xxxxxxxxxxxxxxxxxxxx").status_code for number in range(21)]
    assert statuses == [404] * 20 + [429]
    phone = client_from(app, "192.0.2.60")
    welcome = phone.get(link)
    assert welcome.status_code == 200 and WELCOME in welcome.text
    assert "Retry-After" not in welcome.headers
    assert phone.post(link, data={"csrf_token": csrf_token(welcome.text)}).status_code == 303
    assert phone.get("/svar").status_code == 200
    # The valid link did not reset the count: guessing stays capped.
    assert address.get("/s/1.guess99.xxxxxxxxxxxxxxxxxxxx").status_code == 429


def test_a_valid_link_opens_after_a_hour_of_refused_ones(limited_app):
    app = limited_app(shipped_limits=True)
    (link,) = links_for(app, 1)
    address = client_from(app, "192.0.2.61")
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        for number in range(100):
            assert address.get(f"/s/1.g{number}.xxxxxxxxxxxxxxxxxxxx").status_code == 404
            traveller.shift(30)  # 2 a minute: under the per-minute limit
        assert address.get("/s/1.g100.xxxxxxxxxxxxxxxxxxxx").status_code == 429  # 100 an hour
        welcome = client_from(app, "192.0.2.61").get(link)
    assert welcome.status_code == 200 and WELCOME in welcome.text


def test_every_kind_of_link_draws_on_one_budget(limited_app):
    app = limited_app()
    guesser = client_from(app, "203.0.113.8")
    assert guesser.get("/s/1.a.b").status_code == 404
    assert guesser.get("/team/1.a.b").status_code == 404
    assert guesser.get("/afmeld/1.a.b").status_code == 404
    assert guesser.get("/adgangskode/abc").status_code == 404
    assert guesser.get("/opsaetning/abc").status_code == 404
    assert guesser.get("/team/2.a.b").status_code == 429
    assert guesser.get("/adgangskode/def").status_code == 429


def test_a_cohort_opening_their_own_links_from_one_address_is_never_held_up(limited_app):
    """A whole municipality behind one mobile operator's address: valid links do not count."""
    app = limited_app()
    links = links_for(app, 12)
    for link in links:
        phone = client_from(app, "192.0.2.50")
        welcome = phone.get(link)
        assert welcome.status_code == 200
        assert phone.post(link, data={"csrf_token": csrf_token(welcome.text)}).status_code == 303
        assert phone.get("/svar").status_code == 200


def test_login_attempts_are_capped_per_address(limited_app):
    app = limited_app()
    client = client_from(app, "203.0.113.9")
    token = csrf_token(client.get("/login").text)
    statuses = [
        client.post(
            "/login", data={"csrf_token": token, "email": f"nobody{number}@example.dk", "password": "forkert"}
        ).status_code
        for number in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    # Reading the login page is not limited; another address may still log in.
    assert client.get("/login").status_code == 200
    assert client_from(app, "198.51.100.21").get("/login").status_code == 200


def post_login(client, email, password):
    """A login through the real pages: the password, and the code when it was right."""
    return log_in(client, email, password)


def test_refused_codes_count_with_refused_passwords(limited_app):
    app = limited_app()  # 4 per minute
    register_staff(app, "konsulent@koege.dk")
    client = client_from(app, "203.0.113.20")
    assert post_login(client, "nobody@example.dk", "forkert").status_code == 401
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "email": "konsulent@koege.dk", "password": PASSWORD})
    token = csrf_token(client.get("/login/kode").text)
    statuses = [
        client.post("/login/kode", data={"csrf_token": token, "code": "12345"}).status_code for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.slow
def test_a_correct_password_logs_in_whatever_others_at_its_address_got_wrong(limited_app):
    """The shipped limits: 25 failed logins from a town hall's address, then a colleague logs in."""
    app = limited_app(shipped_limits=True)
    register_staff(app, "konsulent@koege.dk")
    town_hall = client_from(app, "198.51.100.30")
    statuses = [
        post_login(town_hall, f"gaet{number}@koege.dk", "forkert").status_code for number in range(25)
    ]
    assert statuses == [401] * 20 + [429] * 5
    colleague = client_from(app, "198.51.100.30")
    response = post_login(colleague, "konsulent@koege.dk", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/konsulent/"
    assert "Dagens opgaver" in colleague.get("/konsulent/").text
    # Failures are still capped after a success.
    assert post_login(town_hall, "gaet99@koege.dk", "forkert").status_code == 429


@pytest.mark.slow
def test_successful_logins_from_one_address_do_not_count(limited_app):
    app = limited_app()  # 4 per minute
    for number in range(6):
        register_staff(app, f"k{number}@koege.dk")
    statuses = [
        post_login(client_from(app, "198.51.100.31"), f"k{number}@koege.dk", PASSWORD).status_code
        for number in range(6)
    ]
    assert statuses == [303] * 6
    guesser = client_from(app, "198.51.100.31")
    assert [post_login(guesser, "k0@koege.dk", "forkert").status_code for _ in range(5)] == [401] * 4 + [429]


def test_behind_a_proxy_each_visitor_has_their_own_budget(limited_app):
    app = limited_app(PROXY_COUNT=1)
    proxy = client_from(app, "127.0.0.1")
    for number in range(5):
        headers = {"X-Forwarded-For": "203.0.113.10"}
        assert proxy.get(f"/s/1.g{number}.x", headers=headers).status_code == 404
    assert proxy.get("/s/1.g.x", headers={"X-Forwarded-For": "203.0.113.10"}).status_code == 429
    assert proxy.get("/s/1.g.x", headers={"X-Forwarded-For": "203.0.113.11"}).status_code == 404


def test_without_a_proxy_a_forged_forwarded_header_does_not_buy_more_guesses(limited_app):
    app = limited_app()
    guesser = client_from(app, "203.0.113.12")
    for number in range(5):
        headers = {"X-Forwarded-For": f"10.0.0.{number}"}
        assert guesser.get(f"/s/1.g{number}.x", headers=headers).status_code == 404
    assert guesser.get("/s/1.g.x", headers={"X-Forwarded-For": "10.0.0.99"}).status_code == 429


def test_limits_are_off_in_tests_unless_asked_for(app):
    client = app.test_client()
    assert {client.get(f"/s/1.g{number}.x").status_code for number in range(30)} == {404}


def test_login_starts_a_fresh_session_keeping_only_the_language(app, make_user, add_participant, invite):
    """Session fixation: what a visitor's session held before login (a link, a CSRF token) is gone after."""
    user = make_user(email="konsulent@koege.dk")
    add_participant("FIX-1")
    link = invite("FIX-1")
    client = app.test_client()
    welcome = client.get(link)
    assert client.post(link, data={"csrf_token": csrf_token(welcome.text)}).status_code == 303
    assert client.get("/svar").status_code == 200  # the browser answers FIX-1
    client.post("/sprog", data={"language": "en", "next": "/login", "csrf_token": csrf_token(welcome.text)})
    with client.session_transaction() as before:
        assert "invitation" in before and before["language"] == "en"
        old_csrf = before["csrf_token"]
    response = log_in(client, user["email"])
    assert response.status_code == 303
    with client.session_transaction() as after:
        assert "two_factor_pending" not in after  # nor the step between password and code
        assert "invitation" not in after
        assert after.get("csrf_token") != old_csrf
        assert after["language"] == "en"
    assert client.get("/svar").status_code == 403  # the link binding did not survive
    home = client.get("/konsulent/")
    assert home.status_code == 200 and 'lang="en"' in home.text
