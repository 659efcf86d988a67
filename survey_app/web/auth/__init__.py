"""Logging in, roles, and scoping every staff page to what its user may see.

Staff log in with e-mail and password, and most with a code as well
(``two_factor_pages``). The session lives on the server
(``accounts.start_session``): the cookie holds only its random id, checked
on every request by the user loader. Logout, a password change and
disabling the user end it there, and it ends after ``STAFF_IDLE_MINUTES``
without a request and at the latest ``STAFF_SESSION_HOURS`` after login,
so a copied cookie stops working at once.

Roles:

- ``admin``: users, clusters, message templates, the audit log and outbox.
- ``consultant``: participants of their own municipalities, never answers.
- ``evaluator``: aggregated results and exports, never contact details.

A consultant who asks for a participant of another municipality gets 404,
exactly as for one that does not exist, so nothing can be learnt by guessing.
"""

from __future__ import annotations

import functools
from datetime import timedelta

import flask_login
from flask import Blueprint, abort, current_app, request, session
from flask_babel import lazy_gettext as _l

from ... import accounts, audit
from ...context import get_db

bp = Blueprint("auth", __name__)
login_manager = flask_login.LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.session_protection = "basic"

HOME_BY_ROLE = {"admin": "admin.home", "consultant": "consultant.home", "evaluator": "evaluator.home"}


class StaffUser(flask_login.UserMixin):
    """The logged-in user, wrapping their row."""

    def __init__(self, row: dict, session_id: str):
        self.row = row
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id

    @property
    def id(self) -> int:
        return self.row["id"]

    @property
    def email(self) -> str:
        return self.row["email"]

    @property
    def role(self) -> str:
        return self.row["role"]

    @property
    def municipalities(self) -> list[str]:
        return self.row["municipalities"]


def session_limits() -> dict:
    return {
        "idle": timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"]),
        "longest": timedelta(hours=current_app.config["STAFF_SESSION_HOURS"]),
    }


@login_manager.user_loader
def load_user(session_id: str):
    row, expired = accounts.resume_session(get_db(), session_id, **session_limits())
    if row is None:
        session.pop("_user_id", None)
        if expired:
            session["staff_session_expired"] = True  # said on the login page
        return None
    return StaffUser(row, session_id)


def current_staff() -> StaffUser:
    return flask_login.current_user._get_current_object()


def role_required(*roles: str):
    """Only logged-in users with one of ``roles``; anyone else logged in gets 404."""

    def decorator(view):
        @functools.wraps(view)
        @flask_login.login_required
        def wrapped(*args, **kwargs):
            if current_staff().role not in roles:
                abort(404)
            return view(*args, **kwargs)

        wrapped.roles = roles
        return wrapped

    return decorator


def public(view):
    """Mark a view as open to everyone (the route classification test reads this)."""
    view.roles = ("public",)
    return view


def allowed_municipalities() -> set[str]:
    """The municipality codes the current user may see participants of."""
    user = current_staff()
    return set(user.municipalities) if user.role == "consultant" else set()


def client_address() -> str:
    return request.remote_addr or "-"


def current_actor() -> audit.Actor:
    """Who makes a change in this request: the logged-in user and the address they came from."""
    user = flask_login.current_user
    if user.is_authenticated:
        return audit.Actor(user.email, user.id, client_address())
    return audit.Actor("-", None, client_address())


def log_action(action: str, *, target: str | None = None, detail=None, db=None) -> None:
    """Record what the current user did in the audit log (what they saw or sent; a domain function
    that changes data records its own row, given :func:`current_actor`)."""
    audit.record(db or get_db(), action, actor=current_actor(), target=target, detail=detail)


def start_staff_session(row: dict) -> StaffUser:
    """Log the user in: a new server-side session, and nothing kept from before it."""
    user = StaffUser(row, accounts.start_session(get_db(), row["id"], **session_limits()))
    # Nothing from before login survives (no session fixation): no link binding,
    # no CSRF token, no login waiting for its code; only the language the visitor chose.
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    flask_login.login_user(user)
    return user


def init_app(app) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)


from . import routes, two_factor_pages  # noqa: E402,F401  (routes register themselves on bp)
from .routes import first_admin_url  # noqa: E402,F401  (create_app prints it at a first start)
