"""The production set-up in deploy/ works as docs/production.md describes it.

``deploy/check.sh`` does the documented installation in a temporary directory
(in Docker when ``docker info`` works there, else on this machine with a fresh
venv) and checks the running server and the commands; it is not marked, so it
runs with every test run and in CI (about 20 s on the host path, most of it
``pip install`` from pip's cache). The other tests are fast and keep the
example env file, the docs and the units from drifting away from the app.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from survey_app import create_app

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTING = re.compile(r"^#?\s*SURVEY_APP_([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)


def env_example() -> dict[str, str]:
    """Every SURVEY_APP_ key of deploy/env.example (commented-out ones too) and its value."""
    return dict(SETTING.findall((DEPLOY / "env.example").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory) -> set[str]:
    """The app's configuration keys: its defaults and Flask's, and every key the code reads."""
    directory = tmp_path_factory.mktemp("settings")
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "DATABASE": str(directory / "survey.db")})
    keys = set(app.config)
    for path in (ROOT / "survey_app").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"config(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]*)\"", source))
        # Read from the environment before the configuration exists (the instance folder).
        keys |= set(re.findall(r"environ\.get\(\s*\"SURVEY_APP_([A-Z][A-Z0-9_]*)\"", source))
    return keys


def test_check_script_installs_and_checks_a_server(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("SURVEY_APP_")}
    # The host's venv is made with this interpreter (and pip's cache); temporary files under tmp_path.
    env |= {"PYTHON": sys.executable, "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        ["bash", str(DEPLOY / "check.sh")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "FAIL" not in output
    assert re.search(r"^check: all checks passed \((host|docker) path\)", output, re.MULTILINE), output
    for expected in [
        "ok: /robots.txt 200",
        "ok: /login 200",
        "ok: /login header Strict-Transport-Security: max-age=31536000",
        "ok: /login header Content-Security-Policy: default-src 'none'",
        "ok: access log shows /s/*** and not the token",
        "ok: users create admin@check.invalid --role admin --link",
        "ok: send-due --dry-run: Prøvekørsel",
        "ok: purge-contacts --dry-run: Kontaktoplysninger ville blive slettet",
        "integrity ok",
    ]:
        assert expected in output, f"{expected!r} not in:\n{output}"
    if "(host path)" in output:
        assert "ok: pip install (non-editable)" in output
        assert "14 kept, the oldest deleted" in output
    # What could not be checked here says so, naming the tool.
    for line in re.findall(r"^skip: .*$", output, re.MULTILINE):
        assert re.match(r"skip: (systemd-analyze|nginx|openssl) not installed", line), line
    assert "ok: systemd-analyze verify" in output or "skip: systemd-analyze not installed" in output
    assert "ok: nginx -t" in output or "skip: nginx not installed" in output or "skip: openssl" in output


def test_env_example_names_only_real_settings(real_settings):
    known = real_settings
    unknown = sorted(key for key in env_example() if key not in known)
    assert not unknown, f"deploy/env.example names settings the app does not have: {unknown}"


def test_docs_name_only_real_settings(real_settings):
    known = real_settings
    for path in [ROOT / "docs" / "production.md", DEPLOY / "gunicorn.conf.py", DEPLOY / "nginx.conf"]:
        named = set(re.findall(r"SURVEY_APP_([A-Z][A-Z0-9_]*[A-Z0-9])", path.read_text(encoding="utf-8")))
        unknown = sorted(named - known)
        assert not unknown, f"{path.relative_to(ROOT)} names settings the app does not have: {unknown}"


def test_env_example_is_a_working_production_configuration(tmp_path, monkeypatch):
    settings = env_example()
    for key in [
        "SECRET_KEY",
        "BASE_URL",
        "INSTANCE_PATH",
        "DATABASE",
        "PROXY_COUNT",
        "RATELIMIT_STORAGE_URI",
        "SMS_BACKEND",
        "SMS_GATEWAY_URL",
        "SMS_GATEWAY_TOKEN",
        "MAIL_BACKEND",
        "SMTP_HOST",
        "MAIL_FROM",
    ]:
        assert key in settings, f"deploy/env.example lacks SURVEY_APP_{key}"
    assert settings["BASE_URL"].startswith("https://")
    assert settings["PROXY_COUNT"] == "1"
    # systemd would strip quotes that Docker's --env-file keeps: the file has none.
    assert not any(value[:1] in "\"'" for value in settings.values())

    # The file as the server reads it (active lines only), with this test's paths and key.
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith("SURVEY_APP_"):
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("SURVEY_APP_SECRET_KEY", "k" * 48)
    monkeypatch.setenv("SURVEY_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SURVEY_APP_DATABASE", str(tmp_path / "instance" / "survey.db"))
    app = create_app()
    assert app.config["PROXY_COUNT"] == 1
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SMTP_PORT"] == 587
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    from survey_app.messaging import channels

    assert isinstance(channels.sender_for(app.config, "sms"), channels.HttpSmsSender)
    assert isinstance(channels.sender_for(app.config, "email"), channels.SmtpSender)


def test_gunicorn_config_masks_tokens_and_listens_locally(monkeypatch):
    from gunicorn.glogging import Logger

    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    settings: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8"), settings)
    module, _, name = settings["logger_class"].rpartition(".")
    logger_class = getattr(__import__(module, fromlist=[name]), name)
    assert issubclass(logger_class, Logger)
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["wsgi_app"] == "survey_app:create_app()"
    assert "%(q)s" not in settings["access_log_format"]  # no query strings


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / name, encoding="utf-8")
    return unit


@pytest.mark.parametrize(
    "name",
    [
        "survey-app.service",
        "survey-app-send-due.service",
        "survey-app-purge-contacts.service",
        "survey-app-backup.service",
    ],
)
def test_services_run_hardened_as_the_service_user(name):
    service = _unit(name)["Service"]
    assert service["User"] == "survey-app"
    assert service["EnvironmentFile"] == "/etc/survey-app/env"
    assert service["ProtectSystem"] == "strict"
    assert "/var/lib/survey_app" in service["ReadWritePaths"].split()
    assert service["NoNewPrivileges"] == "yes"
    assert service["ExecStart"].split()[0].startswith(("/opt/survey-app/venv/bin/", "/bin/sh"))


@pytest.mark.parametrize("name", ["send-due", "purge-contacts", "backup"])
def test_every_job_has_a_timer(name):
    timer = _unit(f"survey-app-{name}.timer")
    assert timer["Timer"]["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert (DEPLOY / f"survey-app-{name}.service").exists()
