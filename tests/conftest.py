"""Fixtures shared by the functional and browser tests: an app on a fresh database."""

from __future__ import annotations

import secrets

import pytest

from survey_app import create_app


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's test-wide request context with none.

    With one context around the whole test, every request of every test
    client shares one ``g``: one cached CSRF token and one database
    connection for all. Production gives each request its own, and so do
    these tests.
    """
    yield


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE": str(tmp_path / "survey.db"),
            "BASE_URL": "https://ips.example.dk",
            "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "questionnaires"),
        }
    )
    yield app


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
