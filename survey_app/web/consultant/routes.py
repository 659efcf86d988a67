"""Routes of the consultant's pages.

Every view takes the participant through :func:`_participant_or_404`, which
looks it up only among the consultant's own municipalities: a participant
of another municipality is answered exactly as one that does not exist.
Answers are never shown here, only how far a participant has come.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import audit, clock, context, dates, importing, invitations, messaging, participants, safe_csv
from ...context import get_db, message_links, public_link
from ...db import transaction
from ...languages import UserError
from ...questionnaires import PARTICIPANT_QUESTIONNAIRE
from ...scheduling import STATUSES, Schedule
from ..auth import allowed_municipalities, current_actor, current_staff, log_action, role_required
from ..forms import show_error
from . import bp
from .forms import ParticipantForm, ParticipantUploadForm

QUESTIONNAIRE = PARTICIPANT_QUESTIONNAIRE


def _schedule() -> Schedule:
    return Schedule.from_config(current_app.config)


def _participant_or_404(participant_id: int) -> dict:
    participant = participants.get_participant(get_db(), participant_id, allowed_municipalities())
    if participant is None:
        abort(404)
    return participant


def _rows() -> list[dict]:
    return participants.with_status(
        get_db(), allowed_municipalities(), QUESTIONNAIRE, clock.now(), _schedule()
    )


def status_label(status: str) -> str:
    return {
        "not_due": _("Not yet due"),
        "due": _("Due"),
        "invited": _("Invited"),
        "reminded": _("Reminded"),
        "opened": _("Opened"),
        "partial": _("Partly answered"),
        "completed": _("Answered"),
        "expired": _("Link expired"),
        "opted_out": _("Opted out"),
        "withdrawn": _("Withdrawn"),
    }[status]


@bp.app_template_filter("status_label")
def _status_label_filter(status: str) -> str:
    return status_label(status)


@bp.get("/")
@role_required("consultant")
def home():
    rows = _rows()
    week_ahead = (clock.today() + timedelta(days=7)).isoformat()
    due_soon = [
        r for r in rows if r["status"] in ("due", "not_due") and r["due_date"] and r["due_date"] <= week_ahead
    ]
    failed = [
        r
        for r in rows
        if r["last_message_status"] == "failed" and r["status"] not in ("completed", "withdrawn")
    ]
    stalled = [r for r in rows if r["status"] in ("opened", "partial")]
    counts = Counter(r["status"] for r in rows)
    return render_template(
        "consultant/home.html",
        due_soon=due_soon,
        failed=failed,
        stalled=stalled,
        counts=[(status, counts.get(status, 0)) for status in STATUSES],
        total=len(rows),
    )


@bp.get("/deltagere", endpoint="participants")
@role_required("consultant")
def participant_list():
    rows = _rows()
    status = request.args.get("status")
    if status in STATUSES:
        rows = [r for r in rows if r["status"] == status]
    search = (request.args.get("q") or "").strip().lower()
    if search:
        rows = [r for r in rows if search in r["code"].lower()]
    return render_template(
        "consultant/participants.html", rows=rows, status=status, search=search, statuses=STATUSES
    )


@bp.route("/deltagere/ny", methods=["GET", "POST"])
@role_required("consultant")
def add():
    form = ParticipantForm(db=get_db(), municipalities=allowed_municipalities())
    if form.validate_on_submit():
        db = get_db()
        try:
            participant = participants.add_participant(db, form.participant_input(), actor=current_actor())
        except UserError as error:
            show_error(form, error, "code")
        else:
            flash(_("%(code)s is registered.", code=participant["code"]))
            return redirect(url_for(".participant", participant_id=participant["id"]), code=303)
    return render_template("consultant/edit.html", form=form, participant=None), 422 if form.errors else 200


@bp.route("/deltagere/<int:participant_id>/ret", methods=["GET", "POST"])
@role_required("consultant")
def edit(participant_id: int):
    participant = _participant_or_404(participant_id)
    form = ParticipantForm(
        data=None if request.method == "POST" else _form_data(participant),
        db=get_db(),
        municipalities=allowed_municipalities(),
    )
    if form.validate_on_submit():
        db = get_db()
        try:
            participants.update_participant(
                db, participant_id, form.participant_input(), actor=current_actor()
            )
        except UserError as error:
            show_error(form, error, "code")
        else:
            flash(_("The changes are saved."))
            return redirect(url_for(".participant", participant_id=participant_id), code=303)
    return render_template(
        "consultant/edit.html", form=form, participant=participant
    ), 422 if form.errors else 200


def _form_data(participant: dict) -> dict:
    return {
        "code": participant["code"],
        "municipality": participant["municipality_code"],
        # A course start stored before dates were checked (e.g. "31-12-9999") is left for them to type anew.
        "baseline": dates.read_stored(participant["baseline_date"]),
        "phone": participant["phone"],
        "email": participant["email"],
        "channel": participant["channel"],
        "language": participant["language"],
        "consent": bool(participant["consent_at"]),
        "birth_year": str(participant["birth_year"] or ""),
        "gender": participant["gender"] or "",
    }


@bp.get("/deltagere/<int:participant_id>")
@role_required("consultant")
def participant(participant_id: int):
    participant = _participant_or_404(participant_id)
    db = get_db()
    row = next(r for r in _rows() if r["id"] == participant_id)
    messages = list(
        db.query(
            "SELECT kind, channel, status, created_at, sent_at, attempts, error, next_attempt_at"
            " FROM message WHERE participant_id = ? ORDER BY id",
            [participant_id],
        )
    )
    return render_template(
        "consultant/participant.html",
        participant=participant,
        row=row,
        messages=messages,
        timeline=_timeline(row, messages),
    )


def _timeline(row: dict, messages: list[dict]) -> list[tuple[str, str]]:
    """What happened, oldest first: registration, messages, link opened, answered."""
    events = [(row["created_at"], _("Registered"))]
    if row["invited_at"]:
        events.append((row["invited_at"], _("Link created")))
    for message in messages:
        what = _(
            "%(what)s: %(status)s",
            what=_(messaging.describe_kind(message["kind"], message["channel"])),
            status=_(messaging.STATUS_TEXTS[message["status"]]),
        )
        events.append((message["sent_at"] or message["created_at"], what))
    if row["opened_at"]:
        events.append((row["opened_at"], _("Opened the questionnaire")))
    if row["completed_at"]:
        events.append((row["completed_at"], _("Answered all questions")))
    if row["opted_out_at"]:
        events.append((row["opted_out_at"], _("Opted out")))
    if row["withdrawn_at"]:
        events.append((row["withdrawn_at"], _("Withdrawn")))
    return sorted(events)


def _live_invitation(participant: dict) -> dict:
    """The participant's open invitation, created now if there is none."""
    db = get_db()
    questionnaire = context.questionnaire(QUESTIONNAIRE)
    invitation, _created = invitations.create_invitation(
        db,
        participant,
        questionnaire,
        valid_days=current_app.config["LINK_VALID_DAYS"],
        actor=current_actor(),
    )
    return invitation


