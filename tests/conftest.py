"""Fixtures shared by the functional and browser tests: an app on a fresh database."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from survey_app import audit, create_app
from tests import helpers
from tests.helpers import PASSWORD, enrol_test_app, register_participant
from tests.servers import sms_gateway, smtp_server  # noqa: F401  (fixtures for every test)

# SURVEY_APP_TEST_CLOCK="2026-12-31T23:30+01:00" runs the whole session on a
# travelled clock that ticks on from that moment (no offset: Danish time), to
# find tests whose outcome depends on the time of day or the date without
# freezing the clock themselves. A test's own time_machine.travel() still wins
# inside it. Processes the tests start (gunicorn, flask, deploy/check.sh) keep
# the real clock.
TEST_CLOCK = os.environ.get("SURVEY_APP_TEST_CLOCK", "")


def travelled_start(value: str) -> datetime:
    """The moment SURVEY_APP_TEST_CLOCK names, as an aware datetime (naive means Danish time)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.fixture(scope="session", autouse=True)
def _test_clock():
    if not TEST_CLOCK:
        yield
        return
    with time_machine.travel(travelled_start(TEST_CLOCK), tick=True):
        yield


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's test-wide request context with none.

    With one context around the whole test, every request of every test
    client shares one ``g``: one cached CSRF token and one database
    connection for all. Production gives each request its own, and so do
    these tests.
    """
    yield


# SURVEY_APP_TEST_DATABASE=postgresql runs the tests on PostgreSQL: each test's app gets a new
# database on a throw-away cluster of Debian's PostgreSQL (tests/postgres_server.py), not a file.
TEST_DATABASE = os.environ.get("SURVEY_APP_TEST_DATABASE", "sqlite")


def pytest_collection_modifyitems(config, items):
    if TEST_DATABASE == "postgresql":
        skip = pytest.mark.skip(reason="about SQLite itself (SURVEY_APP_TEST_DATABASE=postgresql)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


def pytest_report_header(config):
    lines = []
    if TEST_CLOCK:
        lines.append(f"SURVEY_APP_TEST_CLOCK: the clock starts at {travelled_start(TEST_CLOCK).isoformat()}")
    if TEST_DATABASE != "sqlite":
        lines.append(f"SURVEY_APP_TEST_DATABASE: {TEST_DATABASE}")
    return lines


def test_database(tmp_path) -> str:
    """A fresh database for one test: a file in ``tmp_path``, or a PostgreSQL database."""
    if TEST_DATABASE == "postgresql":
        from tests.postgres_server import shared_database

        return shared_database()
    return str(tmp_path / "survey.db")


def app_settings(tmp_path, **settings) -> dict:
    """The tests' app settings: a fresh database and questionnaire overrides in ``tmp_path``."""
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE": test_database(tmp_path),
        "BASE_URL": "https://ips.example.dk",
        "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "questionnaires"),
        **settings,
    }


@pytest.fixture
def app(tmp_path):
    yield create_app(app_settings(tmp_path))


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    from survey_app.db import connect

    database = connect(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def add_participant(app, runner):
    """Register a participant through the real command; returns its code."""

    def add(code="P-001", municipality="259", baseline="2025-05-01", *extra):
        return register_participant(runner, code, municipality, baseline, *extra)

    return add


@pytest.fixture
def invite(runner):
    """Issue a link through the real command; returns the URL's path (/s/<token>)."""

    def issue(*codes):
        result = runner.invoke(args=["invite", *codes])
        assert result.exit_code == 0, result.output
        lines = [line for line in result.stdout.splitlines() if "\t" in line]
        paths = [line.split("\t")[1].removeprefix("https://ips.example.dk") for line in lines]
        return paths if len(codes) > 1 else paths[0]

    return issue


__all__ = ["PASSWORD"]  # many tests import it from here


@pytest.fixture
def make_user(app):
    """Create a staff user directly; returns the row. With ``enrolled`` (the default) the user has
    set up their authenticator app with ``TEST_TOTP_SECRET``; ``row["recovery_codes"]`` are theirs."""
    from survey_app import accounts
    from survey_app.db import connect

    def make(
        email="konsulent@koege.dk",
        role="consultant",
        municipalities=("259",),
        password=PASSWORD,
        enrolled=True,
    ):
        database = connect(app.config["DATABASE"])
        try:
            row = accounts.create_user(
                database,
                actor=audit.SEED,
                email=email,
                role=role,
                municipalities=list(municipalities),
                password=password,
            )
            codes = enrol_test_app(database, row["id"]) if enrolled else []
            return {**accounts.get(database, row["id"]), "recovery_codes": codes}
        finally:
            database.close()

    return make


@pytest.fixture
def login(app, make_user):
    """A test client logged in (password and code) as a new user of the given role; ``client.user``
    is the row."""

    def log_in(role="consultant", municipalities=("259",), email=None):
        user = make_user(
            email=email or f"{role}-{'-'.join(municipalities)}@example.dk",
            role=role,
            municipalities=municipalities,
        )
        client = app.test_client()
        response = helpers.log_in(client, user["email"])
        assert response.status_code == 303, response.text
        client.user = user
        return client

    return log_in
