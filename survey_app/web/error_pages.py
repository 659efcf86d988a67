"""Error pages in the visitor's language, with the status that fits."""

import logging
import sqlite3

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import postgres
from . import UPLOAD_ENDPOINTS

# Staff pages (and any error a logged-in staff member meets) name no support contact: it is
# for participants and teams.
STAFF_BLUEPRINTS = {"consultant", "evaluator", "admin", "auth"}


def _page(status: int, title: str, message: str):
    return render_template(
        "error.html",
        title=title,
        message=message,
        support=request.blueprint not in STAFF_BLUEPRINTS and not current_user.is_authenticated,
        team_voice=request.blueprint == "team",
    ), status


def handle_http_error(error: HTTPException):
    messages = {
        400: (
            _("Something went wrong"),
            _(
                "The page could not understand what was sent. Nothing was saved. Please go back and try again."
            ),
        ),
        403: (_("Not allowed"), _("You do not have access to this page.")),
        404: (
            _("Page not found"),
            _(
                "We could not find this page. If you followed a link from a text message or e-mail, check that the whole link was copied."
            ),
        ),
        405: (
            _("Something went wrong"),
            _(
                "The page could not understand what was sent. Nothing was saved. Please go back and try again."
            ),
        ),
        410: (_("This link no longer works"), _("The link has expired or been withdrawn.")),
        413: (
            _("Too much text"),
            _("What you sent was too long. Nothing was saved. Please shorten it and try again."),
        ),
        429: (
            _("Too many attempts"),
            _(
                "There were too many attempts from your connection in a short time. Please wait a few minutes and try again."
            ),
        ),
    }
    if error.code == 413 and request.endpoint in UPLOAD_ENDPOINTS:
        messages[413] = (
            _("The file is too large"),
            _(
                "The file is too large to upload. Nothing was imported. Split it into smaller files and upload them one at a time."
            ),
        )
    title, message = messages.get(error.code, (_("Something went wrong"), _("Please try again later.")))
    return _page(error.code or 500, title, message)


def handle_csrf_error(error: CSRFError):
    return _page(
        400,
        _("The page had expired"),
        _(
            "For your safety the page had expired, so nothing was saved. Please open the link you received again and continue where you left off."
        ),
    )


def handle_server_error(error):
    return _page(
        500,
        _("Something went wrong"),
        _(
            "An error occurred on our side. Your earlier answers are saved. Please try again in a little while."
        ),
    )


# Asked of a visitor (and of proxies) when the database stayed locked; seconds.
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("survey_app.errors")


def _database_busy(error: sqlite3.OperationalError) -> bool:
    """True for SQLite's "database is locked" (SQLITE_BUSY) and "table is locked" (SQLITE_LOCKED)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return str(error).startswith(("database is locked", "database table is locked"))


def handle_database_busy(error: sqlite3.OperationalError):
    """Another writer held the database longer than the busy timeout (``db.BUSY_TIMEOUT_SECONDS``).

    Nothing was written: the write that waited never began its
    transaction, or was rolled back (``db.transaction``). The visitor gets
    a 503 asking to try again shortly instead of a 500; any other
    OperationalError is a real fault and goes on to the 500 handler.
    """
    if not _database_busy(error):
        raise error
    return _busy_page()


def handle_write_lock_timeout(error):
    """PostgreSQL: the write lock (``db.transaction``) was held longer than the lock timeout
    (``postgres.LOCK_TIMEOUT_SECONDS``); as SQLite's busy timeout, nothing was written."""
    return _busy_page()


def _busy_page():
    # The endpoint, never the path: a participant's path holds their link.
    log.warning("database locked for longer than the busy timeout: %s %s", request.method, request.endpoint)
    body, status = _page(
        503,
        _("Something went wrong"),
        _(
            "An error occurred on our side. Your earlier answers are saved. Please try again in a little while."
        ),
    )
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(sqlite3.OperationalError, handle_database_busy)
    if postgres.is_url(app.config["DATABASE"]):
        from psycopg.errors import LockNotAvailable

        app.register_error_handler(LockNotAvailable, handle_write_lock_timeout)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
