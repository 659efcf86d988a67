"""Evaluators' figures: one SQL aggregation per grouping, then ``statistics``.

The dashboard, the printable municipality report, the non-response view and
``flask --app survey_app report`` all call :func:`report`, so they can never
disagree.

Who counts (see also ``statistics``):

- ``eligible``: participants not withdrawn whose follow-up date (baseline +
  ``FOLLOWUP_WEEKS``) is on or before the as-of date (today), and whose
  baseline falls in the chosen period. Withdrawn participants are left out
  entirely, answers included. An invitation sent before the follow-up
  date (a consultant handing the link over early) is counted once that
  date has passed.
- ``invited`` / ``opened``: has a link to the questionnaire / opened one.
- ``partial``: answered at least one item but did not finish.
- ``completed``: finished; ``csq_n`` counts the complete responses with a
  total score.

A participant's region is the one their municipality belonged to on their
baseline date (``region_basis="baseline"``), or on the as-of date
(``"current"``): Region Sjælland and Region Hovedstaden become Region
Østdanmark on 1 January 2027.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils

from . import statistics
from .questionnaires import Questionnaire
from .statistics import Figures, Row
from .texts import N_

GROUPINGS = ("region", "cluster", "municipality", "period")
ORG_ITEMS = tuple(f"org-item-{number}" for number in range(1, 7))
# Groupings by what is known of the participant's IPS service (issue: organisation and fidelity).
SERVICE_GROUPINGS = ("fidelity-band", *ORG_ITEMS)
# Further groupings used by the evaluator's pages.
OTHER_GROUPINGS = ("month", "gender", "birth_decade")
REGION_BASES = ("baseline", "current")

GENDER_LABELS = {"female": N_("Women"), "male": N_("Men"), "other": N_("Other"), "": N_("Not stated")}
NO_CLUSTER = N_("Not in a cluster")
NO_REVIEW = N_("No fidelity review")
ORG_ANSWERS = {"1": N_("Yes"), "2": N_("No"), "": N_("Not answered")}
NOT_STATED = N_("Not stated")

_DANISH_LETTERS = str.maketrans({"æ": "z{", "ø": "z|", "å": "z}", "Æ": "Z{", "Ø": "Z|", "Å": "Z}"})


def danish_sort_key(text: str) -> str:
    """Sort æ, ø, å after z, in that order, as Danish does."""
    return (text or "").translate(_DANISH_LETTERS).casefold()


@dataclass(frozen=True)
class Query:
    """Which participants a report covers."""

    questionnaire_id: str
    as_of: date
    followup_weeks: int = 26
    start: date | None = None  # first baseline date included
    end: date | None = None  # last baseline date included
    region_basis: str = "baseline"
    municipalities: tuple[str, ...] | None = None  # only these municipalities
    region_id: str | None = None  # only this region (on the region basis date)

    @property
    def cutoff(self) -> date:
        """The latest baseline date whose follow-up date has passed."""
        return self.as_of - timedelta(weeks=self.followup_weeks)


@dataclass(frozen=True)
class _Grouping:
    key: str  # SQL expression for the group's key
    label: str  # SQL expression for its display name
    joins: str = ""


_REGION_JOIN = (
    " JOIN municipality_region AS membership ON membership.municipality_code = cohort.municipality_code"
    "  AND membership.valid_from <= cohort.region_date"
    "  AND (membership.valid_to IS NULL OR membership.valid_to >= cohort.region_date)"
    " JOIN region ON region.id = membership.region_id"
)

_GROUPINGS = {
    "total": _Grouping("''", "''"),
    "region": _Grouping("region.id", "region.name", _REGION_JOIN),
    "cluster": _Grouping(
        "COALESCE(cluster.id, '')",
        "cluster.name",
        " LEFT JOIN cluster_municipality ON cluster_municipality.municipality_code = cohort.municipality_code"
        " LEFT JOIN cluster ON cluster.id = cluster_municipality.cluster_id",
    ),
    "municipality": _Grouping(
        "cohort.municipality_code",
        "municipality.name",
        " JOIN municipality ON municipality.code = cohort.municipality_code",
    ),
    "period": _Grouping(
        "substr(cohort.baseline_date, 1, 4) || 'K' || ((CAST(substr(cohort.baseline_date, 6, 2) AS INTEGER) + 2) / 3)",
        "NULL",
    ),
    "month": _Grouping("strftime('%Y-%m', cohort.baseline_date, :followup_modifier)", "NULL"),
    "gender": _Grouping("COALESCE(cohort.gender, '')", "NULL"),
    "birth_decade": _Grouping("COALESCE(cohort.birth_year / 10 * 10, '')", "NULL"),
}

# One row per eligible participant with how far they came (over all their
# invitations to the questionnaire). Scanning participants in rowid order
# and looking up their invitations by index is the fastest plan SQLite finds
# for this; an answer is looked up only for opened, unfinished invitations.
_FOLLOWUP_DATE = "date(cohort.baseline_date, :followup_modifier)"


def _nearest(table: str, alias: str, where: str, date_column: str, tie_break: str, value: str) -> str:
    """A scalar subquery: ``value`` of the ``table`` row nearest in time to the follow-up date.

    Nearest = fewest days away; on a tie the earlier date, then ``tie_break``
    (an SQL text expression), then the lower id. SQLite cannot refer to the
    outer row in a subquery's ORDER BY, so the order is a sortable text key
    and the row is the one holding the smallest key.
    """

    def key(name: str) -> str:
        return (
            f"printf('%07d', CAST(ABS(julianday({name}.{date_column}) - julianday({_FOLLOWUP_DATE})) AS INTEGER))"
            f" || {name}.{date_column} || {tie_break.format(t=name)} || printf('%012d', {name}.id)"
        )

    other = alias + "_other"
    return (
        f"(SELECT {value.format(t=alias)} FROM {table} AS {alias} WHERE {where.format(t=alias)}"
        f" AND {key(alias)} = (SELECT MIN({key(other)}) FROM {table} AS {other} WHERE {where.format(t=other)}))"
    )


def _grouping(by: str) -> _Grouping:
    """The SQL of a grouping. Those by fidelity and by organisation answers take, for each
    participant, their municipality's review or team answer nearest their follow-up date."""
    if by == "fidelity-band":
        from . import fidelity

        # The matching rule (nearest review; ties: the earlier, then IPS-25) is fidelity's.
        score = fidelity.matched_review_sql("cohort.municipality_code", _FOLLOWUP_DATE)
        return _Grouping(f"COALESCE({fidelity.band_sql(score)}, '')", "NULL")
    if by in ORG_ITEMS:
        item = "org_" + by.rsplit("-", 1)[1]
        # Teams that finished the round; the round's deadline is its date.
        answered = (
            "(SELECT round_team.id, round_team.municipality_code, round.deadline, round_answer.score"
            " FROM round_team JOIN round ON round.id = round_team.round_id"
            " JOIN round_answer ON round_answer.round_team_id = round_team.id"
            f" AND round_answer.item_id = '{item}' AND round_answer.score IS NOT NULL"
            " WHERE round_team.completed_at IS NOT NULL)"
        )
        answer = _nearest(
            answered,
            "team",
            "{t}.municipality_code = cohort.municipality_code",
            "deadline",
            "''",
            "{t}.score",
        )
        return _Grouping(f"COALESCE({answer}, '')", "NULL")
    return _GROUPINGS[by]


