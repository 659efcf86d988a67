"""Deleting what is no longer needed.

A participant's phone number and e-mail exist only to send the invitation
and reminders. Once the participant has completed, opted out or been
withdrawn, or their link has expired, they are deleted after a grace period
(``CONTACT_GRACE_DAYS``, default 14, time to answer a question about a
message that went astray). The messages keep their text (which holds no
contact details) but lose their recipient. ``send-due`` runs this every
time; ``purge-contacts`` runs it alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from . import clock
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
