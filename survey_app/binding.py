"""Which link a browser is answering: bound in the signed session cookie when Start is pressed.

Participants (``participant``) and municipal teams (``team``) work the same
way: the link's token appears only in the first URL; pressing Start puts
the row's id, nonce and questionnaire in the session; every later page
reads them back from here. Reading needs only the signed cookie, so an
answer can be checked before the database is touched; the nonce is
compared with the stored one when the row is fetched (or in the answer's
own transaction).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, request, session
from werkzeug.exceptions import Forbidden

from . import links
from .questionnaires import InvalidAnswer, Item, Questionnaire, check_answer


class NotBound(Forbidden):
    """The session holds no (longer any) link: the person must reopen their link."""


def bind(key: str, row: dict) -> None:
    """Remember in the session that this browser answers ``row`` (an invitation or a team's link)."""
    session[key] = {"id": row["id"], "nonce": row["nonce"], "questionnaire": row["questionnaire_id"]}


def binding(key: str) -> tuple[int, str, Questionnaire]:
    """Row id, nonce and questionnaire bound to this session under ``key``."""
    bound = session.get(key)
    if not isinstance(bound, dict) or not isinstance(bound.get("id"), int):
        raise NotBound()
    questionnaire = current_app.extensions["questionnaires"].get(bound.get("questionnaire"))
    if questionnaire is None:
        raise NotBound()
    return bound["id"], str(bound.get("nonce")), questionnaire


def bound_row(key: str, fetch: Callable[[int], dict | None]) -> tuple[dict, Questionnaire]:
    """The bound row, fetched by id; a replaced nonce (a revoked link) unbinds the session."""
    row_id, nonce, questionnaire = binding(key)
    row = fetch(row_id)
    if row is None or not links.nonce_matches(row["nonce"], nonce):
        session.pop(key, None)
        raise NotBound()
    return row, questionnaire


def posted_answer(questionnaire: Questionnaire) -> tuple[Item, int | str]:
    """The item and checked value of an answer form (``skip`` leaves an optional item empty); else 400."""
    item = questionnaire.item(request.form.get("item", ""))
    if item is None:
        abort(400)
    if request.form.get("skip") and not item.required:
        return item, ""
    try:
        return item, check_answer(item, request.form.get("value"))
    except InvalidAnswer:
        abort(400)
