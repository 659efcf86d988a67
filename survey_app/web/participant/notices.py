"""The privacy notice (``/privatliv``) and the accessibility statement (``/tilgaengelighed``).

Open to everyone and linked from the footer of every participant's and team's page, and (the
notice) from every SMS and e-mail to participants. Both are on the participant's blueprint, so they
speak the language of the link a participant opened (``i18n.select_language``). A browser that is
answering a link is shown its municipality's support contact, as the other participant pages are.
"""

from __future__ import annotations

from flask import current_app, render_template, session

from ... import invitations, links, privacy
from ...context import get_db, support_contact
from ..auth import public
from ..i18n import current_language
from ..support_contact import remember_municipality
from . import bp
from .routes import SESSION_KEY


def _remember_answering_municipality() -> None:
    """The municipality of the invitation this browser answers, if any; changes nothing."""
    bound = session.get(SESSION_KEY)
    if not isinstance(bound, dict) or not isinstance(bound.get("id"), int):
        return
    invitation = invitations.get(get_db(), bound["id"])
    if invitation is not None and links.nonce_matches(invitation["nonce"], str(bound.get("nonce"))):
        remember_municipality(invitation["municipality_code"])


@bp.get("/privatliv")
@public
def privacy_notice():
    _remember_answering_municipality()
    notice = privacy.notice(get_db(), current_language())
    return render_template(
        "participant/privacy.html",
        notice=notice,
        blocks=privacy.blocks(privacy.shown_text(notice, current_app.config)),
    )


@bp.get("/tilgaengelighed")
@public
def accessibility():
    _remember_answering_municipality()
    return render_template("participant/accessibility.html", installation=support_contact(None))
