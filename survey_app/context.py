"""What the running app gives its views and commands: its database connection, the questionnaires
and fidelity scales it loaded at start, and the links that leave it.

Both edges (``web`` and ``cli``) read these through here, never through ``current_app.extensions``
or ``g`` directly; the domain modules below take the database and the questionnaires as arguments
and import none of this.

A request uses its thread's connection (:func:`get_db` on ``g``) and leaves it open for the next
request of that thread: opening and closing a WAL database per request costs more than the rest of
answering a question, because the last connection to close checkpoints the whole log.
:func:`close_db` rolls back anything a failed request left open.

Links are built on ``BASE_URL``, never on the host of the current request, so a link sent from a
command or a background run points where participants can reach it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

import sqlite_utils
from flask import current_app, g, url_for
from flask_babel import gettext

from . import (
    accounts,
    clock,
    exports,
    fidelity,
    invitations,
    links,
    questionnaires,
    reporting,
    rounds,
    scheduling,
    support,
)
from .db import connect

_DB_KEY = "survey_app.db"
_QUESTIONNAIRES_KEY = "questionnaires"
_SCALES_KEY = "fidelity_scales"
_BANDS_KEY = "fidelity_bands"
_SUPPORT_KEY = "support_contact"


def init_app(app) -> None:
    """Load the questionnaires, the fidelity scales and the fidelity bands once, so a broken file stops
    the start with the file and the key.

    The scales and bands live in ``questionnaires/fidelity/`` (``FIDELITY_DIR`` to move them), apart
    from ``QUESTIONNAIRES_DIR``.
    """
    app.extensions[_QUESTIONNAIRES_KEY] = questionnaires.load_all(
        Path(app.config["QUESTIONNAIRES_DIR"]), Path(app.config["QUESTIONNAIRE_OVERRIDES_DIR"])
    )
    fidelity_dir = Path(app.config.get("FIDELITY_DIR") or fidelity.DEFAULT_DIR)
    app.extensions[_SCALES_KEY] = fidelity.load_scales(fidelity_dir)
    app.extensions[_BANDS_KEY] = fidelity.load_bands(fidelity_dir / fidelity.BANDS_FILE)
    app.extensions[_SUPPORT_KEY] = support.installation_contact(
        app.config.get("SUPPORT_NAME"), app.config.get("SUPPORT_PHONE"), app.config.get("SUPPORT_EMAIL")
    )
    app.teardown_appcontext(close_db)


# --- the database ----------------------------------------------------------------------------------


def _thread_connection(app) -> sqlite_utils.Database:
    """This thread's connection for this app (per process too: gunicorn forks)."""
    local = app.extensions.setdefault(_DB_KEY, threading.local())
    key = (os.getpid(), app.config["DATABASE"])
    if getattr(local, "key", None) != key:
        local.db, local.key = connect(app.config["DATABASE"]), key
        local.cache = {}
    return local.db


def get_db() -> sqlite_utils.Database:
    """The connection for the current request or command."""
    if "db" not in g:
        g.db = _thread_connection(current_app._get_current_object())
    return g.db


