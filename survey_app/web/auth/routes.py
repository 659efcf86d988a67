"""Logging in and out, setting a password from a one-time link, and creating the first admin."""

from __future__ import annotations

import flask_login
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ... import accounts, audit
from ...context import get_db
from ...db import transaction
from ...languages import UserError
from ..security import local_path
from . import (
    HOME_BY_ROLE,
    StaffUser,
    bp,
    client_address,
    current_actor,
    current_staff,
    public,
    start_staff_session,
)
from .forms import FirstAdminForm, LoginForm, SetPasswordForm
from .two_factor_pages import needs_code, start_pending


def _home_url(user: StaffUser) -> str:
    return url_for(HOME_BY_ROLE[user.role])


def _logged_in(row: dict, next_path: str | None = None):
    """Where a right password leads: the code's page when the user needs one, else logged in and home
    (or to ``next_path``)."""
    if needs_code(row):
        return start_pending(row, next_path)
    user = start_staff_session(row)
    return redirect(local_path(next_path) or _home_url(user), code=303)


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
            row = accounts.authenticate(
                db,
                form.email.data,
                form.password.data,
                address=client_address(),
                two_factor_consultants=current_app.config["STAFF_TWO_FACTOR_CONSULTANTS"],
            )
        except accounts.LoginRefused as refused:
            error = refused.translate(_)
        else:
            return _logged_in(row, request.args.get("next"))
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
        accounts.end_session(db, current_staff().session_id, actor=current_actor())
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
                actor = audit.Actor(row["email"], row["id"], client_address())
                accounts.set_password(db, row["id"], form.password.data, actor=actor)
                response = _logged_in(accounts.get(db, row["id"]))
        except UserError as problem:
            error = problem.translate(_)
        else:
            return response
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
                row = accounts.create_first_admin(
                    db, email=form.email.data, password=form.password.data, address=client_address()
                )
                response = _logged_in(row)  # the code's page: an admin enrols at once
        except UserError as problem:
            error = problem.translate(_)
        else:
            return response
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
