"""The app's settings before any file or variable changes them, the secret key's rules, and where
the data files are (questionnaires and message catalogues).

In a checkout (and an editable install) they are the top-level folders
``questionnaires/`` and ``translations/`` beside the package. A wheel
installs them as data files under ``<prefix>/share/survey-app/`` (see
``[options.data_files]`` in ``setup.cfg``), where ``<prefix>`` is the venv.

This module imports no Flask.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_DATA = Path(sys.prefix) / "share" / "survey-app"


def data_root() -> Path:
    """The folder holding ``questionnaires/`` and ``translations/``."""
    if (PROJECT_ROOT / "questionnaires").is_dir():
        return PROJECT_ROOT
    return INSTALLED_DATA


DATA_ROOT = data_root()

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


def defaults(instance_path: str) -> dict:
    """The settings before ``instance/config.py``, the environment or a test change them."""
    instance = Path(instance_path)
    return {
        "SECRET_KEY": None,
        "DATABASE": str(instance / "survey.db"),
        # Absolute base of links printed or sent; requests use their own host.
        "BASE_URL": "http://127.0.0.1:5000",
        "LINK_VALID_DAYS": 56,
        "FOLLOWUP_WEEKS": 26,
        # A link is not sent or shown earlier than this many days before the follow-up date,
        # unless the consultant confirms "send early" with a reason.
        "EARLY_INVITE_DAYS": 14,
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
        # Admins and evaluators always log in with a code from an app as well (two_factor.py);
        # consultants too unless this is false.
        "STAFF_TWO_FACTOR_CONSULTANTS": True,
        # Sending (see scheduling.py and delivery.py).
        "REMINDER_DAYS": "3,7",
        "PRENOTICE_DAYS": None,
        "SMS_WINDOW": "09:00-20:00",
        "CONTACT_GRACE_DAYS": 14,
        # Answers are anonymised (or deleted) this many years after the participant's part ended.
        "RETENTION_YEARS": 5,
        "RETENTION_ACTION": "anonymise",
        "SMS_BACKEND": "console",
        "MAIL_BACKEND": "console",
        # send-due in a background thread of the serving app (send_due.py): None is "under flask run".
        "SEND_IN_BACKGROUND": None,
        "SEND_INTERVAL_MINUTES": 15,
        # Reports: counts below this are shown as "<5" and statistics from them hidden.
        "SUPPRESSION_THRESHOLD": 5,
        # Organisation rounds: the reminder to teams that have not answered, days before the deadline.
        "ROUND_REMINDER_DAYS": 7,
        # Whom participants and teams can contact with questions (support.py); a municipality's
        # own contact (admin page) comes first. All empty: the pages name the employment specialist.
        "SUPPORT_NAME": None,
        "SUPPORT_PHONE": None,
        "SUPPORT_EMAIL": None,
        # Behind a reverse proxy: how many proxies' X-Forwarded-For/-Proto to trust (0: none).
        "PROXY_COUNT": 0,
        # Rate limits per client address (limits.py); None: on, except in tests.
        "RATELIMIT_ENABLED": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Redis out of reach: count in the worker's memory until it answers again, rather than
        # answering every link and login with an error (Flask-Limiter checks back now and then).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LINK_RATE_LIMIT": "20 per minute;100 per hour",
        "LOGIN_RATE_LIMIT": "20 per minute;200 per hour",
    }


def ensure_instance_config(instance_path: str) -> bool:
    """Create ``instance/config.py`` with a random secret key; True when created now."""
    os.makedirs(instance_path, exist_ok=True)
    path = Path(instance_path) / "config.py"
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


def flag(value, name: str) -> bool | None:
    """An on/off setting as set in config.py (True/False/None) or the environment (true, 0, off...)."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    if text in ("", "none", "null"):
        return None
    raise RuntimeError(f"{name} must be true or false, not {value!r}.")


def two_factor_consultants(value) -> bool:
    """``STAFF_TWO_FACTOR_CONSULTANTS`` as a bool: on unless set to false; anything but an on/off
    value stops the start, since a typo must not switch a second factor off."""
    setting = flag(value, "STAFF_TWO_FACTOR_CONSULTANTS")
    return True if setting is None else setting


def served_locally(base_url: str) -> bool:
    """True while the app runs on this machine for development (links to 127.0.0.1 or localhost)."""
    host = base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return host in ("127.0.0.1", "localhost", "[::1]")
