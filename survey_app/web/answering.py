"""Which link a browser is answering: bound in the signed session cookie by the first post.

Participants (``participant``) and municipal teams (``team``) work the same
way: the link's token appears only in the first URL; the first post to it
(a participant's first answer, or Start) puts
the row's id, nonce and questionnaire in the session; every later page
reads them back from here. Reading needs only the signed cookie, so an
answer can be checked before the database is touched; the nonce is
compared with the stored one when the row is fetched (or in the answer's
own transaction).

A participant's binding also carries a random value of this browser
session (``browser``); each answer is stored with its hash
(:func:`browser_mark`), so only the session that gave an answer is shown
it and may change it. Anyone else holding the link (a forwarded SMS, the
consultant's QR page) can answer only what is still unanswered.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from flask import abort, request, session
from werkzeug.exceptions import Forbidden

from .. import context, links
from ..questionnaires import InvalidAnswer, Item, Questionnaire, check_answer


class NotBound(Forbidden):
    """The session holds no (longer any) link: the person must reopen their link."""


def bind(key: str, row: dict, *, per_browser: bool = False) -> None:
    """Remember in the session that this browser answers ``row`` (an invitation or a team's link).

    ``per_browser`` gives the session its own random value for this row,
    kept when the same session binds the same row again (reopening the
    link resumes with the answers it gave) and new in any other session.
    A value offered to the session before (:func:`offer_browser`) is taken,
    so two posts sent with the same cookie bind the same value.
    """
    bound = {"id": row["id"], "nonce": row["nonce"], "questionnaire": row["questionnaire_id"]}
    if per_browser:
        earlier = session.get(key)
        same_row = isinstance(earlier, dict) and earlier.get("id") == row["id"]
        kept = earlier.get("browser") if same_row else None
        offered = session.pop(key + OFFERED, None)
        if not (isinstance(kept, str) and kept):
            kept = offered if isinstance(offered, str) and offered else secrets.token_urlsafe(16)
        bound["browser"] = kept
    session[key] = bound


OFFERED = ".offered"


def offer_browser(key: str) -> None:
    """Put in the session, before it binds, the random value its binding under ``key`` will take.

    The link's page answers its first question without a Start press: a
    double tap on that answer sends two posts with the same (unbound)
    cookie, and both must bind the same value, or the browser would keep
    the binding of the post whose answer was refused and no longer see its
    own first answer. Only the session changes; the database does not.
    """
    session.setdefault(key + OFFERED, secrets.token_urlsafe(16))


def bound_to(key: str, row: dict) -> bool:
    """Whether this session answers ``row`` already, with a value of its own (it may resume there)."""
    bound = session.get(key)
    return (
        isinstance(bound, dict)
        and bound.get("id") == row["id"]
        and links.nonce_matches(row["nonce"], str(bound.get("nonce")))
        and browser_mark(key) is not None
    )


def browser_mark(key: str) -> str | None:
    """What is stored with an answer to say this session gave it: a hash of the session's value.

    Only the hash is stored, so reading the database does not let anyone
    pose as the browser that answered.
    """
    bound = session.get(key)
    value = bound.get("browser") if isinstance(bound, dict) else None
    if not isinstance(value, str) or not value:
        return None
    return hashlib.sha256(value.encode()).hexdigest()


def binding(key: str) -> tuple[int, str, Questionnaire]:
    """Row id, nonce and questionnaire bound to this session under ``key``."""
    bound = session.get(key)
    if not isinstance(bound, dict) or not isinstance(bound.get("id"), int):
        raise NotBound()
    questionnaire = context.questionnaire(bound.get("questionnaire"))
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
