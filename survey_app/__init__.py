"""The IPS satisfaction survey: a Flask application.

Configuration is layered: defaults below, then ``instance/config.py``
(created at first start with a random secret key; the folder can be moved
with ``SURVEY_APP_INSTANCE_PATH``), then environment
variables prefixed ``SURVEY_APP_`` (e.g. ``SURVEY_APP_BASE_URL``), then, in
tests only, the ``test_config`` mapping.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import DATA_ROOT, PROJECT_ROOT  # noqa: F401  (PROJECT_ROOT: for tests and bench/)

# A key must be long and random: it signs every link and session.
MIN_SECRET_KEY_LENGTH = 32
# Keys anyone can read: Flask's and other tutorials' defaults, and every example value in
# README.md, docs/ and deploy/ (a test checks that each one there is listed or refused).
KNOWN_WEAK_SECRETS = {
    "",
    "dev",
    "secret",
    "change-me",
    "changeme",
    "test",
    "replace-with-a-generated-key",
}
GENERATE_SECRET_KEY = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'

csrf = CSRFProtect()
UPLOAD_ENDPOINTS = {"consultant.upload", "evaluator.fidelity_import"}


def _defaults(app: Flask) -> dict:
    instance = Path(app.instance_path)
    return {
        "SECRET_KEY": None,
        "DATABASE": str(instance / "survey.db"),
        # Absolute base of links printed or sent; requests use their own host.
        "BASE_URL": "http://127.0.0.1:5000",
        "LINK_VALID_DAYS": 56,
        "FOLLOWUP_WEEKS": 26,
        "QUESTIONNAIRES_DIR": str(DATA_ROOT / "questionnaires"),
        "QUESTIONNAIRE_OVERRIDES_DIR": str(instance / "questionnaires"),
        "TRANSLATIONS_DIR": str(DATA_ROOT / "translations"),
        # A participant may leave the page open for hours before answering
        # the next question: the CSRF token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        # Pages send no Referer (security.py); posts are checked by their CSRF token instead.
        "WTF_CSRF_SSL_STRICT": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None: Secure exactly when BASE_URL is https (decided after loading config).
        "SESSION_COOKIE_SECURE": None,
        # Answers are small; uploads (participant imports) have their own limit.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "MAX_UPLOAD_LENGTH": 6 * 1024 * 1024,
        # Staff sessions: logged out after an idle hour, and at the latest after a working day.
        "STAFF_IDLE_MINUTES": 60,
        "STAFF_SESSION_HOURS": 12,
        # Sending (see scheduling.py and delivery.py).
        "REMINDER_DAYS": "3,7",
        "PRENOTICE_DAYS": None,
        "SMS_WINDOW": "09:00-20:00",
        "CONTACT_GRACE_DAYS": 14,
        "SMS_BACKEND": "console",
        "MAIL_BACKEND": "console",
        # Reports: counts below this are shown as "<5" and statistics from them hidden.
        "SUPPRESSION_THRESHOLD": 5,
        # Organisation rounds: the reminder to teams that have not answered, days before the deadline.
        "ROUND_REMINDER_DAYS": 7,
        # Behind a reverse proxy: how many proxies' X-Forwarded-For/-Proto to trust (0: none).
        "PROXY_COUNT": 0,
        # Rate limits per client address (limits.py); None: on, except in tests.
        "RATELIMIT_ENABLED": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LINK_RATE_LIMIT": "20 per minute;100 per hour",
        "LOGIN_RATE_LIMIT": "20 per minute;200 per hour",
    }


def _ensure_instance_config(app: Flask) -> bool:
    """Create ``instance/config.py`` with a random secret key; True when created now."""
    os.makedirs(app.instance_path, exist_ok=True)
    path = Path(app.instance_path) / "config.py"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(
            "# Created by survey_app at first start. Keep this file secret and out of git:\n"
            "# the key signs every participant's link and session.\n"
            f"SECRET_KEY = {secrets.token_urlsafe(48)!r}\n"
        )
    return True


def check_secret_key(key) -> None:
    """Refuse a missing, short or published key, in tests too: with it links and sessions can be forged."""
    key = str(key or "")
    if len(key) < MIN_SECRET_KEY_LENGTH or key.strip().lower() in KNOWN_WEAK_SECRETS:
        raise RuntimeError(
            f"SECRET_KEY is missing, shorter than {MIN_SECRET_KEY_LENGTH} characters or an example"
            " value from the documentation: anyone could forge links and sessions with it."
            f" Generate one with\n    {GENERATE_SECRET_KEY}\n"
            "and set it as SURVEY_APP_SECRET_KEY (or SECRET_KEY in instance/config.py)."
        )


def _served_locally(app: Flask) -> bool:
    """True while the app runs on this machine for development (links to 127.0.0.1 or localhost)."""
    host = app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return host in ("127.0.0.1", "localhost", "[::1]")


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
    app.config.from_mapping(_defaults(app))
    first_start = False
    if test_config is None:
        first_start = _ensure_instance_config(app)
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("SURVEY_APP")
    else:
        app.config.from_mapping(test_config)
    check_secret_key(app.config["SECRET_KEY"])
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")

    from . import db, logs, questionnaires
    from .web import i18n

    logs.mask_tokens_in_logs()

    db.init_app(app)
    applied = db.migrate(app.config["DATABASE"])
    app.extensions["questionnaires"] = questionnaires.load_all(
        Path(app.config["QUESTIONNAIRES_DIR"]), Path(app.config["QUESTIONNAIRE_OVERRIDES_DIR"])
    )
    i18n.init_app(app)

    @app.before_request
    def allow_uploads():
        # Before the CSRF check, which reads the form and with it the body.
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = app.config["MAX_UPLOAD_LENGTH"]

    csrf.init_app(app)

    from . import cli
    from .web import auth, error_pages, home, limits, security
    from .web.admin import bp as admin_bp
    from .web.consultant import bp as consultant_bp
    from .web.evaluator import bp as evaluator_bp
    from .web.participant import bp as participant_bp
    from .web.team import bp as team_bp

    security.init_app(app)
    error_pages.init_app(app)
    auth.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(participant_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(consultant_bp)
    app.register_blueprint(evaluator_bp)
    app.register_blueprint(admin_bp)
    cli.init_app(app)
    limits.init_app(app)
    if proxies := int(app.config["PROXY_COUNT"]):
        # The visitor's address and scheme as the proxy saw them (rate limits, login throttle, audit log).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    if first_start:
        print(
            f" * Første start: oprettede {Path(app.instance_path) / 'config.py'} med en ny "
            f"hemmelig nøgle og databasen {app.config['DATABASE']}"
            f" ({len(applied)} migreringer).\n"
            " * Opret en deltager og et link i en anden terminal (se README, 'A short tour'):\n"
            "     flask --app survey_app participants add KODE --municipality 259 --baseline 2025-05-01 --consent\n"
            "     flask --app survey_app invite KODE",
            file=sys.stderr,
        )
    if not app.config.get("TESTING") and (link := auth.first_admin_url(app)):
        if _served_locally(app):
            print(f" * Der er endnu ingen administrator. Opret den første her: {link}", file=sys.stderr)
        else:
            # On a server this would land in a log (logs.py): the operator asks for the link instead.
            print(
                " * Der er endnu ingen administrator. Opret den første med:\n"
                "     survey-app users create E-MAIL --role admin --link",
                file=sys.stderr,
            )
    return app
