"""The rows of an export: one per invitation, read in one query and typed for the writers."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime

import sqlite_utils

from .. import clock, places
from ..questionnaires import Questionnaire
from .variables import DATE, DATETIME, codebook


def export_query(questionnaire: Questionnaire) -> tuple[str, list]:
    """One row per invitation, answers pivoted into one column per item.

    ``CROSS JOIN`` keeps invitation as the outer loop in rowid order, so
    SQLite groups and orders as it scans, without a temporary B-tree, and
    rows come out while the scan goes on (the participant, one row per
    invitation, is in GROUP BY and ORDER BY after it, which changes
    neither). The join condition is in WHERE and the participant's key in
    GROUP BY so that PostgreSQL runs the same text: it has no
    ``CROSS JOIN ... ON`` and wants the selected participant columns
    grouped (their primary key is enough). The municipality's name, region
    and cluster are not joined here: :func:`iter_rows` adds them from
    :mod:`survey_app.places`, read once.
    """
    pivots, params = [], []
    for item in questionnaire.items:
        column = "score" if item.scored else "text"
        pivots.append(f"MAX(CASE WHEN answer.item_id = ? THEN answer.{column} END)")
        params.append(item.id)
    sql = f"""
        SELECT participant.code, participant.municipality_code, participant.baseline_date,
               invitation.created_at, invitation.opened_at, invitation.completed_at,
               {", ".join(pivots)},
               invitation.total_score, invitation.questionnaire_version
        FROM invitation
        CROSS JOIN participant
        LEFT JOIN answer ON answer.invitation_id = invitation.id
        WHERE participant.id = invitation.participant_id
          AND invitation.questionnaire_id = ? AND participant.withdrawn_at IS NULL
        GROUP BY invitation.id, participant.id
        ORDER BY invitation.id, participant.id
    """
    return sql, [*params, questionnaire.id]


def local_time(stored: str | None) -> datetime | None:
    """A stored UTC timestamp as naive Danish local time (files have no time zones)."""
    if not stored:
        return None
    return clock.local(clock.parse(stored)).replace(tzinfo=None)


def iter_rows(db: sqlite_utils.Database, questionnaire: Questionnaire) -> Iterator[tuple]:
    """The export's rows as Python values, in :func:`codebook` order, one at a time.

    Strings, ints, ``date`` for the baseline, naive ``datetime`` in Danish
    local time for the timestamps, ``None`` where there is nothing.
    """
    variables = codebook(questionnaire)
    kinds = [variable.kind for variable in variables]
    # Each municipality's name, cluster and region periods, read once; the region is the one on
    # the participant's baseline date.
    clusters, periods = places.cluster_names(db), places.memberships(db)
    where = {
        code: (name, clusters.get(code), periods.get(code, []))
        for code, name in places.municipality_names(db).items()
    }
    sql, params = export_query(questionnaire)
    cursor = db.conn.execute(sql, params)
    try:
        for code, municipality_code, baseline_date, *rest in cursor:
            name, cluster, own = where[municipality_code]
            region = places.region_in(own, baseline_date)
            row = (code, municipality_code, name, region and region.name, cluster, baseline_date, *rest)
            yield tuple(typed(kind, value) for kind, value in zip(kinds, row, strict=True))
    finally:
        # A download given up halfway must not hold its read snapshot open
        # (it would keep the WAL from being checkpointed); the connection
        # may already be closed when an abandoned generator is collected.
        with contextlib.suppress(sqlite3.ProgrammingError):
            cursor.close()


def typed(kind: str, value):
    if value is None:
        return None
    if kind == DATETIME:
        return local_time(value)
    if kind == DATE:
        return date.fromisoformat(value)
    return value