def close_db(exception=None) -> None:
    """End of a request: never leave a transaction open on the reused connection."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


def connection_cache(database: sqlite_utils.Database) -> dict:
    """A dict that lives as long as this thread's connection, for results worth keeping between
    requests (key them with :func:`survey_app.db.data_version`); empty for any other connection."""
    local = current_app.extensions.get(_DB_KEY)
    if local is None or getattr(local, "db", None) is not database:
        return {}
    return local.cache


# --- questionnaires and scales ---------------------------------------------------------------------


def all_questionnaires() -> Mapping[str, questionnaires.Questionnaire]:
    """Every questionnaire the app loaded, by id."""
    return current_app.extensions[_QUESTIONNAIRES_KEY]


def questionnaire(questionnaire_id: str | None) -> questionnaires.Questionnaire | None:
    """The questionnaire with this id, or None when the app has none by that id."""
    return all_questionnaires().get(questionnaire_id) if questionnaire_id else None


def fidelity_scales() -> Mapping[str, fidelity.Scale]:
    """The fidelity scales (IPS-25, IPS-15), by id."""
    return current_app.extensions[_SCALES_KEY]


def fidelity_bands() -> tuple[fidelity.Band, ...]:
    """The bands a fidelity score falls in (``bands.toml``), lowest first."""
    return current_app.extensions[_BANDS_KEY]


# --- whom to contact --------------------------------------------------------------------------------


def support_contact(municipality_code: str | None = None) -> support.SupportContact:
    """The municipality's own support contact, else the installation's (empty when neither is set)."""
    installation = current_app.extensions[_SUPPORT_KEY]
    if not municipality_code:
        return installation
    return support.support_contact(get_db(), municipality_code, installation=installation)


# --- reports: the dashboard and ``report`` build them the same way ----------------------------------


def suppression_threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def report_groupings() -> tuple[str, ...]:
    """Every grouping a report can be broken down by here, the organisation questions included."""
    return reporting.GROUPINGS + reporting.service_groupings(_org_items())


def _org_items() -> tuple[str, ...]:
    return reporting.organisation_items(questionnaire("organisation"))


def report_query(
    questionnaire_id: str, *, period: str = "", region_basis: str = "baseline", start=None, end=None
) -> reporting.Query:
    """Which participants a report covers, from the filters a person chose and the app's settings
    (today, ``FOLLOWUP_WEEKS``, the organisation questionnaire's questions)."""
    return reporting.Query(
        questionnaire_id=questionnaire_id,
        as_of=clock.today(),
        followup_weeks=int(current_app.config["FOLLOWUP_WEEKS"]),
        period=period,
        start=start,
        end=end,
        region_basis=region_basis,
        org_items=_org_items(),
        bands=fidelity_bands(),
    )


def participant_export(questionnaire, *, include_all: bool = False) -> exports.ParticipantExport:
    """The participant-level export of ``questionnaire`` as of today, with the app's settings
    (``FOLLOWUP_WEEKS``, the organisation questionnaire, the fidelity bands)."""
    return exports.ParticipantExport(
        questionnaire=questionnaire,
        as_of=clock.today(),
        followup_weeks=int(current_app.config["FOLLOWUP_WEEKS"]),
        organisation=all_questionnaires().get("organisation"),
        include_all=include_all,
        bands=fidelity_bands(),
    )


def build_report(
    query: reporting.Query, by: str, *, suppress: bool = True, items: bool = False, cube=None, adjust=False
) -> reporting.Report:
    """The report of ``query`` by ``by`` with the app's threshold, in the request's or command's
    language; ``cube``: the grouping already solved (the dashboard keeps them between requests)."""
    return reporting.report(
        get_db(),
        query,
        by,
        threshold=suppression_threshold(),
        suppress=suppress,
        items=items,
        questionnaire=questionnaire(query.questionnaire_id),
        translate=gettext,
        cube=cube,
        adjust=adjust,
    )


def solve_report(query: reporting.Query, by: str, *, spine=None):
    """The grouping's figures for every period, with disclosure control (:func:`reporting.protected`)."""
    return reporting.protected(
        get_db(),
        query,
        by,
        threshold=suppression_threshold(),
        questionnaire=questionnaire(query.questionnaire_id),
        translate=gettext,
        spine=spine,
    )


def build_funnel(query: reporting.Query, *, suppress: bool = True):
    """The drop-off of the query's questionnaire (``reporting.funnel``) with the app's threshold."""
    return reporting.funnel(
        get_db(),
        query,
        questionnaire(query.questionnaire_id),
        threshold=suppression_threshold(),
        suppress=suppress,
        translate=gettext,
    )


# --- links that leave the app (SMS, e-mail, QR code, the terminal) ---------------------------------


def external_url(endpoint: str, **values) -> str:
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def public_link(invitation: dict) -> str:
    """The participant's link to an invitation."""
    token = invitations.token_for(current_app.config["SECRET_KEY"], invitation)
    return external_url("participant.welcome", token=token)


def link_timing(participant: dict) -> dict:
    """When the participant's link is due and may go out: ``due`` (the follow-up date), ``first_day``
    (``EARLY_INVITE_DAYS`` before it) and ``expires`` (when a link made now would stop working)."""
    schedule = scheduling.Schedule.from_config(current_app.config)
    due = schedule.due_date(participant["baseline_date"])
    return {
        "due": due,
        "first_day": schedule.first_send_date(participant["baseline_date"]),
        "expires": invitations.link_expiry(clock.now(), due, int(current_app.config["LINK_VALID_DAYS"])),
    }


def issue_link(participant: dict, questionnaire, *, actor, early_reason: str | None = None):
    """The participant's open invitation, made now if there is none, with the app's timing rules:
    never before ``EARLY_INVITE_DAYS`` ahead of the follow-up date without ``early_reason``
    (``invitations.TooEarly``), and valid ``LINK_VALID_DAYS`` past it. Returns ``(invitation, created)``."""
    timing = link_timing(participant)
    return invitations.create_invitation(
        get_db(),
        participant,
        questionnaire,
        valid_days=int(current_app.config["LINK_VALID_DAYS"]),
        actor=actor,
        due=timing["due"],
        first_day=timing["first_day"],
        early_reason=early_reason,
    )


def opt_out_link(participant: dict) -> str:
    """The link in every e-mail that stops all further messages to the participant."""
    token = links.opt_out_token(current_app.config["SECRET_KEY"], participant["id"])
    return external_url("participant.opt_out", token=token)


def participant_for_opt_out(token: str) -> int | None:
    """The participant an opt-out link names, or None when it was not signed by this app."""
    return links.read_opt_out_token(current_app.config["SECRET_KEY"], token)


def message_links():
    """The links messages carry, for ``messaging``."""
    from .messaging import Links

    return Links(
        invitation=public_link,
        opt_out=opt_out_link,
        minutes=estimated_minutes,
        privacy=external_url("participant.privacy_notice"),
    )


def estimated_minutes(questionnaire_id: str) -> int:
    """The minutes a questionnaire's file says answering takes (``estimated_minutes``), else a
    minute for every four questions."""
    found = questionnaire(questionnaire_id)
    if found is None:
        from .messaging.planning import DEFAULT_MINUTES

        return DEFAULT_MINUTES
    return found.estimated_minutes or max(1, -(-len(found.items) // 4))


def team_link(team: dict) -> str:
    """The absolute link of a team's row in a round (for e-mails and the terminal)."""
    return external_url("team.welcome", token=rounds.team_token(current_app.config["SECRET_KEY"], team))


def plan_round_messages(db, now, *, dry_run: bool = False):
    """Queue the round links and reminders that are due (``send-due``, and at once when a round opens)."""
    return rounds.plan_messages(
        db,
        all_questionnaires(),
        team_link,
        now,
        reminder_days=int(current_app.config["ROUND_REMINDER_DAYS"]),
        dry_run=dry_run,
    )


def set_password_url(user: dict) -> str:
    """A new one-time link for ``user`` to set a password; it replaces their earlier links."""
    token = accounts.set_password_token(get_db(), current_app.config["SECRET_KEY"], user["id"])
    return external_url("auth.set_password", token=token)
