"""Routes of a municipality's IPS team answering a round of the organisation questionnaire.

The same safety as a participant's link (see ``participant/routes.py``):

- ``GET /team/<token>``: the link shows a welcome page and changes nothing
  (link previews and mail scanners open links too).
- ``POST /team/<token>``: Start binds the team's row to the session and
  marks it opened; afterwards the token is no longer in the address bar.
- ``GET``/``POST /team/svar``: the chat, one question at a time, with or
  without JavaScript (the participant's conversation templates, posting
  here), resuming at the first unanswered question.
- ``GET /team/oversigt``: once every question is answered, the team's
  answers with a "Change" link each.

Unlike a participant's link, finishing does not spend it: until the round
closes the team can come back, see its answers and change any of them
(each change is kept, see ``rounds.store_answer``). A closed round's link
shows "the round is closed" with status 410.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from ... import clock, context, links, rounds
from ...context import get_db
from ...questionnaires import Questionnaire
from .. import answering
from ..answering import NotBound
from ..auth import public
from ..i18n import speak_language_of_link
from ..participant.conversation import build_conversation
from . import bp

SESSION_KEY = "team_round"
FETCH_HEADER = "X-Requested-With"
CHAT_ENDPOINT = "team.chat"


@bp.errorhandler(NotBound)
def not_bound(error):
    return render_template("team/not_bound.html"), 403


def _questionnaire(team: dict) -> Questionnaire:
    questionnaire = context.questionnaire(team["questionnaire_id"])
    if questionnaire is None:
        abort(404)
    return questionnaire


def _closed_page(team: dict):
    return render_template("team/closed.html", team=team), 410


def _open_team_for_link(token: str) -> dict:
    """The team row behind a link whose round is still open; otherwise 404 or the closed page."""
    team = rounds.find_team_by_token(get_db(), current_app.config["SECRET_KEY"], token)
    if team is None:
        abort(404)
    # In the team contact's language (the switch still wins); Start keeps it for the chat's pages.
    speak_language_of_link(team["contact_language"], remember=request.method == "POST")
    if rounds.is_closed(team, clock.today()):
        abort(current_app.make_response(_closed_page(team)))
    return team


@bp.get("/<token>")
@public
def welcome(token: str):
    team = _open_team_for_link(token)
    questionnaire = _questionnaire(team)
    given = rounds.answers(get_db(), team["id"])
    return render_template(
        "team/welcome.html",
        token=token,
        team=team,
        questionnaire=questionnaire,
        answered=questionnaire.questions_answered(given),
        completed=bool(team["completed_at"]),
    )


@bp.post("/<token>")
@public
def start(token: str):
    team = _open_team_for_link(token)
    rounds.mark_opened(get_db(), team["id"], clock.now())
    answering.bind(SESSION_KEY, team)
    if team["completed_at"]:
        return redirect(url_for(".summary"), code=303)
    return redirect(url_for(".chat", _anchor="current"), code=303)


def _binding() -> tuple[int, str, Questionnaire]:
    return answering.binding(SESSION_KEY)


def _bound_team() -> tuple[dict, Questionnaire]:
    return answering.bound_row(SESSION_KEY, lambda row_id: rounds.get_team(get_db(), row_id))


def _summary_link() -> tuple[str, str]:
    return url_for(".summary"), _("See and change your answers")


def _page_context(team: dict, questionnaire: Questionnaire) -> dict:
    return {
        "team": team,
        "questionnaire": questionnaire,
        "chat_endpoint": CHAT_ENDPOINT,
        "after_link": _summary_link(),
        # The team answers together: "I" (plural you) in Danish, not "du".
        "team_voice": True,
        # The welcome page says the intro; the chat does not say it again before question 1.
        "intro_said": True,
    }


@bp.get("/svar")
@public
def chat():
    team, questionnaire = _bound_team()
    if rounds.is_closed(team, clock.today()):
        return _closed_page(team)
    given = rounds.answers(get_db(), team["id"])
    here = build_conversation(questionnaire, given)
    changing = build_conversation(questionnaire, given, editing=request.args.get("ret"))
    if changing.previous_answer is not None:
        # Changing an earlier answer: that question alone on its own page, with the progress
        # of where the team was; the answer leads back there (or to the summary when done).
        return render_template(
            "team/change.html", conversation=changing, here=here, **_page_context(team, questionnaire)
        )
    if here.completed:
        return redirect(url_for(".summary"), code=303)
    return render_template("team/chat.html", conversation=here, **_page_context(team, questionnaire))


@bp.post("/svar")
@public
def answer():
    team_id, nonce, questionnaire = _binding()
    item, value = answering.posted_answer(questionnaire)
    stored = rounds.store_answer(
        get_db(),
        questionnaire,
        team_id,
        nonce,
        item,
        value,
        changed_by=rounds.CHANGED_BY_TEAM,
        now=clock.now(),
    )
    if stored.state == links.UNKNOWN:
        session.pop(SESSION_KEY, None)
        raise NotBound()
    team = rounds.get_team(get_db(), team_id)
    if stored.state == rounds.CLOSED:
        return _closed_page(team)
    if request.headers.get(FETCH_HEADER) == "fetch":
        html = render_template(
            "participant/_update.html",
            conversation=build_conversation(questionnaire, stored.answers),
            answered_item=item.id,
            csrf=generate_csrf(),
            **_page_context(team, questionnaire),
        )
        response = current_app.response_class(html, mimetype="text/html")
        response.headers["X-Chat-Turn"] = "1"
        return response
    if stored.completed:
        return redirect(url_for(".summary", gemt=item.id, _anchor=f"turn-{item.id}"), code=303)
    return redirect(url_for(".chat", _anchor="current"), code=303)


@bp.get("/oversigt")
@public
def summary():
    """Every answer of the team, each with a "Change" link, while the round is open."""
    team, questionnaire = _bound_team()
    if rounds.is_closed(team, clock.today()):
        return _closed_page(team)
    given = rounds.answers(get_db(), team["id"])
    conversation = build_conversation(questionnaire, given)
    if not conversation.completed:
        return redirect(url_for(".chat", _anchor="current"), code=303)
    saved = questionnaire.item(request.args.get("gemt", ""))
    return render_template(
        "team/summary.html",
        conversation=conversation,
        saved=saved,
        **_page_context(team, questionnaire),
    )
