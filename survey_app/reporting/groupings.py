"""The groupings a report can be broken down by: each one's key and label in SQL, its label on the
page and its sort order."""

from __future__ import annotations

from dataclasses import dataclass

from ..languages import N_
from ..statistics import Figures

GROUPINGS = ("region", "cluster", "municipality", "period")


ORG_ITEMS = tuple(f"org-item-{number}" for number in range(1, 7))


# Groupings by what is known of the participant's IPS service (issue: organisation and fidelity).
SERVICE_GROUPINGS = ("fidelity-band", *ORG_ITEMS)


# Further groupings used by the evaluator's pages.
OTHER_GROUPINGS = ("gender", "birth_decade")


REGION_BASES = ("baseline", "current")


GENDER_LABELS = {"female": N_("Women"), "male": N_("Men"), "other": N_("Other"), "": N_("Not stated")}


NO_CLUSTER = N_("Not in a cluster")


NO_REVIEW = N_("No fidelity review")


ORG_ANSWERS = {"1": N_("Yes"), "2": N_("No"), "": N_("Not answered")}


NOT_STATED = N_("Not stated")


# A participant's follow-up date in the cohort's SQL (the modifier is '+N days' of the query).
FOLLOWUP_DATE = "date(cohort.baseline_date, :followup_modifier)"

_DANISH_LETTERS = str.maketrans({"æ": "z{", "ø": "z|", "å": "z}", "Æ": "Z{", "Ø": "Z|", "Å": "Z}"})


def danish_sort_key(text: str) -> str:
    """Sort æ, ø, å after z, in that order, as Danish does."""
    return (text or "").translate(_DANISH_LETTERS).casefold()


@dataclass(frozen=True)
class Grouping:
    key: str  # SQL expression for the group's key
    label: str  # SQL expression for its display name
    joins: str = ""


_REGION_JOIN = (
    " JOIN municipality_region AS membership ON membership.municipality_code = cohort.municipality_code"
    "  AND membership.valid_from <= cohort.region_date"
    "  AND (membership.valid_to IS NULL OR membership.valid_to >= cohort.region_date)"
    " JOIN region ON region.id = membership.region_id"
)


BY_KEY = {
    "total": Grouping("''", "''"),
    "region": Grouping("region.id", "region.name", _REGION_JOIN),
    "cluster": Grouping(
        "COALESCE(cluster.id, '')",
        "cluster.name",
        " LEFT JOIN cluster_municipality ON cluster_municipality.municipality_code = cohort.municipality_code"
        " LEFT JOIN cluster ON cluster.id = cluster_municipality.cluster_id",
    ),
    "municipality": Grouping(
        "cohort.municipality_code",
        "municipality.name",
        " JOIN municipality ON municipality.code = cohort.municipality_code",
    ),
    "period": Grouping(
        "substr(cohort.baseline_date, 1, 4) || 'K' || ((CAST(substr(cohort.baseline_date, 6, 2) AS INTEGER) + 2) / 3)",
        "NULL",
    ),
    # Municipality and region together: the region, cluster, municipality and total groupings are
    # all sums of these cells, read in one pass (``_geography``).
    "municipality_region": Grouping(
        "cohort.municipality_code || '|' || region.id",
        "municipality.name || '|' || region.name",
        " JOIN municipality ON municipality.code = cohort.municipality_code" + _REGION_JOIN,
    ),
    "gender": Grouping("COALESCE(cohort.gender, '')", "NULL"),
    "birth_decade": Grouping("COALESCE(cohort.birth_year / 10 * 10, '')", "NULL"),
}


def _nearest(table: str, alias: str, where: str, date_column: str, tie_break: str, value: str) -> str:
    """A scalar subquery: ``value`` of the ``table`` row nearest in time to the follow-up date.

    Nearest = fewest days away; on a tie the earlier date, then ``tie_break``
    (an SQL text expression), then the lower id. SQLite cannot refer to the
    outer row in a subquery's ORDER BY, so the order is a sortable text key
    and the row is the one holding the smallest key.
    """

    def key(name: str) -> str:
        return (
            f"printf('%07d', CAST(ABS(julianday({name}.{date_column}) - julianday({FOLLOWUP_DATE})) AS INTEGER))"
            f" || {name}.{date_column} || {tie_break.format(t=name)} || printf('%012d', {name}.id)"
        )

    other = alias + "_other"
    return (
        f"(SELECT {value.format(t=alias)} FROM {table} AS {alias} WHERE {where.format(t=alias)}"
        f" AND {key(alias)} = (SELECT MIN({key(other)}) FROM {table} AS {other} WHERE {where.format(t=other)}))"
    )


def grouping_for(by: str) -> Grouping:
    """The SQL of a grouping. Those by fidelity and by organisation answers take, for each
    participant, their municipality's review or team answer nearest their follow-up date."""
    if by == "fidelity-band":
        from .. import fidelity

        # The matching rule (nearest review; ties: the earlier, then IPS-25) is fidelity's.
        score = fidelity.matched_review_sql("cohort.municipality_code", FOLLOWUP_DATE)
        return Grouping(f"COALESCE({fidelity.band_sql(score)}, '')", "NULL")
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
        return Grouping(f"COALESCE({answer}, '')", "NULL")
    return BY_KEY[by]


def group_label(by: str, key: str, label: str | None, translate) -> str:
    if by == "cluster" and not key:
        return translate(NO_CLUSTER)
    if by == "gender":
        return translate(GENDER_LABELS.get(key, key))
    if by == "birth_decade":
        return f"{key}–{int(key) + 9}" if key else translate(NOT_STATED)
    if by == "total":
        return "Total"
    if by == "fidelity-band":
        from .. import fidelity

        labels = {band.key: band.label for band in fidelity.BANDS}
        return labels.get(key) or translate(NO_REVIEW)
    if by in ORG_ITEMS:
        return translate(ORG_ANSWERS.get(key, key))
    return label if label is not None else key


def group_sort_key(by: str, group: Figures):
    if by == "fidelity-band":
        from .. import fidelity

        keys = [band.key for band in fidelity.BANDS]
        return (keys.index(group.key) if group.key in keys else len(keys), group.key)
    if by in ORG_ITEMS:
        return (list(ORG_ANSWERS).index(group.key) if group.key in ORG_ANSWERS else 9, group.key)
    if by == "period":
        return (0, group.key)
    if by == "gender":
        order = list(GENDER_LABELS)
        return (order.index(group.key) if group.key in order else len(order), group.key)
    if by == "birth_decade":
        return (group.key == "", group.key)
    return (by == "cluster" and group.key == "", danish_sort_key(group.group))
