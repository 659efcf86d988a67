"""The second step of a staff login (the code, or enrolling at the first login) and a user's
recovery codes; the domain is ``two_factor``.

Between the right password and the right code the user is not logged in: the (signed) Flask
session holds only their id, where to go next and until when (``two_factor.PENDING_LIFETIME``).
No staff session is started before the code is right.
"""

from __future__ import annotations

import flask_login
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ... import accounts, clock, two_factor
from ...context import get_db
from ...messaging import qr_svg
from ..security import local_path
from . import (
    HOME_BY_ROLE,
    bp,
    client_address,
    current_actor,
    current_staff,
    public,
    role_required,
    start_staff_session,
)
from .forms import CodeForm

PENDING = "two_factor_pending"


def needs_code(row: dict) -> bool:
    return accounts.needs_second_factor(row, consultants=current_app.config["STAFF_TWO_FACTOR_CONSULTANTS"])


def start_pending(row: dict, next_path: str | None):
    """After the right password: remember the user for the code's page, and send them there.

    Nothing from before survives but the language (as when a session starts), so a session made
    before the password cannot be carried over.
    """
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session[PENDING] = {
        "user_id": row["id"],
        "until": clock.isoformat(clock.now() + two_factor.PENDING_LIFETIME),
        "next": local_path(next_path),
    }
    return redirect(url_for(".login_code"), code=303)


def _pending_user() -> tuple[dict | None, str | None]:
    """``(user, next path)`` of the login waiting for its code; None when there is none (or it is
    too old, said on the login page)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, None
    if clock.now() > clock.parse(pending["until"]):
        session.pop(PENDING, None)
        flash(_("Too much time passed since you typed your password. Please log in again."))
        return None, None
    row = accounts.get(get_db(), pending["user_id"])
    if row is None or row["disabled_at"] or not row["password_hash"]:
        session.pop(PENDING, None)
        return None, None
    return row, pending.get("next")


def _issuer() -> str:
    """What the app names the account after: the installation's host (several may share one app)."""
    return current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0]


@bp.route("/login/kode", methods=["GET", "POST"])
@public
def login_code():
    """The code after the password; at the first login, enrolling the app (QR code) instead."""
    if flask_login.current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_staff().role]))
    row, next_path = _pending_user()
    if row is None:
        return redirect(url_for(".login"), code=303)
    db = get_db()
    form = CodeForm()
    error = None
    if not two_factor.is_enrolled(row):
        secret = two_factor.pending_secret(db, row["id"])
        if form.validate_on_submit():
            try:
                user, codes = two_factor.confirm_enrolment(
                    db, row["id"], form.code.data, address=client_address()
                )
            except accounts.LoginRefused as refused:
                error = refused.translate(_)
            else:
                staff = start_staff_session(user)
                return render_template(
                    "staff/recovery_codes.html",
                    codes=codes,
                    continue_url=next_path or url_for(HOME_BY_ROLE[staff.role]),
                )
        uri = two_factor.provisioning_uri(secret, row["email"], _issuer())
        status = 401 if error else 422 if form.errors else 200
        return render_template(
            "staff/enrol.html",
            form=form,
            error=error,
            qr=qr_svg(uri),
            secret=two_factor.grouped(secret),
            user=row,
        ), status
    if form.validate_on_submit():
        try:
            user = two_factor.check_code(db, row["id"], form.code.data, address=client_address())
        except accounts.LoginRefused as refused:
            error = refused.translate(_)
        else:
            staff = start_staff_session(user)
            return redirect(next_path or url_for(HOME_BY_ROLE[staff.role]), code=303)
    status = 401 if error else 422 if form.errors else 200
    return render_template("staff/login_code.html", form=form, error=error, user=row), status


@bp.route("/konto/reservekoder", methods=["GET", "POST"])
@role_required(*accounts.ROLES)
def recovery_codes():
    """How many recovery codes are left; new ones (the old ones stop working), shown once."""
    db = get_db()
    user = current_staff()
    row = accounts.get(db, user.id)
    form = FlaskForm()
    if not two_factor.is_enrolled(row):
        return render_template("staff/recovery_codes_left.html", form=form, enrolled=False, left=0)
    if request.method == "POST" and form.validate_on_submit():
        codes = two_factor.new_recovery_codes(db, user.id, actor=current_actor())
        return render_template(
            "staff/recovery_codes.html", codes=codes, continue_url=url_for(HOME_BY_ROLE[user.role])
        )
    left = two_factor.recovery_codes_left(db, user.id)
    return render_template("staff/recovery_codes_left.html", form=form, enrolled=True, left=left)
