"""The admin's pages for organisation rounds: open, follow and close rounds; edit team contacts.

The same rules as the ``rounds`` and ``teams`` commands (see ``rounds.py``);
every change is written to the audit log.
"""

from __future__ import annotations

import base64

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from ... import clock, importing, rounds
from ...context import all_questionnaires, get_db, plan_round_messages, team_link
from ...db import transaction
from ...languages import UserError
from ...questionnaires import localise
from ...rounds import contact_imports
from ..auth import current_actor, role_required
from ..forms import show_error
from ..i18n import current_language
from . import bp
from .forms import CHOSEN, OpenRoundForm, TeamContactForm, TeamContactsConfirmForm, TeamContactsUploadForm


def _round_or_404(round_id: int) -> dict:
    row = rounds.get_round(get_db(), round_id)
    if row is None:
        abort(404)
    return row


@bp.get("/runder")
@role_required("admin")
def rounds_list():
    """Every round with how many teams opened and answered."""
    today = clock.today()
    all_rounds = rounds.list_rounds(get_db())
    for row in all_rounds:
        row["closed"] = rounds.is_closed(row, today)
    return render_template("admin/rounds.html", rounds=all_rounds)


@bp.route("/runder/ny", methods=["GET", "POST"])
@role_required("admin")
def open_round():
    db = get_db()
    form = OpenRoundForm()
    questionnaires = rounds.round_questionnaires(all_questionnaires())
    form.questionnaire.choices = [
        SelectChoice(key, localise(q.title, current_language())) for key, q in sorted(questionnaires.items())
    ]
    contacts = {row["code"]: row for row in rounds.team_contacts(db)}
    form.municipalities.choices = [
        SelectChoice(
            code,
            f"{row['municipality_name']} ({code})" + ("" if row["email"] else " – " + _("no team contact")),
        )
        for code, row in contacts.items()
    ]
    if form.validate_on_submit():
        codes = form.municipalities.data if form.scope.data == CHOSEN else None
        now = clock.now()
        try:
            with transaction(db):
                round_row, teams = rounds.open_round(
                    db,
                    name=form.name.data,
                    questionnaire=questionnaires[form.questionnaire.data],
                    deadline=form.deadline.data,
                    municipality_codes=codes,
                    actor=current_actor(),
                    now=now,
                )
        except rounds.RoundError as error:
            show_error(form, error)
        else:
            planned = plan_round_messages(db, now)
            flash(
                ngettext(
                    "The round is open for %(num)s municipality.",
                    "The round is open for %(num)s municipalities.",
                    len(teams),
                )
                + " "
                + ngettext(
                    "%(num)s e-mail with the link is in the outbox and goes out at the next send-due run.",
                    "%(num)s e-mails with the link are in the outbox and go out at the next send-due run.",
                    planned["round"],
                )
            )
            return redirect(url_for(".round_detail", round_id=round_row["id"]), code=303)
    with_contact = sum(1 for row in contacts.values() if row["email"])
    return render_template("admin/round_open.html", form=form, with_contact=with_contact), (
        422 if form.errors else 200
    )


@bp.get("/runder/<int:round_id>")
@role_required("admin")
def round_detail(round_id: int):
    """Per municipality: not opened, opened or answered, and the last change; each team's link."""
    row = _round_or_404(round_id)
    teams = rounds.team_statuses(get_db(), round_id)
    for team in teams:
        team["link"] = team_link(team)
    return render_template(
        "admin/round.html",
        round=row,
        teams=teams,
        closed=rounds.is_closed(row, clock.today()),
        answered=sum(1 for team in teams if team["status"] == rounds.ANSWERED),
    )


@bp.post("/runder/<int:round_id>/luk")
@role_required("admin")
def close_round(round_id: int):
    """Close a round before its deadline: the links stop working at once, and nothing more is sent."""
    row = _round_or_404(round_id)
    db = get_db()
    try:
        with transaction(db):
            rounds.close_round(db, round_id, clock.now(), actor=current_actor())
    except UserError as error:
        flash(error.translate(_))
    else:
        flash(_("The round %(name)s is closed.", name=row["name"]))
    return redirect(url_for(".round_detail", round_id=round_id), code=303)


@bp.get("/teams")
@role_required("admin")
def team_contacts():
    """Every municipality's IPS team contact, where round links are e-mailed."""
    return render_template("admin/team_contacts.html", contacts=rounds.team_contacts(get_db()))


@bp.route("/teams/import", methods=["GET", "POST"])
@role_required("admin")
def import_team_contacts():
    """Team contacts from a CSV file: first what would change, then (one more press) the import."""
    db = get_db()
    upload, confirm = TeamContactsUploadForm(), TeamContactsConfirmForm()
    parsed, content = None, None
    if "content" in request.form and confirm.validate_on_submit():
        try:
            data = base64.b64decode(confirm.content.data, validate=True)
        except ValueError:
            abort(400)
        parsed = contact_imports.parse_contacts(db, data)
        if not parsed.errors:
            contact_imports.import_contacts(db, parsed, actor=current_actor(), now=clock.now())
            flash(_contacts_summary(parsed, done=True))
            return redirect(url_for(".team_contacts"), code=303)
    elif "content" not in request.form and upload.validate_on_submit():
        data = upload.file.data.read(contact_imports.MAX_BYTES + 1)
        parsed = contact_imports.parse_contacts(db, data)
        content = base64.b64encode(data).decode("ascii")
    problems = importing.error_report(parsed.errors, _) if parsed else []
    status = 422 if problems or upload.errors else 200
    return render_template(
        "admin/team_contacts_import.html",
        form=upload,
        parsed=None if problems else parsed,
        problems=problems,
        content=content,
        summary=_contacts_summary(parsed) if parsed and not problems else None,
    ), status


def _contacts_summary(parsed, *, done: bool = False) -> str:
    counts = [
        ngettext(
            "%(num)s new team contact", "%(num)s new team contacts", parsed.count(contact_imports.ADDED)
        ),
        ngettext("%(num)s changed", "%(num)s changed", parsed.count(contact_imports.CHANGED)),
        ngettext("%(num)s unchanged", "%(num)s unchanged", parsed.count(contact_imports.UNCHANGED)),
    ]
    text = ", ".join(counts)
    return _("Imported: %(counts)s.", counts=text) if done else _("The file gives %(counts)s.", counts=text)


@bp.route("/teams/<code>", methods=["GET", "POST"])
@role_required("admin")
def team_contact(code: str):
    db = get_db()
    current = next((row for row in rounds.team_contacts(db) if row["code"] == code), None)
    if current is None:
        abort(404)
    form = TeamContactForm(
        data=None
        if request.method == "POST"
        else {"email": current["email"], "name": current["name"], "language": current["language"] or "da"}
    )
    if form.validate_on_submit():
        try:
            with transaction(db):
                rounds.set_team_contact(
                    db,
                    code,
                    email=form.email.data,
                    name=form.name.data,
                    actor=current_actor(),
                    now=clock.now(),
                    language=form.language.data or None,
                )
        except UserError as error:
            show_error(form, error, "language" if "language" in error.message else "email")
        else:
            flash(
                _("The team contact of %(municipality)s is saved.", municipality=current["municipality_name"])
            )
            return redirect(url_for(".team_contacts"), code=303)
    return render_template("admin/team_contact.html", form=form, contact=current), 422 if form.errors else 200
