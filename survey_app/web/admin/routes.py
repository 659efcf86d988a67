"""Routes of the admin's pages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from ... import accounts, audit, clock, labels, messaging, places, two_factor
from ...context import external_url, get_db, set_password_url
from ...db import transaction
from ...languages import DEFAULT_LANGUAGE, LANGUAGES, UserError
from ..auth import current_actor, log_action, role_required
from ..forms import show_error
from . import bp
from .forms import ClusterForm, OtherLanguageTemplateForm, TemplateForm, UserForm


def _municipality_choices() -> list[SelectChoice]:
    return [SelectChoice(code, f"{name} ({code})") for code, name in places.municipality_choices(get_db())]


def _user_or_404(db, user_id: int) -> dict:
    row = accounts.get(db, user_id)
    if row is None:
        abort(404)
    return row


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def home():
    """Users, and a form to create one; a new user gets a one-time link to set a password."""
    form = UserForm()
    form.municipalities.choices = _municipality_choices()
    new_link = None
    if form.validate_on_submit():
        db = get_db()
        try:
            with transaction(db):
                user = accounts.create_user(
                    db,
                    email=form.email.data,
                    role=form.role.data,
                    municipalities=form.municipalities.data,
                    name=form.name.data,
                    actor=current_actor(),
                )
        except UserError as error:
            show_error(form, error, "email")
        else:
            new_link = (user, set_password_url(user))
            form = UserForm(formdata=None)
            form.municipalities.choices = _municipality_choices()
    users = accounts.list_users(get_db())
    status = 422 if form.errors else 200
    return render_template("admin/users.html", users=users, form=form, new_link=new_link), status


@bp.route("/brugere/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def user(user_id: int):
    db = get_db()
    row = _user_or_404(db, user_id)
    form = UserForm(
        data=None
        if request.method == "POST"
        else {**row, "municipalities": row["municipalities"], "disabled": bool(row["disabled_at"])}
    )
    form.municipalities.choices = _municipality_choices()
    form.email.data = row["email"]  # the e-mail is the login; it is not changed here
    if form.validate_on_submit():
        try:
            with transaction(db):
                accounts.update_user(
                    db,
                    user_id,
                    role=form.role.data,
                    municipalities=form.municipalities.data,
                    name=form.name.data,
                    disabled=form.disabled.data,
                    actor=current_actor(),
                )
        except UserError as error:
            show_error(form, error, "role")
        else:
            flash(_("The changes are saved."))
            return redirect(url_for(".home"), code=303)
    return render_template(
        "admin/user.html", form=form, user=row, enrolled=two_factor.is_enrolled(row)
    ), 422 if form.errors else 200


@bp.post("/brugere/<int:user_id>/link")
@role_required("admin")
def password_link(user_id: int):
    """A new one-time link for a user who has not set, or has forgotten, the password."""
    db = get_db()
    row = _user_or_404(db, user_id)
    with transaction(db):
        log_action("password_link_created", target=f"user:{user_id}", db=db)
    return render_template("admin/link.html", user=row, link=set_password_url(row))


@bp.route("/brugere/<int:user_id>/kode", methods=["GET", "POST"])
@role_required("admin")
def reset_two_factor(user_id: int):
    """Reset a user's second factor (a lost phone), after a confirmation page: their sessions end,
    and they set up a new app at their next login."""
    db = get_db()
    row = _user_or_404(db, user_id)
    form = FlaskForm()
    if form.validate_on_submit():
        two_factor.reset(db, user_id, actor=current_actor())
        flash(
            _(
                "The login code of %(email)s is reset: they set up their app again at their next login.",
                email=row["email"],
            )
        )
        return redirect(url_for(".user", user_id=user_id), code=303)
    return render_template("admin/reset_two_factor.html", user=row, form=form)


def _password_email(user: dict, link: str) -> tuple[str, str]:
    """The subject and text of the e-mail with a set-password link, in Danish (users have no language)."""
    with force_locale(DEFAULT_LANGUAGE):
        greeting = _("Hello %(name)s,", name=user["name"]) if user["name"] else _("Hello,")
        role = _(labels.ROLE[user["role"]])
        paragraphs = [
            greeting,
            _("You have a user account in the IPS survey (%(role)s). Choose your password here:", role=role),
            link,
            _(
                "The link works once, for %(hours)s hours. If you did not expect this e-mail, you can ignore it.",
                hours=accounts.SET_PASSWORD_LINK_HOURS,
            ),
        ]
        return _("Choose your password for the IPS survey"), "\n\n".join(paragraphs) + "\n"


@bp.post("/brugere/<int:user_id>/link/send")
@role_required("admin")
def email_password_link(user_id: int):
    """E-mail the link the admin was just shown to the user's own address (the link itself, not a new one)."""
    db = get_db()
    row = _user_or_404(db, user_id)
    token = request.form.get("token", "")
    shown_for = accounts.user_for_set_password_token(db, current_app.config["SECRET_KEY"], token)
    if shown_for is None or shown_for["id"] != user_id:
        flash(
            _("That link no longer works (a newer one was made, or it was used or expired). Make a new one.")
        )
        return redirect(url_for(".user", user_id=user_id), code=303)
    link = external_url("auth.set_password", token=token)
    subject, body = _password_email(row, link)
    try:
        accounts.email_set_password_link(
            db, current_app.config, row, subject=subject, body=body, actor=current_actor()
        )
    except UserError as error:
        return render_template("admin/link.html", user=row, link=link, error=error.translate(_)), 502
    flash(_("The link is e-mailed to %(email)s.", email=row["email"]))
    return redirect(url_for(".user", user_id=user_id), code=303)


