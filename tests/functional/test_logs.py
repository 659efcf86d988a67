"""No log holds a link's token: development server, our own messages, errors, gunicorn."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import pytest
import time_machine
from werkzeug.serving import make_server

from survey_app import clock
from survey_app.logs import mask
from tests.functional.test_faults import prepare
from tests.gunicorn import Phone, app_environment, running_gunicorn
from tests.servers import free_port

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /s/1a.Xy-_9AbC.qwertyuiopasdfghjk HTTP/1.1", "GET /s/*** HTTP/1.1"),
        ("https://ips.example.dk/s/abc.def?x=1", "https://ips.example.dk/s/***?x=1"),
        ("POST /team/3.Zz.sig HTTP/1.1", "POST /team/*** HTTP/1.1"),
        ("/afmeld/tok /adgangskode/eyJ.a.b /opsaetning/c", "/afmeld/*** /adgangskode/*** /opsaetning/***"),
        ('href="/s/abc"', 'href="/s/***"'),
        # No token in these: the pages a team or participant has after the link.
        ("GET /team/svar HTTP/1.1", "GET /team/svar HTTP/1.1"),
        ("GET /team/oversigt", "GET /team/oversigt"),
        (
            "GET /svar /static/app.css /konsulent/deltagere/3",
            "GET /svar /static/app.css /konsulent/deltagere/3",
        ),
        # A team token that happens to start like a page name is still a token.
        ("GET /team/svarXYZ.abc", "GET /team/***"),
    ],
)
def test_mask(text, expected):
    assert mask(text) == expected


def test_the_development_server_logs_link_requests_without_the_token(app, add_participant, invite, caplog):
    add_participant("LOG-1")
    path = invite("LOG-1")
    token = path.removeprefix("/s/")
    server = make_server("127.0.0.1", free_port(), app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            phone = Phone(server.server_port)
            assert phone.get(path)[0] == 200
            assert phone.get(path[:-3] + "xyz")[0] == 404  # a tampered one is not logged either
    finally:
        server.shutdown()
        thread.join()
    requests = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert len(requests) == 2
    assert all("GET /s/*** HTTP/1.1" in line for line in requests), requests
    assert token[:-3] not in caplog.text


def test_the_console_sender_logs_messages_without_the_link_token(app, runner, add_participant, db, caplog):
    # Inside the SMS window (09:00-20:00 Danish time): outside it send-due holds the SMS back.
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=clock.LOCAL_TZ), tick=False):
        add_participant("LOG-2", "259", "2025-05-01", "--phone", "20123456")
        with caplog.at_level(logging.INFO, logger="survey_app.delivery"):
            result = runner.invoke(args=["send-due"])
    assert result.exit_code == 0, result.output
    body = db.execute("SELECT body FROM message").fetchone()[0]
    token = body.split("/s/", 1)[1].split()[0]
    assert len(token) > 20
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "https://ips.example.dk/s/***" in logged
    assert token not in logged


def test_errors_and_tracebacks_are_logged_without_tokens(app, caplog):
    token = "7.AbCdEfGh.abcdefghijklmnopqrst"

    @app.get("/boom/<path:rest>")
    def boom(rest):
        raise ValueError(f"could not read /s/{token}")

    app.testing = False  # let Flask log the exception as in production
    with caplog.at_level(logging.ERROR, logger="survey_app"):
        response = app.test_client().get(f"/boom/s/{token}")
    assert response.status_code == 500
    assert "Exception on /boom/s/***" in caplog.text
    assert "ValueError: could not read /s/***" in caplog.text
    assert token not in caplog.text


def test_gunicorn_logs_requests_and_errors_without_tokens(tmp_path):
    env = app_environment(tmp_path)
    ((path, _),) = prepare(env, 1)
    token = path.removeprefix("/s/")
    log_path = tmp_path / "gunicorn.log"
    options = ("--access-logfile", "-", "--logger-class", "survey_app.logs.GunicornLogger")
    with running_gunicorn(env, log_path, workers=1, options=options) as server:
        phone = Phone(server.port)
        assert phone.get(path)[0] == 200
        assert phone.get(f"/team/{token}")[0] == 404
        assert phone.get(f"/afmeld/{token}")[0] in (200, 404)
    logged = log_path.read_text()
    assert '"GET /s/*** HTTP/1.1" 200' in logged
    assert '"GET /team/*** HTTP/1.1" 404' in logged
    assert "GET /afmeld/***" in logged
    assert token not in logged


def test_on_a_server_the_first_admin_link_is_not_printed_to_the_log(tmp_path, monkeypatch, capsys):
    from survey_app import create_app

    monkeypatch.setenv("SURVEY_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SURVEY_APP_BASE_URL", "https://ips.example.dk")
    create_app()
    printed = capsys.readouterr().err
    assert "/opsaetning/" not in printed
    assert "survey-app users create E-MAIL --role admin --link" in printed
