"""Sending a link early: the confirmation a consultant gives, with a reason, before a participant's
link goes out (or is shown as a QR code) more than ``EARLY_INVITE_DAYS`` before the follow-up date.

The rule itself lives in ``invitations.create_invitation``; this page only asks for the reason,
so ``invite --early --reason`` and the page refuse and allow the same.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import clock, context, invitations
from ...languages import UserError
from ..auth import role_required
from . import bp
from .forms import EarlySendForm
from .routes import _live_invitation, _participant_or_404, _rows, send_link


@bp.route("/deltagere/<int:participant_id>/send-tidligt", methods=["GET", "POST"])
@role_required("consultant")
def send_early(participant_id: int):
    """Ask why the link must go out before its time; then send it (or show the QR code)."""
    participant = _participant_or_404(participant_id)
    timing = context.link_timing(participant)
    row = next(r for r in _rows() if r["id"] == participant_id)
    early = (
        not row["invitation_id"] and timing["first_day"] is not None and clock.today() < timing["first_day"]
    )
    form = EarlySendForm(via=request.args.get("via", "send"))
    if form.via.data not in ("send", "qr"):
        form.via.data = "send"
    if not early or row["status"] in ("completed", "withdrawn", "opted_out"):
        # Not (or no longer) early: the usual buttons do it without asking; a confirmation
        # posted after the first day (or once a link exists) is done as they would do it.
        if request.method == "POST" and form.validate_on_submit():
            if form.via.data == "qr":
                return redirect(url_for(".qr", participant_id=participant_id), code=303)
            return send_link(participant)
        return redirect(url_for(".participant", participant_id=participant_id), code=303)
    if form.validate_on_submit():
        reason = form.reason.data.strip()
        if form.via.data == "qr":
            try:
                _live_invitation(participant, early_reason=reason)
            except UserError as error:
                flash(error.translate(_))
                return redirect(url_for(".participant", participant_id=participant_id), code=303)
            return redirect(url_for(".qr", participant_id=participant_id), code=303)
        if not (participant["phone"] or participant["email"]):
            # Nothing could go out: make no early link (show the QR code instead).
            flash(_("There is no mobile number or e-mail address: show the QR code instead."))
            return redirect(url_for(".participant", participant_id=participant_id), code=303)
        return send_link(participant, early_reason=reason)
    status = 422 if form.errors else 200
    return render_template(
        "consultant/send_early.html",
        participant=participant,
        form=form,
        due=timing["due"],
        first_day=timing["first_day"],
        works_until=invitations.last_valid_day(timing["expires"]),
        followup_weeks=int(current_app.config["FOLLOWUP_WEEKS"]),
    ), status
