"""Withdrawing a participant: a confirmation page first (no JavaScript needed), and an undo for
``participants.UNDO_WITHDRAWAL_DAYS`` days after."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ... import participants
from ...context import get_db
from ...languages import UserError
from ..auth import current_actor, role_required
from . import bp
from .forms import ConfirmForm
from .routes import _participant_or_404


@bp.get("/deltagere/<int:participant_id>/udtraek")
@role_required("consultant")
def confirm_withdraw(participant_id: int):
    """Ask before withdrawing: what it stops, and for how long it can be undone."""
    participant = _participant_or_404(participant_id)
    if participant["withdrawn_at"]:
        return redirect(url_for(".participant", participant_id=participant_id), code=303)
    return render_template(
        "consultant/withdraw.html",
        participant=participant,
        form=ConfirmForm(),
        undo_days=participants.UNDO_WITHDRAWAL_DAYS,
    )


@bp.post("/deltagere/<int:participant_id>/fortryd-udtraek")
@role_required("consultant")
def undo_withdraw(participant_id: int):
    participant = _participant_or_404(participant_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".participant", participant_id=participant_id), code=303)
    try:
        participants.undo_withdrawal(get_db(), participant, actor=current_actor())
    except UserError as error:
        flash(error.translate(_))
        return redirect(url_for(".participant", participant_id=participant_id), code=303)
    flash(
        _(
            "The withdrawal of %(code)s is undone: the link works again and the messages waiting are sent.",
            code=participant["code"],
        )
    )
    return redirect(url_for(".participant", participant_id=participant_id), code=303)
