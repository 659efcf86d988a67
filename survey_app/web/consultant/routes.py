"""Routes of the consultant's pages.

Every view takes the participant through :func:`_participant_or_404`, which
looks it up only among the consultant's own municipalities: a participant
of another municipality is answered exactly as one that does not exist.
Answers are never shown here, only how far a participant has come.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from ... import audit, clock, context, dates, importing, invitations, messaging, participants, safe_csv
from ...context import get_db, message_links, public_link
from ...db import transaction
from ...languages import UserError
from ...questionnaires import PARTICIPANT_QUESTIONNAIRE
from ...scheduling import STATUSES, Schedule
from ..auth import allowed_municipalities, current_actor, current_staff, log_action, role_required
from ..forms import show_error
from ..i18n import current_language, speaking
from ..support_contact import remember_municipality
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


@bp.app_template_filter("long_date")
def _long_date_filter(iso: str) -> str:
    """A date (``2027-02-02``) written out, as in a letter: "2. februar 2027"."""
    return format_date(date.fromisoformat(iso), "long")


@bp.app_template_filter("stored_time")
def _stored_time_filter(stored: str) -> str:
    """A stored moment's Danish clock time, e.g. 09:00."""
    return clock.local(clock.parse(stored)).strftime("%H:%M")


def home_lists(rows: list[dict]) -> dict[str, list[dict]]:
    """The lists of today's work, by name: overdue (the follow-up date has passed and no link was made),
    due within a week (today up to a week ahead, no link yet), invitation SMS waiting for the SMS
    window, messages not delivered, opened but not finished."""
    today = clock.today().isoformat()
    week_ahead = (clock.today() + timedelta(days=7)).isoformat()
    return {
        "overdue": [r for r in rows if r["status"] == "due" and r["due_date"] and r["due_date"] < today],
        "due_soon": [
            r
            for r in rows
            if r["status"] in ("due", "not_due") and r["due_date"] and today <= r["due_date"] <= week_ahead
        ],
        "waiting": [r for r in rows if r["sms_waiting_until"]],
        "failed": [
            r
            for r in rows
            if r["last_message_status"] == "failed" and r["status"] not in ("completed", "withdrawn")
        ],
        "stalled": [r for r in rows if r["status"] in ("opened", "partial")],
    }


@bp.get("/")
@role_required("consultant")
def home():
    rows = _rows()
    counts = Counter(r["status"] for r in rows)
    return render_template(
        "consultant/home.html",
        **home_lists(rows),
        counts=[(status, counts.get(status, 0)) for status in STATUSES],
        total=len(rows),
    )


def filtered_rows() -> tuple[list[dict], str | None, str]:
    """The consultant's participants as the list's filters (``status``, ``q``) choose them."""
    rows = _rows()
    status = request.args.get("status")
    if status in STATUSES:
        rows = [r for r in rows if r["status"] == status]
    search = (request.args.get("q") or "").strip().lower()
    if search:
        rows = [r for r in rows if search in r["code"].lower()]
    return rows, status, search


@bp.get("/deltagere", endpoint="participants")
@role_required("consultant")
def participant_list():
    rows, status, search = filtered_rows()
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
    timing = context.link_timing(participant)
    return render_template(
        "consultant/participant.html",
        participant=participant,
        row=row,
        messages=messages,
        timeline=_timeline(row, messages),
        first_day=timing["first_day"],
        early=not row["invitation_id"]
        and timing["first_day"] is not None
        and clock.today() < timing["first_day"],
        works_until=invitations.last_valid_day(row["expires_at"] or timing["expires"]),
        undo_until=_undo_until(participant),
    )


def _undo_until(participant: dict) -> str | None:
    """Until when the participant's withdrawal can be undone (stored form), if it still can."""
    deadline = participants.undo_deadline(participant)
    return clock.isoformat(deadline) if deadline and deadline > clock.now() else None


def _timeline(row: dict, messages: list[dict]) -> list[tuple[str, str]]:
    """What happened, oldest first: registration, link created, messages, link opened, answered.

    Events of the same second keep the order of the journey (a link is created before it is
    sent, a message before its link is opened), not the alphabetical order of their texts.
    """
    events = [(row["created_at"], 0, _("Registered"))]
    if row["invited_at"]:
        events.append((row["invited_at"], 1, _("Link created")))
    for number, message in enumerate(messages):
        what = _(
            "%(what)s: %(status)s",
            what=_(messaging.describe_kind(message["kind"], message["channel"])),
            status=_(messaging.STATUS_TEXTS[message["status"]]),
        )
        events.append((message["sent_at"] or message["created_at"], 2 + number / (len(messages) + 1), what))
    if row["opened_at"]:
        events.append((row["opened_at"], 3, _("Opened the questionnaire")))
    if row["completed_at"]:
        events.append((row["completed_at"], 4, _("Answered all questions")))
    if row["opted_out_at"]:
        events.append((row["opted_out_at"], 5, _("Opted out")))
    if row["withdrawn_at"]:
        events.append((row["withdrawn_at"], 6, _("Withdrawn")))
    return [(moment, what) for moment, _rank, what in sorted(events, key=_moment_and_rank)]


def _moment_and_rank(event: tuple) -> tuple:
    moment, rank, _what = event
    try:
        return clock.parse(moment), rank
    except (TypeError, ValueError):
        return clock.parse("0001-01-01T00:00:00+00:00"), rank


def _live_invitation(participant: dict, early_reason: str | None = None) -> dict:
    """The participant's open invitation, created now if there is none (``invitations.TooEarly``
    when that is before the first day it may go out and no ``early_reason`` is given)."""
    invitation, _created = context.issue_link(
        participant, context.questionnaire(QUESTIONNAIRE), actor=current_actor(), early_reason=early_reason
    )
    return invitation


@bp.post("/deltagere/<int:participant_id>/send")
@role_required("consultant")
def send(participant_id: int):
    """Send the invitation now (or the same link again); too early, ask to confirm first."""
    return send_link(_participant_or_404(participant_id))


def send_link(participant: dict, early_reason: str | None = None):
    """Send the participant's link at once and go back to their page with what happened."""
    participant_id = participant["id"]
    try:
        invitation = _live_invitation(participant, early_reason)
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
    except invitations.TooEarly:
        return redirect(url_for(".send_early", participant_id=participant_id, via="send"), code=303)
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
    except invitations.TooEarly:
        return redirect(url_for(".send_early", participant_id=participant_id, via="qr"), code=303)
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
    works_until = invitations.last_valid_day(invitation["expires_at"])
    svg = messaging.qr_svg(link)
    # The letter is for the participant: in their language, with their municipality's support contact.
    remember_municipality(participant["municipality_code"])
    with speaking(participant["language"]):
        letter_html = Markup(
            render_template(
                "consultant/_qr_letter.html",
                participant=participant,
                questionnaire=context.questionnaire(PARTICIPANT_QUESTIONNAIRE),
                link=link,
                svg=svg,
                works_until=works_until,
                letter_language=current_language(),
                privacy_address=context.external_url("participant.privacy_notice"),
            )
        )
    return render_template(
        "consultant/qr.html",
        participant=participant,
        link=link,
        letter_html=letter_html,
        expires_at=invitation["expires_at"],
        works_until=works_until,
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
