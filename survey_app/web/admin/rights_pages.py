"""The admin's pages for participants' rights: an access request (everything held about a
participant, on the page or as a file to send them) and an erasure, as ``participants show`` and
``participants erase`` do on the command line (:mod:`survey_app.data_rights`).

The participant is found by the pseudonymous code (and the municipality, where the code is used
in more than one), sent by POST so the code never lands in a URL, a log or the browser's history.
Showing and downloading are audited; an erasure first shows what it will delete and goes ahead
only when the admin types the code again.
"""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ... import data_rights, participants, places
from ...context import get_db
from ...languages import N_, UserError
from ...questionnaires import localise
from ..auth import current_actor, role_required
from ..forms import show_error
from ..i18n import current_language
from . import bp
from .forms import ConfirmErasureForm, ParticipantLookupForm, ParticipantRightsForm

FILE_FORMATS = {
    "txt": ("text/plain; charset=utf-8", data_rights.as_text),
    "json": ("application/json", data_rights.as_json),
}


def _lookup_form(formdata=None) -> ParticipantLookupForm:
    form = ParticipantLookupForm(formdata=formdata) if formdata is not None else ParticipantLookupForm()
    form.municipality.choices = [("", _("Any municipality"))] + [
        (code, f"{name} ({code})") for code, name in places.municipality_choices(get_db())
    ]
    return form


def _answer_texts(held: dict) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(questionnaire, item) -> (the question, {score: the option's label}) in the page's language,
    so the page shows what was asked and answered, not item ids."""
    language = current_language()
    questionnaires = current_app.extensions["questionnaires"]
    texts = {}
    for invitation in held["invitations"]:
        questionnaire = questionnaires.get(invitation["questionnaire_id"])
        for answer in invitation["answers"]:
            item = questionnaire.item(answer["item_id"]) if questionnaire else None
            if item is None:
                continue
            option = item.option(answer["score"]) if answer["score"] is not None else None
            texts[invitation["questionnaire_id"], answer["item_id"]] = (
                localise(item.text, language),
                localise(option.label, language) if option else None,
            )
    return texts


def _participant_or_404(participant_id: str) -> dict:
    row = participants.get_participant(get_db(), int(participant_id)) if participant_id.isdigit() else None
    if row is None:
        abort(404)
    return row


@bp.route("/deltagere", methods=["GET", "POST"])
@role_required("admin")
def participant_rights():
    """Find a participant by code; show everything held about them (audited)."""
    db = get_db()
    form = _lookup_form()
    held = participant = None
    if form.validate_on_submit():
        try:
            participant = participants.find_participant(db, form.code.data, form.municipality.data or None)
        except participants.CodeInSeveralMunicipalities:
            form.municipality.errors.append(
                _("The code is used in several municipalities: choose the municipality.")
            )
        except UserError as error:
            show_error(form, error, "code")
        else:
            held = data_rights.held_about(db, participant)
            data_rights.record_access(db, participant, actor=current_actor())
    return render_template(
        "admin/participant_rights.html",
        form=form,
        participant=participant,
        held=held,
        counts=data_rights.erasure_counts(held) if held else None,
        labels=data_rights.REGISTRATION_LABELS,
        answer_texts=_answer_texts(held) if held else {},
    ), 422 if form.errors else 200


@bp.post("/deltagere/hent")
@role_required("admin")
def participant_rights_file():
    """Everything held about a participant as a file (text or JSON) for the reply to their request."""
    form = ParticipantRightsForm()
    kind = request.form.get("format", "")
    if not form.validate_on_submit() or kind not in FILE_FORMATS:
        abort(400)
    participant = _participant_or_404(form.participant_id.data)
    db = get_db()
    held = data_rights.held_about(db, participant)
    data_rights.record_access(db, participant, actor=current_actor(), detail={"format": kind})
    mimetype, render = FILE_FORMATS[kind]
    response = make_response(render(held) + ("\n" if kind == "txt" else ""))
    response.mimetype = mimetype
    name = f"indsigt-{participant['municipality_code']}-{participant['id']}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/deltagere/slet")
@role_required("admin")
def participant_erase():
    """What an erasure deletes, and the erasure itself once the code is typed again."""
    db = get_db()
    chosen = ParticipantRightsForm()
    if not chosen.validate_on_submit():
        abort(400)
    participant = _participant_or_404(chosen.participant_id.data)
    form = ConfirmErasureForm(participant_id=participant["id"])
    if request.form.get("confirm") is not None and form.validate_on_submit():
        if form.code.data.strip() != participant["code"]:
            show_error(form, UserError(N_("Type the participant's code exactly to confirm.")), "code")
        else:
            counts = data_rights.erase(db, participant, actor=current_actor())
            flash(_erased_message(participant, counts))
            return redirect(url_for(".participant_rights"), code=303)
    counts = data_rights.erasure_counts(data_rights.held_about(db, participant))
    return render_template(
        "admin/participant_erase.html", form=form, participant=participant, counts=counts
    ), 422 if form.errors else 200


def _erased_message(participant: dict, counts: dict) -> str:
    parts = [
        ngettext("%(num)d answer", "%(num)d answers", counts["answers"]),
        ngettext("%(num)d link", "%(num)d links", counts["links"]),
        ngettext("%(num)d message", "%(num)d messages", counts["messages"]),
    ]
    what = (
        _("the registration with its contact details") if counts["contact_details"] else _("the registration")
    )
    return _(
        "Participant %(code)s (%(municipality)s) is erased: %(parts)s and %(what)s. The audit log keeps the erasure under the pseudonymous code.",
        code=participant["code"],
        municipality=participant["municipality_name"],
        parts=", ".join(parts),
        what=what,
    )
