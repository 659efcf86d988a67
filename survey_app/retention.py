"""Deleting what is no longer needed.

A participant's phone number and e-mail exist only to send the invitation
and reminders. Once the participant has completed, opted out or been
withdrawn, or their link has expired, they are deleted after a grace period
(``CONTACT_GRACE_DAYS``, default 14, time to answer a question about a
message that went astray). The messages keep their text (which holds no
contact details) but lose their recipient. ``send-due`` runs this every
time; ``purge-contacts`` runs it alone.

Answers are kept ``RETENTION_YEARS`` (default 5) after the participant's part ended (their last
link completed or expired; for someone never invited, their withdrawal or opt-out). Then
``RETENTION_ACTION`` decides: ``anonymise`` (default: the row stays for the reports, with a new
random code, no contact details or messages, dates coarsened to the month) or ``delete``. ``send-due``
runs it every time too; ``retention`` runs it alone.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlite_utils

from . import audit, clock, data_rights
from .db import transaction


def purge_contacts(
    db: sqlite_utils.Database, now: datetime, grace_days: int, *, dry_run: bool = False
) -> list[int]:
    """Delete contact details that are no longer needed; return the participants' ids."""
    limit = clock.isoformat(now - timedelta(days=grace_days))
    with transaction(db):
        ids = [
            row[0]
            for row in db.execute(
                "SELECT id FROM participant WHERE contacts_purged_at IS NULL"
                " AND (phone IS NOT NULL OR email IS NOT NULL) AND ("
                "   withdrawn_at <= :limit OR opted_out_at <= :limit"
                "   OR EXISTS (SELECT 1 FROM invitation WHERE invitation.participant_id = participant.id"
                "     AND invitation.completed_at <= :limit)"
                "   OR (EXISTS (SELECT 1 FROM invitation WHERE invitation.participant_id = participant.id)"
                "     AND NOT EXISTS (SELECT 1 FROM invitation WHERE invitation.participant_id = participant.id"
                "       AND invitation.expires_at > :limit)))",
                {"limit": limit},
            )
        ]
        if dry_run or not ids:
            return ids
        marks = ", ".join("?" for _ in ids)
        db.execute(
            f"UPDATE participant SET phone = NULL, email = NULL, contacts_purged_at = ? WHERE id IN ({marks})",
            [clock.isoformat(now), *ids],
        )
        db.execute(f"UPDATE message SET recipient = NULL WHERE participant_id IN ({marks})", ids)
        db.execute(
            f"UPDATE message SET status = 'cancelled' WHERE status = 'pending' AND participant_id IN ({marks})",
            ids,
        )
    return ids


# --- answers kept no longer than needed --------------------------------------------------------------

ACTIONS = ("anonymise", "delete")

# When a participant's part ended: their last link completed or expired; for someone never
# invited, their withdrawal or opt-out. A participant with a link still open has not ended.
_ENDED = """
SELECT participant.id, participant.code, participant.municipality_code,
       COALESCE(
         (SELECT MAX(COALESCE(invitation.completed_at, invitation.expires_at)) FROM invitation
          WHERE invitation.participant_id = participant.id),
         participant.withdrawn_at, participant.opted_out_at) AS ended_at
FROM participant
WHERE participant.anonymised_at IS NULL
"""


def check_retention(years, action) -> tuple[int, str]:
    """``RETENTION_YEARS`` (a whole number of years, at least 1) and ``RETENTION_ACTION``."""
    try:
        whole = int(years)
    except (TypeError, ValueError):
        whole = 0
    if whole < 1 or str(whole) != str(years).strip():
        raise ValueError(f"RETENTION_YEARS skal være et helt antal år, mindst 1 (ikke {years!r}).")
    if action not in ACTIONS:
        raise ValueError(f"RETENTION_ACTION skal være 'anonymise' eller 'delete' (ikke {action!r}).")
    return whole, action


def retention_limit(now: datetime, years: int) -> str:
    """The moment ``years`` years before ``now`` (29 February becomes 28 February)."""
    try:
        then = now.replace(year=now.year - years)
    except ValueError:
        then = now.replace(year=now.year - years, day=28)
    return clock.isoformat(then)


