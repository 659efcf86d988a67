"""Several servers share one rate-limit budget through a real Redis (``RATELIMIT_STORAGE_URI=redis://``).

Two app instances stand for two servers behind one load balancer: the same
database and secret key, the same Redis. A guesser who spreads attempts
over both gets no more than from one. With ``memory://`` the same requests
are not capped, which shows that these tests see the sharing and not a
per-process count that happens to agree.

Logins stay on the password step: a wrong password is refused before any
further step, so a second factor does not change what is counted here.
"""

from __future__ import annotations

import logging
import sys

import pytest
import time_machine

from survey_app import create_app
from survey_app.db import connect
from tests.conftest import PASSWORD, app_settings
from tests.functional.test_limits import TOO_MANY, WELCOME, client_from, links_for, register_staff
from tests.gunicorn import Phone, app_environment, csrf_token, running_gunicorn
from tests.helpers import csrf_token as page_csrf_token
from tests.helpers import log_in
from tests.redis_server import redis_server_fixture  # noqa: F401  (the fixture redis_server)

WRONG = "Forkert e-mail eller adgangskode."
WAIT = "Vent et par minutter"
SMALL_LIMITS = {"LINK_RATE_LIMIT": "5 per minute", "LOGIN_RATE_LIMIT": "4 per minute"}


def two_servers(tmp_path, storage_uri):
    """Two apps on one database and secret key, rate limits on, counters at ``storage_uri``."""
    settings = (
        app_settings(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage_uri) | SMALL_LIMITS
    )
    return create_app(dict(settings)), create_app(dict(settings))


def post_login(client, email, password):
    """A login through the real pages: the password, and the code when it was right."""
    return log_in(client, email, password)


def counted(redis_url: str) -> dict[str, int]:
    """What Redis holds for the limits: {key: entries in its moving window}.

    The ``limits`` library names a key by address, scope and limit, e.g.
    ``LIMITS:LIMITER/203.0.113.40/login/4/1/minute``; a window that is
    full takes no more entries, so a 429 leaves the count at the limit.
    """
    import redis  # here, not at the top: the tests without Redis run where the client is missing

    connection = redis.Redis.from_url(redis_url)
    try:
        return {key.decode(): connection.llen(key) for key in connection.scan_iter("LIMITS:*")}
    finally:
        connection.close()


def failed_logins(app, address):
    database = connect(app.config["DATABASE"])
    try:
        return database.execute(
            "SELECT count(*) FROM audit WHERE action = 'login_failed' AND address = ?", [address]
        ).fetchone()[0]
    finally:
        database.close()


def test_failed_logins_on_one_server_use_up_the_budget_the_other_sees(tmp_path, redis_server):
    first, second = two_servers(tmp_path, redis_server.url)
    on_first, on_second = client_from(first, "203.0.113.40"), client_from(second, "203.0.113.40")
    for number in range(4):
        refused = post_login(on_first, f"gaet{number}@koege.dk", "forkert")
        assert refused.status_code == 401 and WRONG in refused.text
    over = post_login(on_second, "gaet4@koege.dk", "forkert")
    assert over.status_code == 429
    assert TOO_MANY in over.text and WAIT in over.text and WRONG not in over.text
    assert 0 < int(over.headers["Retry-After"]) <= 60
    # The count is in Redis, not in either process: one window, full with the four refusals.
    assert counted(redis_server.url) == {"LIMITS:LIMITER/203.0.113.40/login/4/1/minute": 4}
    assert failed_logins(first, "203.0.113.40") == 5  # each attempt was still checked and audited
    # The first server sees the same spent budget; another address on the second is not affected.
    assert post_login(on_first, "gaet5@koege.dk", "forkert").status_code == 429
    other = post_login(client_from(second, "198.51.100.40"), "gaet6@koege.dk", "forkert")
    assert other.status_code == 401 and WRONG in other.text


