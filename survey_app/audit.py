"""The audit log: who did what, and when.

Logins (and failed ones), changes to participants and users, messages sent
by hand, imports and exports are recorded. Entries name the participant by
id and code, never by contact details or answers. Admins read the log in
the app (``/admin/log``).

A domain function that changes data takes the :class:`Actor` and writes its audit row in the
transaction of the change, so there is never a change without its row, nor a row without its change.
The edge says who the actor is: the logged-in user with their address (``web.auth.current_actor``),
or :data:`COMMAND` for the command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from . import clock


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff user (e-mail, id, the address they came from) or a command."""

    name: str
    user_id: int | None = None
    address: str | None = None


COMMAND = Actor("cli")
# A participant acting through their link (opting out); never named beyond the target.
PARTICIPANT = Actor("participant")
# The timer's send-due, creating the links it sends.
SCHEDULE = Actor("send-due")
# Data the benchmarks and the tests' fixtures make: nobody did it, so it gets no audit row.
# Code under survey_app/ never passes it (tests/unit/test_layers.py checks).
SEED = Actor("seed")


def participant_target(participant: dict) -> str:
    """How the log names a participant: by id and pseudonymous code, never by contact details."""
    return f"participant:{participant['id']}:{participant['code']}"


def record(
    db: sqlite_utils.Database,
    action: str,
    *,
    actor: Actor | str,
    user_id: int | None = None,
    target: str | None = None,
    detail: dict | str | None = None,
    address: str | None = None,
) -> None:
    """Append one entry. Call it inside the transaction of the change it records, when there is one."""
    if actor is SEED:
        return
    if isinstance(actor, Actor):
        actor, user_id, address = actor.name, actor.user_id, actor.address
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    db.execute(
        "INSERT INTO audit (at, user_id, actor, action, target, detail, address) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [clock.isoformat(clock.now()), user_id, actor, action, target, detail, address],
    )


def entries(db: sqlite_utils.Database, *, limit: int = 200, before_id: int | None = None) -> list[dict]:
    """The newest entries first, ``limit`` at a time (page on with ``before_id``)."""
    sql = "SELECT * FROM audit"
    params: list = []
    if before_id is not None:
        sql += " WHERE id < ?"
        params.append(before_id)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return list(db.query(sql, params))
