"""Routes of the participant's journey.

- ``GET /s/<token>``: the link itself. It shows the short intro and
  question 1 (or, for a browser new to a link answered elsewhere, how many
  are answered and the next unanswered question) with its answer buttons,
  and changes nothing, because link previews, mail scanners and the
  consultant's QR page open links too. A browser already answering this
  link is sent on to its chat.
- ``POST /s/<token>``: the first answer, from the link's page. In one
  transaction the invitation is marked as opened and the answer stored; the
  invitation is bound to the session cookie. A post without an answer (the
  Start or Continue button of the page before issue 15) only binds and
  marks. So "opened" means: a first answer (or Start) was posted; a GET
  never counts.
- ``GET /svar``: the conversation so far and the current question;
  ``?ret=ITEM`` changes an earlier answer where it stands in the
  conversation, the progress still saying where one was.
- ``POST /svar``: one answer. Without JavaScript the browser is redirected
  back to ``GET /svar`` (so reloading never re-posts); with JavaScript the
  response holds just the new turn, progress and next question, which the
  script puts in place (see ``static/chat.js``). The first answer, posted to
  the link, takes the same two ways.

The link token appears only in the first URL; afterwards the session cookie
says which invitation is being answered (the script replaces the address
too). Reopening the link resumes at the first unanswered question.

Answers are shown, and can be changed, only in the browser session that
gave them (``answering.browser_mark``). Another browser opening the same link
(the consultant's QR page, a forwarded SMS, a phone that lost its cookie)
is told how many questions are answered and can answer only the rest; a
post changing an answer given elsewhere changes nothing.
"""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf

from ... import audit, context, invitations, links, participants
from ...context import get_db, participant_for_opt_out
from ...db import transaction
from ...questionnaires import Questionnaire
from .. import answering
from ..answering import NotBound
from ..i18n import current_language, speak_language_of_link
from ..security import INLINE_STYLESHEET
from ..support_contact import remember_municipality
from . import bp
from .conversation import build_conversation

SESSION_KEY = "invitation"
FETCH_HEADER = "X-Requested-With"


def _questionnaire(invitation: dict) -> Questionnaire:
    return context.questionnaire(invitation["questionnaire_id"])


def _invitation_for_link(token: str) -> dict:
    invitation = invitations.find_by_token(get_db(), current_app.config["SECRET_KEY"], token)
    if invitation is None:
        abort(404)
    remember_municipality(invitation["municipality_code"])
    return invitation


def _closed_page(state: str):
    """The page for a link that can no longer be answered, or None while it can."""
    if state == links.COMPLETED:
        return render_template("participant/answered.html"), 200
    if state in (links.EXPIRED, links.WITHDRAWN):
        return render_template("participant/closed.html", reason=state), 410
    return None


def _answerable_invitation(token: str) -> dict:
    """The invitation behind a link that can still be used; otherwise its page is shown instead.

    The page is in the participant's language (unless the switch chose another); the POST that
    starts answering keeps it for the session's next pages.
    """
    invitation = _invitation_for_link(token)
    speak_language_of_link(invitation["participant_language"], remember=request.method == "POST")
    closed = _closed_page(invitations.state(invitation))
    if closed:
        abort(current_app.make_response(closed))
    return invitation


@bp.get("/s/<token>")
def welcome(token: str):
    invitation = _answerable_invitation(token)
    if answering.bound_to(SESSION_KEY, invitation):
        return redirect(url_for(".chat", _anchor="current"), code=303)
    questionnaire = _questionnaire(invitation)
    given = invitations.answers(get_db(), invitation["id"])
    answering.offer_browser(SESSION_KEY)
    return render_template(
        "participant/welcome.html",
        questionnaire=questionnaire,
        # A browser new to the link sees none of the answers: they are only counted.
        conversation=build_conversation(questionnaire, given, shown=set()),
        answer_url=url_for(".start", token=token),
        about_survey=True,
        inline_stylesheet=INLINE_STYLESHEET,
        # The same last day as the messages' and the consultant's "until and including".
        works_until=invitations.last_valid_day(invitation["expires_at"]),
    )


@bp.post("/s/<token>")
def start(token: str):
    invitation = _answerable_invitation(token)
    questionnaire = _questionnaire(invitation)
    first = answering.posted_answer(questionnaire) if "item" in request.form else None
    db = get_db()
    with transaction(db):
        invitations.mark_opened(db, invitation["id"], questionnaire)
        answering.bind(SESSION_KEY, invitation, per_browser=True)
        if first is None:
            return redirect(url_for(".chat", _anchor="current"), code=303)
        item, value = first
        mark = _browser_mark()
        stored = invitations.store_answer(
            db, questionnaire, invitation["id"], invitation["nonce"], item, value, answered_by=mark
        )
    return _answered(questionnaire, stored, item, mark)


