"""Routes of the participant's journey.

- ``GET /s/<token>``: the link itself. It only shows a welcome page and
  changes nothing, because link previews and mail scanners open links too.
- ``POST /s/<token>``: the participant presses Start (or Continue). The
  invitation is bound to their session cookie and marked as opened.
- ``GET /svar``: the conversation so far and the current question.
- ``POST /svar``: one answer. Without JavaScript the browser is redirected
  back to ``GET /svar`` (so reloading never re-posts); with JavaScript the
  response is the new state of the conversation, swapped in place.

The link token appears only in the first URL; afterwards the session cookie
says which invitation is being answered. Reopening the link resumes at the
first unanswered question.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import Forbidden

from .. import invitations, links
from ..db import get_db
from ..questionnaires import InvalidAnswer, Questionnaire, check_answer
from . import bp
from .conversation import build_conversation

SESSION_KEY = "invitation"
FETCH_HEADER = "X-Requested-With"


class NotBound(Forbidden):
    """The session holds no (longer any) invitation: the participant must reopen the link."""


def _questionnaire(invitation: dict) -> Questionnaire:
    return current_app.extensions["questionnaires"][invitation["questionnaire_id"]]


def _invitation_for_link(token: str) -> dict:
    invitation = invitations.find_by_token(get_db(), current_app.config["SECRET_KEY"], token)
    if invitation is None:
        abort(404)
    return invitation


def _closed_page(state: str):
    """The page for a link that can no longer be answered, or None while it can."""
    if state == links.COMPLETED:
        return render_template("participant/answered.html"), 200
    if state in (links.EXPIRED, links.WITHDRAWN):
        return render_template("participant/closed.html", reason=state), 410
    return None


@bp.get("/s/<token>")
def welcome(token: str):
    invitation = _invitation_for_link(token)
    closed = _closed_page(invitations.state(invitation))
    if closed:
        return closed
    questionnaire = _questionnaire(invitation)
    given = invitations.answers(get_db(), invitation["id"])
    return render_template(
        "participant/welcome.html",
        token=token,
        questionnaire=questionnaire,
        answered=len(given),
        resume_at=questionnaire.next_unanswered(given),
        expires_at=invitation["expires_at"],
    )


@bp.post("/s/<token>")
def start(token: str):
    invitation = _invitation_for_link(token)
    closed = _closed_page(invitations.state(invitation))
    if closed:
        return closed
    invitations.mark_opened(get_db(), invitation["id"], _questionnaire(invitation))
    session[SESSION_KEY] = {"id": invitation["id"], "nonce": invitation["nonce"]}
    return redirect(url_for(".chat", _anchor="current"), code=303)


def _bound_invitation() -> dict:
    bound = session.get(SESSION_KEY)
    if not isinstance(bound, dict):
        raise NotBound()
    invitation = invitations.get(get_db(), bound.get("id"))
    if invitation is None or not links.nonce_matches(invitation["nonce"], str(bound.get("nonce"))):
        session.pop(SESSION_KEY, None)
        raise NotBound()
    return invitation


@bp.errorhandler(NotBound)
def not_bound(error):
    return render_template("participant/not_bound.html"), 403


def _render_conversation(invitation: dict, questionnaire: Questionnaire, given: dict, *, fragment: bool):
    editing = request.args.get("ret") if not fragment else None
    conversation = build_conversation(questionnaire, given, editing=editing)
    template = "participant/_conversation.html" if fragment else "participant/chat.html"
    response = current_app.make_response(
        render_template(template, questionnaire=questionnaire, conversation=conversation)
    )
    if fragment:
        response.headers["X-Chat-Turn"] = "1"
    return response


@bp.get("/svar")
def chat():
    invitation = _bound_invitation()
    state = invitations.state(invitation)
    if state in (links.EXPIRED, links.WITHDRAWN):
        return _closed_page(state)
    questionnaire = _questionnaire(invitation)
    given = invitations.answers(get_db(), invitation["id"])
    return _render_conversation(invitation, questionnaire, given, fragment=False)


@bp.post("/svar")
def answer():
    invitation = _bound_invitation()
    questionnaire = _questionnaire(invitation)
    item = questionnaire.item(request.form.get("item", ""))
    if item is None:
        abort(400)
    try:
        if request.form.get("skip") and not item.required:
            value = ""
        else:
            value = check_answer(item, request.form.get("value"))
    except InvalidAnswer:
        abort(400)
    stored = invitations.store_answer(get_db(), questionnaire, invitation["id"], item, value)
    if stored.state in (links.EXPIRED, links.WITHDRAWN):
        return _closed_page(stored.state)
    if request.headers.get(FETCH_HEADER) == "fetch":
        return _render_conversation(invitation, questionnaire, stored.answers, fragment=True)
    return redirect(url_for(".chat", _anchor="current"), code=303)