@bp.route("/klynger", methods=["GET", "POST"])
@bp.route("/klynger/<int:cluster_id>", methods=["GET", "POST"])
@role_required("admin")
def clusters(cluster_id: int | None = None):
    """IPS clusters: add one, or change the name and municipalities of one."""
    db = get_db()
    current = None
    if cluster_id is not None:
        current = next((c for c in places.clusters(db) if c["id"] == cluster_id), None)
        if current is None:
            abort(404)
    data = (
        {"name": current["name"], "municipalities": [m["code"] for m in current["municipalities"]]}
        if current
        else None
    )
    form = ClusterForm(data=None if request.method == "POST" else data)
    form.municipalities.choices = _municipality_choices()
    if form.validate_on_submit():
        try:
            # A crafted post may name a municipality twice; it is one membership.
            places.save_cluster(
                db,
                cluster_id,
                form.name.data.strip(),
                sorted(set(form.municipalities.data)),
                actor=current_actor(),
            )
        except UserError as error:
            show_error(form, error, "municipalities")
        else:
            flash(_("The cluster is saved."))
            return redirect(url_for(".clusters"), code=303)
    return render_template("admin/clusters.html", clusters=places.clusters(db), form=form, current=current), (
        422 if form.errors else 200
    )


@bp.route("/beskeder", methods=["GET"])
@bp.route("/beskeder/<key>", methods=["GET", "POST"])
@role_required("admin")
def templates(key: str | None = None):
    """The texts of SMS and e-mails in every language; SMS are checked to fit 160 characters with a real link.

    Danish is required; in another language an empty text means that language sends the Danish one.
    """
    db = get_db()
    language = request.args.get("sprog", DEFAULT_LANGUAGE)  # ?sprog=en edits the English text
    if (key is not None and key not in messaging.TEMPLATE_KEYS) or language not in LANGUAGES:
        abort(404)
    form = (OtherLanguageTemplateForm if language != DEFAULT_LANGUAGE else TemplateForm)(
        data=None
        if request.method == "POST" or key is None
        else {"text": messaging.own_text(db, key, language)}
    )
    if key is not None and form.validate_on_submit():
        text = (form.text.data or "").replace("\r\n", "\n")
        try:
            with transaction(db):
                messaging.save_template(db, key, text, actor=current_actor(), language=language)
        except UserError as error:
            show_error(form, error, "text")
        else:
            flash(_("The text is saved."))
            return redirect(url_for(".templates"), code=303)
    texts = [
        (name, [(code, messaging.own_text(db, name, code)) for code in LANGUAGES])
        for name in messaging.TEMPLATE_KEYS
    ]
    return render_template(
        "admin/templates.html",
        texts=texts,
        key=key,
        language=language,
        form=form,
        labels=messaging.TEMPLATE_LABELS,
    ), 422 if form.errors else 200


@bp.get("/udbakke")
@role_required("admin")
def outbox():
    """The newest messages and what became of them. Bodies only for the console channel (development)."""
    rows = list(
        get_db().query(
            "SELECT message.*, COALESCE(participant.code, 'team-' || round_team.municipality_code) AS code,"
            " COALESCE(participant.municipality_code, round_team.municipality_code) AS municipality_code"
            " FROM message LEFT JOIN participant ON participant.id = message.participant_id"
            " LEFT JOIN round_team ON round_team.id = message.round_team_id ORDER BY message.id DESC LIMIT 200"
        )
    )
    console = {
        "sms": current_app.config.get("SMS_BACKEND", "console") == "console",
        "email": current_app.config.get("MAIL_BACKEND", "console") == "console",
    }
    return render_template("admin/outbox.html", rows=rows, console=console)


@bp.get("/log")
@role_required("admin")
def log():
    before = request.args.get("før", type=int)
    entries = audit.entries(get_db(), limit=100, before_id=before)
    return render_template("admin/log.html", entries=entries, now=clock.now())