_COHORT = """
WITH cohort AS (
    SELECT participant.id AS participant_id, participant.municipality_code, participant.baseline_date,
           participant.gender, participant.birth_year,
           CASE WHEN :region_basis = 'current' THEN :as_of ELSE participant.baseline_date END AS region_date,
           MAX(invitation.id IS NOT NULL) AS invited,
           MAX(invitation.opened_at IS NOT NULL) AS opened,
           MAX(invitation.completed_at IS NOT NULL) AS completed,
           MAX(CASE WHEN invitation.completed_at IS NOT NULL THEN invitation.total_score END) AS total,
           MAX(CASE WHEN invitation.completed_at IS NULL AND invitation.opened_at IS NOT NULL
                    THEN EXISTS (SELECT 1 FROM answer WHERE answer.invitation_id = invitation.id)
                    ELSE 0 END) AS answered
    FROM participant
    LEFT JOIN invitation ON invitation.participant_id = participant.id
      AND invitation.questionnaire_id = :questionnaire
    WHERE participant.withdrawn_at IS NULL
      AND participant.baseline_date <= :cutoff
      AND participant.baseline_date >= :start AND participant.baseline_date <= :end
      {municipality_filter}
    GROUP BY participant.id
)
"""

_COUNTS = """
SELECT {key} AS key, {label} AS label,
       cohort.invited, cohort.opened, cohort.completed, cohort.answered, cohort.total,
       COUNT(*) AS n
FROM cohort
{joins}
{where}
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

_ITEMS = """
SELECT {key} AS key, answer.item_id, answer.score, COUNT(*) AS n
FROM cohort
JOIN invitation ON invitation.participant_id = cohort.participant_id
  AND invitation.questionnaire_id = :questionnaire
  AND invitation.completed_at IS NOT NULL AND invitation.total_score IS NOT NULL
  AND cohort.completed