def due_for_retention(db: sqlite_utils.Database, now: datetime, years: int) -> list[dict]:
    """Participants whose part ended at least ``years`` years ago and who are not anonymised yet."""
    limit = retention_limit(now, years)
    return [
        {"id": row[0], "code": row[1], "municipality_code": row[2], "ended_at": row[3]}
        for row in db.execute(_ENDED).fetchall()
        if row[3] is not None and row[3] <= limit
    ]


def _month(column: str) -> str:
    """SQL: a date or timestamp column coarsened to the first of its month (NULL stays NULL)."""
    return (
        f"{column} = CASE WHEN {column} IS NULL THEN NULL"
        f" WHEN length({column}) = 10 THEN substr({column}, 1, 7) || '-01'"
        f" ELSE substr({column}, 1, 7) || '-01T00:00:00+00:00' END"
    )


def apply_retention(
    db: sqlite_utils.Database,
    now: datetime,
    years: int,
    action: str,
    *,
    actor: audit.Actor,
    dry_run: bool = False,
) -> dict:
    """Anonymise or delete what ``RETENTION_YEARS`` says is no longer needed; the counts.

    ``anonymise``: the code is replaced by a random one, contact details and messages are deleted,
    the answers keep their scores (free texts are deleted), every date is coarsened to its month, the
    links stop working, and the audit rows naming the participant name the new code. Reports go on
    counting the row (its quarter of the course start stays the same). ``delete``: the participant
    goes as in an erasure (``data_rights.erase``), the audit rows naming them keep only their id, and
    reports no longer count them. One audit row records the run."""
    years, action = check_retention(years, action)
    if dry_run:
        return {"participants": len(due_for_retention(db, now, years)), "action": action, "years": years}
    # Who is due is read under the write lock: two runs at once (send-due and the retention command,
    # or two servers) take turns, and the second finds nobody left.
    with transaction(db):
        due = due_for_retention(db, now, years)
        counts = {"participants": len(due), "action": action, "years": years}
        if not due:
            return counts
        for participant in due:
            if action == "delete":
                data_rights.erase(db, participant, actor=actor, audited=False)  # the run's row says it
                db.execute(
                    "UPDATE audit SET target = ? WHERE target = ?",
                    [f"participant:{participant['id']}", audit.participant_target(participant)],
                )
            else:
                _anonymise(db, participant, now)
        audit.record(db, "retention_applied", actor=actor, detail=counts)
    return counts


def _anonymise(db: sqlite_utils.Database, participant: dict, now: datetime) -> None:
    pid = participant["id"]
    new_code = f"anonym-{secrets.token_hex(5)}"
    db.execute(
        "UPDATE participant SET code = ?, phone = NULL, email = NULL, "
        + ", ".join(
            _month(column)
            for column in (
                "baseline_date",
                "created_at",
                "updated_at",
                "consent_at",
                "withdrawn_at",
                "opted_out_at",
                "contacts_purged_at",
            )
        )
        + ", anonymised_at = ? WHERE id = ?",
        [new_code, clock.isoformat(now)[:7] + "-01T00:00:00+00:00", pid],
    )
    invitation_ids, marks = data_rights.delete_messages(db, pid)
    if invitation_ids:
        db.execute(
            "UPDATE answer SET text = NULL, answered_by = NULL, "
            + _month("answered_at")
            + f" WHERE invitation_id IN ({marks})",
            invitation_ids,
        )
        # A new nonce: the old links are dead for good.
        for invitation_id in invitation_ids:
            db.execute(
                "UPDATE invitation SET nonce = ?, "
                + ", ".join(
                    _month(column)
                    for column in ("created_at", "expires_at", "opened_at", "completed_at", "withdrawn_at")
                )
                + " WHERE id = ?",
                [secrets.token_urlsafe(16), invitation_id],
            )
    db.execute(
        "UPDATE audit SET target = ? WHERE target = ?",
        [f"participant:{pid}:{new_code}", audit.participant_target(participant)],
    )