@bp.post("/deltagere/<int:participant_id>/send")
@role_required("consultant")
def send(participant_id: int):
    """Send the invitation now (or the same link again)."""
    participant = _participant_or_404(participant_id)
    try:
        invitation = _live_invitation(participant)
        result = messaging.send_now(
            get_db(),
            current_app.config,
            _schedule(),
            message_links(),
            participant,
            invitation,
            requested_by=current_staff().id,
            now=clock.now(),
        )
    except UserError as error:
        flash(error.translate(_))
    else:
        db = get_db()
        with transaction(db):
            log_action(
                "message_sent_by_hand",
                target=audit.participant_target(participant),
                detail={"status": result},
                db=db,
            )
        flash(_outcome_text(result))
    return redirect(url_for(".participant", participant_id=participant_id), code=303)


def _outcome_text(result: str) -> str:
    return {
        "sent": _("The link has been sent."),
        "waiting": _("SMS are only sent between 9 and 20: the link goes out when the window opens."),
        "retrying": _("The message could not be sent right now; it is tried again automatically."),
        "failed": _("The message could not be delivered. Check the contact details or show the QR code."),
        "failed_fallback": _(
            "The message could not be delivered; it is being sent by the other channel instead."
        ),
    }.get(result, _("The message is waiting to be sent."))


@bp.post("/deltagere/<int:participant_id>/udtraek")
@role_required("consultant")
def withdraw(participant_id: int):
    participant = _participant_or_404(participant_id)
    db = get_db()
    participants.withdraw_participant(db, participant, actor=current_actor())
    flash(
        _(
            "%(code)s is withdrawn: the link no longer works and nothing more is sent.",
            code=participant["code"],
        )
    )
    return redirect(url_for(".participant", participant_id=participant_id), code=303)


@bp.get("/deltagere/<int:participant_id>/qr")
@role_required("consultant")
def qr(participant_id: int):
    """The participant's link as a QR code, to scan in a meeting, with a copyable link.

    Whoever holds the link can answer what is still unanswered, so every
    showing of it (the page and the printable letter) is in the audit log.
    """
    participant = _participant_or_404(participant_id)
    try:
        invitation = _live_invitation(participant)
    except UserError as error:
        flash(error.translate(_))
        return redirect(url_for(".participant", participant_id=participant_id), code=303)
    link = public_link(invitation)
    letter = request.args.get("brev") == "1"
    db = get_db()
    with transaction(db):
        log_action(
            "link_shown", target=audit.participant_target(participant), detail={"letter": letter}, db=db
        )
    return render_template(
        "consultant/qr.html",
        participant=participant,
        link=link,
        svg=messaging.qr_svg(link),
        expires_at=invitation["expires_at"],
        letter=letter,
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required("consultant")
def upload():
    form = ParticipantUploadForm()
    result = None
    problems: list[str] = []
    if form.validate_on_submit():
        db = get_db()
        data = form.file.data.read(importing.MAX_BYTES + 1)
        parsed = importing.parse(
            db,
            data,
            consent_confirmed=form.consent_confirmed.data,
            allowed_municipalities=allowed_municipalities(),
        )
        result = importing.import_participants(db, parsed, actor=current_actor())
        problems = importing.error_report(result.errors, _)
    status = 422 if problems else 200
    return render_template("consultant/upload.html", form=form, result=result, problems=problems), status


@bp.get("/import/skabelon.csv")
@role_required("consultant")
def template_csv():
    """An empty file with the columns the import reads, for Excel (semicolons, BOM)."""
    columns = "code municipality baseline_date phone email channel language consent birth_year gender"
    return Response(
        safe_csv.template(columns.split()),
        mimetype=safe_csv.MEDIA_TYPE,
        headers={"Content-Disposition": "attachment; filename=deltagere-skabelon.csv"},
    )
