"""Absolute links that leave the app (by SMS, e-mail, QR code or the terminal).

They are built on ``BASE_URL``, never on the host of the current request,
so a link sent from a command or a background run points where
participants can reach it.
"""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from .. import invitations


def external_url(endpoint: str, **values) -> str:
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def public_link(invitation: dict) -> str:
    """The participant's link to an invitation."""
    token = invitations.token_for(current_app.config["SECRET_KEY"], invitation)
    return external_url("participant.welcome", token=token)


def _opt_out_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="survey_app.opt-out")


def opt_out_link(participant: dict) -> str:
    """The link in every e-mail that stops all further messages to the participant."""
    return external_url("participant.opt_out", token=_opt_out_serializer().dumps(participant["id"]))


def participant_for_opt_out(token: str) -> int | None:
    try:
        participant_id = _opt_out_serializer().loads(token)
    except BadSignature:
        return None
    return participant_id if isinstance(participant_id, int) else None


def message_links():
    """The links messages carry, for ``messaging``."""
    from ..messaging import Links

    return Links(invitation=public_link, opt_out=opt_out_link)


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: redirects never lead elsewhere.

    Refused: anything with a scheme or host; ``//host`` (protocol-relative);
    a backslash, which browsers read as a slash (``/\\host``); and anything
    not printable, as a tab or newline is dropped by URL parsers and turns
    ``/<tab>/host`` into ``//host``.
    """
    if (
        target
        and target.isprintable()
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return None