def _binding() -> tuple[int, str, Questionnaire]:
    return answering.binding(SESSION_KEY)


def _bound_invitation() -> tuple[dict, Questionnaire]:
    return answering.bound_row(SESSION_KEY, lambda row_id: invitations.get(get_db(), row_id))


def _browser_mark() -> str:
    """This session's mark; a session bound before answers were marked must open its link again."""
    mark = answering.browser_mark(SESSION_KEY)
    if mark is None:
        session.pop(SESSION_KEY, None)
        raise NotBound()
    return mark


@bp.errorhandler(NotBound)
def not_bound(error):
    return render_template("participant/not_bound.html"), 403


def _render_conversation(questionnaire: Questionnaire, given: dict, shown: set[str]):
    conversation = build_conversation(questionnaire, given, editing=request.args.get("ret"), shown=shown)
    return render_template(
        "participant/chat.html", questionnaire=questionnaire, conversation=conversation, about_survey=True
    )


# After an answer sent by the script, the update (the new turn, progress and
# next question) depends only on the questionnaire's texts, the language and
# the answers' scores, never on who answers. So it is rendered once per
# combination and kept, with the session's CSRF token put in per request;
# rendering it anew was the largest cost of answering (bench/answer.py).
# Free-text answers are the participant's own words and are never kept.
_CSRF_SLOT = "\x00csrf\x00"


def _update_response(questionnaire: Questionnaire, given: dict, answered_item: str, shown: set[str]):
    answer = given.get(answered_item, {})
    conversation = build_conversation(questionnaire, given, shown=shown)
    key = (
        questionnaire.id,
        questionnaire.version,
        current_language(),
        answered_item,
        answer.get("score"),
        conversation.answered,
        conversation.current.id if conversation.current else None,
    )
    cache = current_app.extensions.setdefault("survey_app.chat_updates", {})
    html = cache.get(key)
    if html is None:
        html = render_template(
            "participant/_update.html",
            questionnaire=questionnaire,
            conversation=conversation,
            answered_item=answered_item,
            csrf=_CSRF_SLOT,
        )
        if not answer.get("text"):
            cache[key] = html
    response = current_app.response_class(html.replace(_CSRF_SLOT, generate_csrf()), mimetype="text/html")
    response.headers["X-Chat-Turn"] = "1"
    return response


@bp.get("/svar")
def chat():
    invitation, questionnaire = _bound_invitation()
    remember_municipality(invitation["municipality_code"])
    mark = _browser_mark()
    state = invitations.state(invitation)
    if state in (links.EXPIRED, links.WITHDRAWN):
        return _closed_page(state)
    given = invitations.answers(get_db(), invitation["id"])
    return _render_conversation(questionnaire, given, invitations.answered_here(given, mark))


@bp.post("/svar")
def answer():
    invitation_id, nonce, questionnaire = _binding()
    mark = _browser_mark()
    item, value = answering.posted_answer(questionnaire)
    stored = invitations.store_answer(
        get_db(), questionnaire, invitation_id, nonce, item, value, answered_by=mark
    )
    return _answered(questionnaire, stored, item, mark)


def _answered(questionnaire: Questionnaire, stored: invitations.Stored, item, mark: str):
    """The response to a stored answer: the next turn for the script, else back to the chat."""
    if stored.state == links.UNKNOWN:
        session.pop(SESSION_KEY, None)
        raise NotBound()
    if stored.state in (links.EXPIRED, links.WITHDRAWN):
        return _closed_page(stored.state)
    if stored.refused:
        # Answered in another browser: nothing changed; show this browser's own page
        # (the script, seeing no chat turn, lets the browser post and land there too).
        return redirect(url_for(".chat", _anchor="current"), code=303)
    if request.headers.get(FETCH_HEADER) == "fetch":
        # The token just validated is as good as a fresh one for the next
        # form; reusing it saves signing a new one on every answer.
        if token := request.form.get("csrf_token"):
            g.setdefault(current_app.config["WTF_CSRF_FIELD_NAME"], token)
        return _update_response(
            questionnaire, stored.answers, item.id, invitations.answered_here(stored.answers, mark)
        )
    return redirect(url_for(".chat", _anchor="current"), code=303)


@bp.route("/afmeld/<token>", methods=["GET", "POST"])
def opt_out(token: str):
    """Stop all messages about the survey. GET only asks (mail scanners open links too)."""
    participant_id = participant_for_opt_out(token)
    db = get_db()
    row = db.execute(
        "SELECT opted_out_at, language FROM participant WHERE id = ?", [participant_id]
    ).fetchone()
    if participant_id is None or row is None:
        abort(404)
    speak_language_of_link(row[1], remember=False)
    done = row[0] is not None
    if request.method == "POST" and not done:
        participants.opt_out(db, participant_id, actor=audit.PARTICIPANT)
        done = True
    return render_template("participant/opt_out.html", token=token, done=done)
