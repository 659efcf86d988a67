"""The audit log: who did what, and when.

Logins (and failed ones), changes to participants and users, messages sent
by hand, imports and exports are recorded. Entries name the participant by
id and code, never by contact details or answers. Admins read the log in
the app (``/admin/log``).
"""

from __future__ import annotations

import json

import sqlite_utils

from . import clock


def record(
    db: sqlite_utils.Database,
    action: str,
    *,
    actor: str,
    user_id: int | None = None,
    target: str | None = None,
    detail: dict | str | None = None,
    address: str | None = None,
) -> None:
    """Append one entry. Call it inside the transaction of the change it records, when there is one."""
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
