"""The IPS satisfaction survey: a Flask application.

Configuration is layered: defaults below, then ``instance/config.py``
(created at first start with a random secret key; the folder can be moved
with ``SURVEY_APP_INSTANCE_PATH``), then environment
variables prefixed ``SURVEY_APP_`` (e.g. ``SURVEY_APP_BASE_URL``), then, in
tests only, the ``test_config`` mapping.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, retention
from .config import DATA_ROOT, PROJECT_ROOT  # noqa: F401  (for tests and bench/)

# The first start's hint prints these as README's "A short tour" writes them (a test compares).
TOUR_COMMANDS = (
    ".venv/bin/flask --app survey_app participants add KOGE-0001 --municipality 259 --baseline 2025-05-01"
    ' --phone "20 12 34 56" --consent',
    ".venv/bin/flask --app survey_app invite KOGE-0001",
)


def create_app(test_config: dict | None = None) -> Flask:
    # The instance folder (secret config, database) sits beside the package
    # unless SURVEY_APP_INSTANCE_PATH puts it elsewhere, e.g. /var/lib/survey_app.
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("SURVEY_APP_INSTANCE_PATH") or None,
    )
    # Compact HTML: block tags leave no blank lines behind (pages go over mobile data).
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.from_mapping(config.defaults(app.instance_path))
    first_start = False
    if test_config is None:
        first_start = config.ensure_instance_config(app.instance_path)
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("SURVEY_APP")
    else:
        app.config.from_mapping(test_config)
    config.check_secret_key(app.config["SECRET_KEY"])
    retention.check_retention(app.config["RETENTION_YEARS"], app.config["RETENTION_ACTION"])
    app.config["STAFF_TWO_FACTOR_CONSULTANTS"] = config.two_factor_consultants(
        app.config["STAFF_TWO_FACTOR_CONSULTANTS"]
    )
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")

    from . import cli, context, db, logs, send_due, web
    from .web import auth

    logs.mask_tokens_in_logs()
    applied = db.migrate(app.config["DATABASE"])
    context.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    if proxies := int(app.config["PROXY_COUNT"]):
        # The visitor's address and scheme as the proxy saw them (rate limits, login throttle, audit log).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    if first_start:
        print(
            f" * Første start: oprettede {Path(app.instance_path) / 'config.py'} med en ny "
            f"hemmelig nøgle og databasen {app.config['DATABASE']}"
            f" ({len(applied)} migreringer).\n"
            " * Opret en deltager og et link i en anden terminal (se README, 'A short tour'):\n"
            + "\n".join(f"     {command}" for command in TOUR_COMMANDS),
            file=sys.stderr,
        )
    if not app.config.get("TESTING") and (link := auth.first_admin_url(app)):
        if config.served_locally(app.config["BASE_URL"]):
            print(f" * Der er endnu ingen administrator. Opret den første her: {link}", file=sys.stderr)
        else:
            # On a server this would land in a log (logs.py): the operator asks for the link instead.
            print(
                " * Der er endnu ingen administrator. Opret den første med:\n"
                "     survey-app users create E-MAIL --role admin --link",
                file=sys.stderr,
            )
    send_due.start_in_background(app)
    return app