def test_a_correct_password_logs_in_on_the_other_server_when_the_budget_is_spent(tmp_path, redis_server):
    first, second = two_servers(tmp_path, redis_server.url)
    register_staff(first, "konsulent@koege.dk")
    town_hall = client_from(first, "198.51.100.41")
    statuses = [post_login(town_hall, f"gaet{number}@koege.dk", "forkert").status_code for number in range(5)]
    assert statuses == [401] * 4 + [429]
    colleague = client_from(second, "198.51.100.41")
    response = post_login(colleague, "konsulent@koege.dk", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/konsulent/"
    assert "Retry-After" not in response.headers
    assert "Dagens opgaver" in colleague.get("/konsulent/").text
    # The success took nothing off the shared count: failures stay capped on both servers.
    assert counted(redis_server.url) == {"LIMITS:LIMITER/198.51.100.41/login/4/1/minute": 4}
    again = post_login(client_from(second, "198.51.100.41"), "gaet9@koege.dk", "forkert")
    assert again.status_code == 429 and TOO_MANY in again.text


def test_refused_links_on_one_server_count_on_the_other(tmp_path, redis_server):
    first, second = two_servers(tmp_path, redis_server.url)
    (link,) = links_for(first, 1)
    on_first, on_second = client_from(first, "203.0.113.41"), client_from(second, "203.0.113.41")
    statuses = [on_first.get(f"/s/1.guess{number}.xxxxxxxxxxxxxxxxxxxx").status_code for number in range(3)]
    statuses += [
        on_second.get(f"/team/1.guess{number}.xxxxxxxxxxxxxxxxxxxx").status_code for number in range(2)
    ]
    assert statuses == [404] * 5
    over = on_first.get("/afmeld/1.guess5.xxxxxxxxxxxxxxxxxxxx")
    assert over.status_code == 429 and TOO_MANY in over.text and WAIT in over.text
    assert int(over.headers["Retry-After"]) > 0
    assert on_second.get("/s/1.guess6.xxxxxxxxxxxxxxxxxxxx").status_code == 429
    assert counted(redis_server.url) == {"LIMITS:LIMITER/203.0.113.41/links/5/1/minute": 5}
    # A valid link still opens on either server, from the same address.
    phone = client_from(second, "203.0.113.41")
    welcome = phone.get(link)
    assert welcome.status_code == 200 and WELCOME in welcome.text
    assert phone.post(link, data={"csrf_token": page_csrf_token(welcome.text)}).status_code == 303
    assert phone.get("/svar").status_code == 200


def test_with_memory_storage_each_server_counts_alone(tmp_path):
    """The contrast: without Redis the same requests as above are never capped."""
    first, second = two_servers(tmp_path, "memory://")
    on_first, on_second = client_from(first, "203.0.113.42"), client_from(second, "203.0.113.42")
    logins = [post_login(on_first, f"gaet{number}@koege.dk", "forkert").status_code for number in range(4)]
    logins.append(post_login(on_second, "gaet4@koege.dk", "forkert").status_code)
    assert logins == [401] * 5
    links = [on_first.get(f"/s/1.guess{number}.x").status_code for number in range(3)]
    links += [on_second.get(f"/s/1.guess{number}.x").status_code for number in range(3, 6)]
    assert links == [404] * 6
    # Each still has its own cap: the fifth failure on the first server is refused there.
    over = post_login(on_first, "gaet5@koege.dk", "forkert")
    assert over.status_code == 429 and TOO_MANY in over.text


def test_a_redis_address_without_the_redis_package_stops_the_start_with_a_clear_message(
    tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "redis", None)  # as if not installed: import redis fails
    settings = app_settings(
        tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://:hemmeligt@redis.example.dk:6379/0"
    )
    with pytest.raises(RuntimeError) as refused:
        create_app(settings)
    message = str(refused.value)
    assert "RATELIMIT_STORAGE_URI is a redis:// address" in message
    assert "redis is not installed" in message and "[redis]" in message and "memory://" in message
    assert "hemmeligt" not in message  # Redis's password is not repeated into a log
    # With the limits off (tests, or RATELIMIT_ENABLED=false) nothing needs Redis, so the app starts.
    assert (
        create_app(settings | {"RATELIMIT_ENABLED": False})
        .config["RATELIMIT_STORAGE_URI"]
        .startswith("redis")
    )


def test_while_redis_is_down_links_still_open_and_guesses_are_counted_in_memory(
    tmp_path, redis_server, caplog
):
    """Redis stopped mid-run: no error pages, a per-process cap meanwhile, Redis again once it is back."""
    with time_machine.travel("2026-03-02 10:00 +0000", tick=True) as traveller:
        first, second = two_servers(tmp_path, redis_server.url)
        (link,) = links_for(first, 1)
        guesser = client_from(first, "203.0.113.43")
        assert [guesser.get(f"/s/1.up{number}.x").status_code for number in range(2)] == [404] * 2
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="flask-limiter"):
            statuses = [guesser.get(f"/s/1.down{number}.x").status_code for number in range(6)]
        assert statuses == [404] * 5 + [429]  # the worker's own count starts afresh
        assert "Rate limit storage unreachable - falling back to in-memory storage" in caplog.messages
        welcome = client_from(first, "203.0.113.43").get(link)
        assert welcome.status_code == 200 and WELCOME in welcome.text
        refused = post_login(client_from(second, "203.0.113.43"), "gaet@koege.dk", "forkert")
        assert refused.status_code == 401 and WRONG in refused.text
        # Back (empty: nothing was persisted): after a few seconds the app counts in Redis again.
        redis_server.start()
        traveller.shift(5)
        assert guesser.get("/s/1.back.x").status_code == 404
        assert counted(redis_server.url) == {"LIMITS:LIMITER/203.0.113.43/links/5/1/minute": 1}


# -- two real servers ------------------------------------------------------------------


def gunicorn_login(port: int, email: str) -> tuple[int, dict, str]:
    phone = Phone(port)
    token = csrf_token(phone.get("/login")[2])
    return phone.post("/login", {"csrf_token": token, "email": email, "password": "forkert"})


@pytest.mark.slow
def test_two_gunicorn_servers_share_one_budget_through_redis(tmp_path, redis_server):
    """Production's shape: two gunicorn masters, configured only by SURVEY_APP_* variables, one Redis."""
    env = app_environment(
        tmp_path,
        RATELIMIT_STORAGE_URI=redis_server.url,
        LOGIN_RATE_LIMIT="4 per minute",
        LINK_RATE_LIMIT="5 per minute",
    )
    with (
        running_gunicorn(env, tmp_path / "first.log", workers=2) as first,
        running_gunicorn(env, tmp_path / "second.log", workers=2) as second,
    ):
        answers = [
            gunicorn_login(server.port, f"gaet{n}@koege.dk") for n, server in enumerate([first, second] * 2)
        ]
        assert [status for status, _, _ in answers] == [401] * 4
        assert all(WRONG in page for _, _, page in answers)
        # Two attempts on each master (and its workers): in memory no count would reach 4.
        for server in (first, second):
            status, headers, page = gunicorn_login(server.port, "gaet9@koege.dk")
            assert status == 429 and TOO_MANY in page and int(headers["retry-after"]) > 0
        assert counted(redis_server.url) == {"LIMITS:LIMITER/127.0.0.1/login/4/1/minute": 4}
