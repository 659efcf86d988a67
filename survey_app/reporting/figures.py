"""The counts and sums behind every report: one SQL aggregation per grouping and quarter over the
cohort of a query (questionnaire, baseline dates, follow-up weeks, region basis)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from ..statistics import Figures
from .groupings import BY_KEY, grouping_for


@dataclass(frozen=True)
class Query:
    """Which participants a report covers."""

    questionnaire_id: str
    as_of: date
    followup_weeks: int = 26
    period: str = ""  # "" (the whole time), "2025", "2025H1" or "2025K1": the offered views
    start: date | None = None  # first baseline date included (only without suppression)
    end: date | None = None  # last baseline date included (only without suppression)
    region_basis: str = "baseline"
    # The organisation questionnaire's yes/no questions, for the org-item-N groupings.
    org_items: tuple[str, ...] = ()
    # The fidelity bands (bands.toml of FIDELITY_DIR); none: the shipped ones.
    bands: tuple = ()

    @property
    def cutoff(self) -> date:
        """The latest baseline date whose follow-up date has passed."""
        return self.as_of - timedelta(weeks=self.followup_weeks)


# One row per eligible participant with how far they came (over all their
# invitations to the questionnaire). Scanning participants in rowid order
# and looking up their invitations by index is the fastest plan SQLite finds
# for this; an answer is looked up only for opened, unfinished invitations.


_COHORT = """
WITH cohort AS (
    SELECT participant.id AS participant_id, participant.municipality_code, participant.baseline_date,
           participant.gender, participant.birth_year,
           CASE WHEN :region_basis = 'current' THEN :as_of ELSE participant.baseline_date END AS region_date,
           MAX(CASE WHEN invitation.id IS NOT NULL THEN 1 ELSE 0 END) AS invited,
           MAX(CASE WHEN invitation.opened_at IS NOT NULL THEN 1 ELSE 0 END) AS opened,
           MAX(CASE WHEN invitation.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS completed,
           MAX(CASE WHEN invitation.completed_at IS NOT NULL THEN invitation.total_score END) AS total,
           MAX(CASE WHEN invitation.completed_at IS NULL AND invitation.opened_at IS NOT NULL
                    THEN CASE WHEN EXISTS (SELECT 1 FROM answer WHERE answer.invitation_id = invitation.id)
                              THEN 1 ELSE 0 END
                    ELSE 0 END) AS answered
    FROM participant
    LEFT JOIN invitation ON invitation.participant_id = participant.id
      AND invitation.questionnaire_id = :questionnaire
    WHERE participant.withdrawn_at IS NULL
      AND participant.baseline_date <= :cutoff
      AND participant.baseline_date >= :start AND participant.baseline_date <= :end
    GROUP BY participant.id
)
"""


_COUNTS = """
SELECT {key} AS key, {label} AS label, {quarter} AS quarter,
       cohort.invited, cohort.opened, cohort.completed, cohort.answered, cohort.total,
       COUNT(*) AS n
FROM cohort
{joins}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""


_ITEMS = """
SELECT {key} AS key, {quarter} AS quarter, answer.item_id, answer.score, COUNT(*) AS n
FROM cohort
JOIN invitation ON invitation.participant_id = cohort.participant_id
  AND invitation.questionnaire_id = :questionnaire
  AND invitation.completed_at IS NOT NULL AND invitation.total_score IS NOT NULL
  AND cohort.completed = 1
JOIN answer ON answer.invitation_id = invitation.id
{joins}
WHERE answer.score IS NOT NULL
GROUP BY 1, 2, 3, 4
"""


_QUARTER = BY_KEY["period"].key


# Which municipalities' participants are in which group, per quarter (see ``_service_overlaps``).
_MUNICIPALITIES_OF = """
SELECT DISTINCT {key} AS key, cohort.municipality_code, {quarter} AS quarter
FROM cohort
{joins}
"""


# Each question's answers in complete responses, per quarter of the course start, for the total:
# straight from the participants, without the cohort's per-participant pass (the same rows: a
# completed invitation makes its participant completed).
_TOTAL_ITEMS = """
SELECT {quarter} AS quarter, answer.item_id, answer.score, COUNT(*) AS n
FROM participant
JOIN invitation ON invitation.participant_id = participant.id AND invitation.questionnaire_id = :questionnaire
  AND invitation.completed_at IS NOT NULL AND invitation.total_score IS NOT NULL
JOIN answer ON answer.invitation_id = invitation.id
WHERE participant.withdrawn_at IS NULL AND participant.baseline_date <= :cutoff
  AND participant.baseline_date >= :start AND participant.baseline_date <= :end
  AND answer.score IS NOT NULL
GROUP BY 1, 2, 3
""".format(quarter=BY_KEY["period"].key.replace("cohort.", "participant."))


def _sql(query: Query, by: str, template: str) -> tuple[str, dict]:
    grouping = grouping_for(by, query.org_items, query.bands)
    start, end = query.start, query.end
    if query.period:
        start, end = period_dates(query.period)
    params = {
        "questionnaire": query.questionnaire_id,
        "as_of": query.as_of.isoformat(),
        "cutoff": query.cutoff.isoformat(),
        "start": (start or date.min).isoformat(),
        "end": (end or date.max).isoformat(),
        "region_basis": query.region_basis,
        "followup_modifier": f"+{query.followup_weeks * 7} days",
    }
    sql = _COHORT + template.format(
        key=grouping.key, label=grouping.label, quarter=_QUARTER, joins=grouping.joins
    )
    return sql, params


def quarter_figures(
    db: sqlite_utils.Database,
    query: Query,
    by: str,
    *,
    items: bool = False,
    translate=lambda text: text,
) -> tuple[dict[tuple[str, str], Figures], dict[str, str], list[str]]:
    """The counts of each group in each quarter of the course start: figures, labels, group order."""
    grouping = grouping_for(by, query.org_items, query.bands)
    cells: dict[tuple[str, str], Figures] = {}
    labels: dict[str, str] = {}
    sql, params = _sql(query, by, _COUNTS)
    for key, label, quarter, invited, opened, completed, answered, total, n in db.execute(
        sql, params
    ).fetchall():
        key = str(key)
        if key not in labels:
            labels[key] = grouping.label_of(key, label, translate)
        cell = cells.get((key, quarter))
        if cell is None:
            cell = cells[(key, quarter)] = Figures(group=labels[key], key=key)
        cell.eligible += n
        cell.invited += n * invited
        cell.opened += n * opened
        cell.completed += n * completed
        cell.partial += n * (answered and not completed)
        if completed and total is not None:
            cell.scores[total] += n
    if items:
        sql, params = _sql(query, by, _ITEMS)
        for key, quarter, item_id, score, n in db.execute(sql, params).fetchall():
            cell = cells.get((str(key), quarter))
            if cell is not None:
                cell.items.setdefault(item_id, Counter())[score] += n
    order = sorted(labels, key=lambda key: grouping.sort_key(Figures(group=labels[key], key=key)))
    return cells, labels, order


def figures(
    db: sqlite_utils.Database, query: Query, by: str, *, items: bool = False, translate=lambda text: text
) -> list[Figures]:
    """The counts of each group that has eligible participants, in display order."""
    cells, labels, order = quarter_figures(db, query, by, items=items, translate=translate)
    groups = {key: Figures(group=labels[key], key=key) for key in order}
    for (key, _), cell in cells.items():
        groups[key].add(cell)
    return [groups[key] for key in order]


def period_dates(period: str) -> tuple[date, date]:
    """The first and last course start date of an offered period."""
    year = int(period[:4])
    if len(period) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    number = int(period[5])
    first_month = {"H": 6, "K": 3}[period[4]] * (number - 1) + 1
    months = 6 if period[4] == "H" else 3
    last_month = first_month + months - 1
    last = date(year + (last_month == 12), last_month % 12 + 1, 1) - timedelta(days=1)
    return date(year, first_month, 1), last


def _quarter_of(day: date) -> str:
    return f"{day.year}K{(day.month + 2) // 3}"