JOIN answer ON answer.invitation_id = invitation.id
{joins}
WHERE answer.score IS NOT NULL {and_where}
GROUP BY 1, 2, 3
"""


def _sql(query: Query, by: str, template: str) -> tuple[str, dict]:
    grouping = _grouping(by)
    params = {
        "questionnaire": query.questionnaire_id,
        "as_of": query.as_of.isoformat(),
        "cutoff": query.cutoff.isoformat(),
        "start": (query.start or date.min).isoformat(),
        "end": (query.end or date.max).isoformat(),
        "region_basis": query.region_basis,
        "followup_modifier": f"+{query.followup_weeks * 7} days",
    }
    municipality_filter = ""
    if query.municipalities is not None:
        names = [f":m{i}" for i in range(len(query.municipalities))]
        municipality_filter = f"AND participant.municipality_code IN ({', '.join(names) or 'NULL'})"
        params.update({f"m{i}": code for i, code in enumerate(query.municipalities)})
    joins = grouping.joins
    conditions = []
    if query.region_id is not None:
        if _REGION_JOIN not in joins:
            joins += _REGION_JOIN
        conditions.append("region.id = :region_id")
        params["region_id"] = query.region_id
    sql = _COHORT.format(municipality_filter=municipality_filter) + template.format(
        key=grouping.key,
        label=grouping.label,
        joins=joins,
        where=("WHERE " + " AND ".join(conditions)) if conditions else "",
        and_where="".join(f" AND {condition}" for condition in conditions),
    )
    return sql, params


def figures(
    db: sqlite_utils.Database, query: Query, by: str, *, items: bool = False, translate=lambda text: text
) -> list[Figures]:
    """The counts of each group that has eligible participants, in display order."""
    if by not in _GROUPINGS and by not in SERVICE_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    groups: dict[str, Figures] = {}
    sql, params = _sql(query, by, _COUNTS)
    for key, label, invited, opened, completed, answered, total, n in db.execute(sql, params).fetchall():
        key = str(key)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Figures(group=_label(by, key, label, translate), key=key)
        group.eligible += n
        group.invited += n * invited
        group.opened += n * opened
        group.completed += n * completed
        group.partial += n * (answered and not completed)
        if completed and total is not None:
            group.scores[total] += n
    if items:
        sql, params = _sql(query, by, _ITEMS)
        for key, item_id, score, n in db.execute(sql, params).fetchall():
            group = groups.get(str(key))
            if group is not None:
                group.items.setdefault(item_id, Counter())[score] += n
    return sorted(groups.values(), key=lambda group: _order(by, group))


def _label(by: str, key: str, label: str | None, translate) -> str:
    if by == "cluster" and not key:
        return translate(NO_CLUSTER)
    if by == "gender":
        return translate(GENDER_LABELS.get(key, key))
    if by == "birth_decade":
        return f"{key}–{int(key) + 9}" if key else translate(NOT_STATED)
    if by == "total":
        return "Total"
    if by == "fidelity-band":
        from . import fidelity

        labels = {band.key: band.label for band in fidelity.BANDS}
        return labels.get(key) or translate(NO_REVIEW)
    if by in ORG_ITEMS:
        return translate(ORG_ANSWERS.get(key, key))
    return label if label is not None else key


def _order(by: str, group: Figures):
    if by == "fidelity-band":
        from . import fidelity

        keys = [band.key for band in fidelity.BANDS]
        return (keys.index(group.key) if group.key in keys else len(keys), group.key)
    if by in ORG_ITEMS:
        return (list(ORG_ANSWERS).index(group.key) if group.key in ORG_ANSWERS else 9, group.key)
    if by in ("period", "month"):
        return (0, group.key)
    if by == "gender":
        order = list(GENDER_LABELS)
        return (order.index(group.key) if group.key in order else len(order), group.key)
    if by == "birth_decade":
        return (group.key == "", group.key)
    return (by == "cluster" and group.key == "", danish_sort_key(group.group))


@dataclass
class Report:
    """What one report shows: group rows, then the total, after suppression."""

    by: str
    query: Query
    rows: list[Row]
    threshold: int
    suppressed: bool  # whether suppression was applied at all
    questionnaire: Questionnaire | None = None
    groups: list[Figures] = field(default_factory=list)

    @property
    def group_rows(self) -> list[Row]:
        return self.rows[:-1]

    @property
    def total(self) -> Row:
        return self.rows[-1]

    def json_rows(self) -> list[dict]:
        """The command line's JSON: exactly these keys, hidden values as ``None``."""
        return [
            {
                "group": row.values["group"],
                "eligible": row.values["eligible"],
                "invited": row.values["invited"],
                "opened": row.values["opened"],
                "partial": row.values["partial"],
                "completed": row.values["completed"],
                "response_rate": row.values["response_rate"],
                "csq_n": row.values["csq_n"],
                "csq_mean": row.values["csq_mean"],
                "csq_sd": row.values["csq_sd"],
                "suppressed": bool(row.hidden.intersection(JSON_KEYS)),
            }
            for row in self.rows
        ]


JSON_KEYS = (
    "eligible",
    "invited",
    "opened",
    "partial",
    "completed",
    "response_rate",
    "csq_n",
    "csq_mean",
    "csq_sd",
)


def report(
    db: sqlite_utils.Database,
    query: Query,
    by: str,
    *,
    threshold: int = statistics.DEFAULT_THRESHOLD,
    suppress: bool = True,
    items: bool = False,
    questionnaire: Questionnaire | None = None,
    translate=lambda text: text,
    counts: tuple[str, ...] = statistics.COUNT_KEYS,
    complements: tuple[tuple[str, str, str], ...] = (),
) -> Report:
    """Figures per group and in total, with small cells hidden unless ``suppress`` is false.

    ``counts`` and ``complements`` are passed to :func:`statistics.suppress`.
    """
    groups = figures(db, query, by, items=items, translate=translate)
    total = statistics.total_of(groups)
    rows = statistics.suppress(
        groups, total, threshold if suppress else 0, counts=counts, complements=complements
    )
    return Report(
        by=by,
        query=query,
        rows=rows,
        threshold=threshold,
        suppressed=suppress,
        questionnaire=questionnaire,
        groups=groups,
    )
