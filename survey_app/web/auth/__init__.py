"""Logging in, roles, and scoping every staff page to what its user may see.

Staff log in with e-mail and password. The session lives on the server
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
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo

from ... import accounts, audit
from ...context import get_db
from ...db import transaction
from ...languages import UserError
from ..security import local_path

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


def _session_limits() -> dict:
    return {
        "idle": timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"]),
        "longest": timedelta(hours=current_app.config["STAFF_SESSION_HOURS"]),
    }


@login_manager.user_loader
def load_user(session_id: str):
    row, expired = accounts.resume_session(get_db(), session_id, **_session_limits())
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


def log_action(action: str, *, target: str | None = None, detail=None, db=None) -> None:
    """Record what the current user did in the audit log."""
    user = flask_login.current_user
    logged_in = user.is_authenticated
    audit.record(
        db or get_db(),
        action,
        actor=user.email if logged_in else "-",
        user_id=user.id if logged_in else None,
        target=target,
        detail=detail,
        address=client_address(),
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    repeat = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class FirstAdminForm(SetPasswordForm):
    email = EmailField(_l("Your e-mail"), validators=[DataRequired()])


def _home_url(user: StaffUser) -> str:
    return url_for(HOME_BY_ROLE[user.role])


def _start_session(row: dict) -> StaffUser:
    user = StaffUser(row, accounts.start_session(get_db(), row["id"], **_session_limits()))
    # Nothing from before login survives (no session fixation): no link binding,
    # no CSRF token; only the language the visitor chose.
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    flask_login.login_user(user)
    return user


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if flask_login.current_user.is_authenticated:
        return redirect(_home_url(current_staff()))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_db()
        try:
            row = accounts.authenticate(db, form.email.data, form.password.data)
        except accounts.LoginRefused as refused:
            error = refused.translate(_)
            account = refused.account
            with transaction(db):
                # Never what was typed: it may be a password typed in the wrong field.
                audit.record(
                    db,
                    "login_failed",
                    actor=account["email"] if account else "unknown account",
                    target=f"user:{account['id']}" if account else None,
                    address=client_address(),
                )
        else:
            with transaction(db):
                user = _start_session(row)
                log_action("login", db=db)
            return redirect(local_path(request.args.get("next")) or _home_url(user), code=303)
    elif session.pop("staff_session_expired", None):
        error = _("You were logged out after a period of inactivity. Please log in again.")
    # 401 for refused credentials, 422 for a form sent incomplete.
    status = 401 if error and request.method == "POST" else 422 if form.errors else 200
    refused = bool(error) and request.method == "POST"
    return render_template("staff/login.html", form=form, error=error, refused=refused), status


@bp.post("/logout")
@public
def logout():
    if flask_login.current_user.is_authenticated:
        db = get_db()
        with transaction(db):
            log_action("logout", db=db)
            accounts.end_session(db, current_staff().session_id)
    flask_login.logout_user()
    session.clear()
    flash(_("You are logged out."))
    return redirect(url_for(".login"), code=303)


@bp.route("/adgangskode/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    """The one-time link that lets a user set (or reset) their password."""
    db = get_db()
    row = accounts.user_for_set_password_token(db, current_app.config["SECRET_KEY"], token)
    if row is None:
        abort(404)
    form = SetPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            with transaction(db):
                accounts.set_password(db, row["id"], form.password.data)
                user = _start_session(accounts.get(db, row["id"]))
                log_action("password_set", target=f"user:{row['id']}", db=db)
        except UserError as problem:
            error = problem.translate(_)
        else:
            return redirect(_home_url(user), code=303)
    return render_template("staff/set_password.html", form=form, user=row, error=error)


@bp.route("/opsaetning/<token>", methods=["GET", "POST"])
@public
def first_admin(token: str):
    """Create the first admin, by the link printed at start while there is none."""
    db = get_db()
    if accounts.any_admin(db) or not accounts.first_admin_token_valid(
        db, current_app.config["SECRET_KEY"], token
    ):
        abort(404)
    form = FirstAdminForm()
    error = None
    if form.validate_on_submit():
        try:
            with transaction(db):
                row = accounts.create_first_admin(db, email=form.email.data, password=form.password.data)
                user = _start_session(row)
                log_action("user_created", target=f"user:{user.id}", detail={"role": "admin"}, db=db)
        except UserError as problem:
            error = problem.translate(_)
        else:
            return redirect(_home_url(user), code=303)
    return render_template("staff/first_admin.html", form=form, error=error)


def first_admin_url(app) -> str | None:
    """The link to create the first admin, or None when an admin exists."""
    from ...db import connect

    db = connect(app.config["DATABASE"])
    try:
        if accounts.any_admin(db):
            return None
        token = accounts.first_admin_token(db, app.config["SECRET_KEY"])
    finally:
        db.close()
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        return url_for("auth.first_admin", token=token, _external=True)


def init_app(app) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)
