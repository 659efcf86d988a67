"""Routes of the evaluator's pages."""

from __future__ import annotations

from flask import render_template

from .. import clock
from ..auth import role_required
from ..db import get_db
from . import bp


@bp.get("/")
@role_required("evaluator")
def home():
    """Invitations and answers per region (as of today), without any personal data."""
    today = clock.today().isoformat()
    rows = list(
        get_db().query(
            "SELECT region.name AS region, COUNT(DISTINCT participant.id) AS participants,"
            " COUNT(DISTINCT invitation.participant_id) AS invited,"
            " COUNT(DISTINCT CASE WHEN invitation.completed_at IS NOT NULL THEN invitation.participant_id END)"
            "   AS answered"
            " FROM participant"
            " JOIN municipality_region ON municipality_region.municipality_code = participant.municipality_code"
            "   AND municipality_region.valid_from <= :today"
            "   AND (municipality_region.valid_to IS NULL OR municipality_region.valid_to >= :today)"
            " JOIN region ON region.id = municipality_region.region_id"
            " LEFT JOIN invitation ON invitation.participant_id = participant.id"
            "   AND invitation.questionnaire_id = 'csq8'"
            " WHERE participant.withdrawn_at IS NULL"
            " GROUP BY region.id ORDER BY region.name",
            {"today": today},
        )
    )
    for row in rows:
        row["rate"] = row["answered"] / row["invited"] * 100 if row["invited"] else None
    return render_template("evaluator/home.html", rows=rows)
