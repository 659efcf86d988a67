"""The groupings a report can be broken down by, one object each: the SQL of a participant's group
(its key, its label, the joins it needs), how its groups are named on the page and in what order.

Most are fixed (region, cluster, municipality, period, gender, birth decade). Those by the
participant's IPS service are data: one by the fidelity band of the municipality's review, and one
for each yes/no question of the organisation questionnaire (``org-item-1``, ``org-item-2``, …, in the
order of the questionnaire), so a question added to ``questionnaires/organisation.toml`` is a grouping
with no change here. A :class:`~survey_app.reporting.figures.Query` carries the ids of those
questions (``org_items``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..languages import N_
from ..questionnaires import Questionnaire
from ..statistics import Figures
from . import contacts

GROUPINGS = ("region", "cluster", "municipality", "period", "channel", "contact")
REGION_BASES = ("baseline", "current")
FIDELITY_BAND = "fidelity-band"
ORG_ITEM_PREFIX = "org-item-"

NO_CLUSTER = N_("Not in a cluster")
NO_REVIEW = N_("No fidelity review")
NOT_STATED = N_("Not stated")
GENDER_LABELS = {"female": N_("Women"), "male": N_("Men"), "other": N_("Other"), "": NOT_STATED}
ORG_ANSWERS = {"1": N_("Yes"), "2": N_("No"), "": N_("Not answered")}

# A participant's follow-up date in the cohort's SQL (the modifier is '+N days' of the query).
FOLLOWUP_DATE = "date(cohort.baseline_date, :followup_modifier)"

_DANISH_LETTERS = str.maketrans({"æ": "z{", "ø": "z|", "å": "z}", "Æ": "Z{", "Ø": "Z|", "Å": "Z}"})


def danish_sort_key(text: str) -> str:
    """Sort æ, ø, å after z, in that order, as Danish does."""
    return (text or "").translate(_DANISH_LETTERS).casefold()


@dataclass(frozen=True)
class Grouping:
    """One way to break a report down."""

    name: str
    key: str  # SQL expression for the group's key
    label: str = "NULL"  # SQL expression for its display name (NULL: named from the key)
    joins: str = ""
    names: Mapping[str, str] | None = None  # key -> name of a group the SQL does not name
    translate_names: bool = True  # names are msgids (else shown as they are)
    blank: str | None = None  # msgid of the group with an empty key
    order: tuple[str, ...] = ()  # keys in display order (others after them); else by name
    by_key: bool = False  # groups sorted by key (quarters, decades), an empty key last
    describe: Callable[[str, Callable], str] | None = None  # a name made from the key

    def label_of(self, key: str, sql_label: str | None, translate) -> str:
        """The name of the group ``key`` on the page."""
        if self.describe is not None:
            return self.describe(key, translate)
        if self.names is not None and key in self.names:
            return translate(self.names[key]) if self.translate_names else self.names[key]
        if not key and self.blank is not None:
            return translate(self.blank)
        return sql_label if sql_label is not None else key

    def sort_key(self, group: Figures) -> tuple:
        """Where the group stands among the others."""
        if self.order:
            return (self.order.index(group.key) if group.key in self.order else len(self.order), group.key)
        if self.by_key:
            return (group.key == "", group.key)
        return (group.key == "", danish_sort_key(group.group))


_REGION_JOIN = (
    " JOIN municipality_region AS membership ON membership.municipality_code = cohort.municipality_code"
    "  AND membership.valid_from <= cohort.region_date"
    "  AND (membership.valid_to IS NULL OR membership.valid_to >= cohort.region_date)"
    " JOIN region ON region.id = membership.region_id"
)
_MUNICIPALITY_JOIN = " JOIN municipality ON municipality.code = cohort.municipality_code"

_FIXED = (
    Grouping("total", "''", "''", describe=lambda key, translate: "Total"),
    Grouping("region", "region.id", "region.name", _REGION_JOIN),
    Grouping(
        "cluster",
        "COALESCE(CAST(cluster.id AS TEXT), '')",
        "cluster.name",
        " LEFT JOIN cluster_municipality ON cluster_municipality.municipality_code = cohort.municipality_code"
        " LEFT JOIN cluster ON cluster.id = cluster_municipality.cluster_id",
        blank=NO_CLUSTER,
    ),
    Grouping("municipality", "cohort.municipality_code", "municipality.name", _MUNICIPALITY_JOIN),
    Grouping(
        "period",
        "substr(cohort.baseline_date, 1, 4) || 'K' || ((CAST(substr(cohort.baseline_date, 6, 2) AS INTEGER) + 2) / 3)",
        by_key=True,
    ),
    # The month of the course start: the national response-rate trend (``reporting.trend``), not offered
    # as a grouping of its own.
    Grouping("month", "substr(cohort.baseline_date, 1, 7)", by_key=True),
    # Municipality and region together: the region, cluster, municipality and total groupings are
    # all sums of these cells, read in one pass (``protection._geography``).
    Grouping(
        "municipality_region",
        "cohort.municipality_code || '|' || region.id",
        "municipality.name || '|' || region.name",
        _MUNICIPALITY_JOIN + _REGION_JOIN,
    ),
    Grouping("gender", "COALESCE(cohort.gender, '')", names=GENDER_LABELS, order=tuple(GENDER_LABELS)),
    Grouping(
        "birth_decade",
        "COALESCE(CAST(cohort.birth_year / 10 * 10 AS TEXT), '')",
        by_key=True,
        describe=lambda key, translate: f"{key}–{int(key) + 9}" if key else translate(NOT_STATED),
    ),
)
BY_KEY = {grouping.name: grouping for grouping in _FIXED}

# What brings the answers: the first channel and the contact before the completion (``contacts``).
BY_KEY["channel"] = Grouping(
    "channel",
    contacts.FIRST_CHANNEL,
    joins=contacts.FIRST_CONTACT_JOIN,
    names=contacts.CHANNELS,
    order=tuple(contacts.CHANNELS),
)
BY_KEY["contact"] = Grouping(
    "contact",
    contacts.CONTACT_BEFORE,
    joins=contacts.CONTACT_BEFORE_JOIN,
    names=contacts.CONTACTS,
    order=tuple(contacts.CONTACTS),
)


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


def organisation_items(questionnaire: Questionnaire | None) -> tuple[str, ...]:
    """The ids of the organisation questionnaire's yes/no questions, in order: ``org-item-N`` is the N-th."""
    if questionnaire is None:
        return ()
    return tuple(item.id for item in questionnaire.items if item.type == "yesno")


def service_groupings(org_items: Sequence[str]) -> tuple[str, ...]:
    """The groupings by the participant's IPS service: the fidelity band, then one per organisation question."""
    return (FIDELITY_BAND, *(f"{ORG_ITEM_PREFIX}{number}" for number in range(1, len(org_items) + 1)))


def is_service_grouping(by: str) -> bool:
    return by == FIDELITY_BAND or by.startswith(ORG_ITEM_PREFIX)


def _fidelity_band(bands: Sequence) -> Grouping:
    from .. import fidelity

    bands = tuple(bands) or fidelity.BANDS
    # The matching rule (nearest review; ties: the earlier, then IPS-25) is fidelity's.
    score = fidelity.matched_review_sql("cohort.municipality_code", FOLLOWUP_DATE)
    return Grouping(
        FIDELITY_BAND,
        f"COALESCE({fidelity.band_sql(score, bands)}, '')",
        names={band.key: band.label for band in bands},
        translate_names=False,
        blank=NO_REVIEW,
        order=tuple(band.key for band in bands),
    )


def _org_item(name: str, item_id: str) -> Grouping:
    """The answer of the participant's municipality to one question, in the round nearest their follow-up."""
    # Teams that finished the round; the round's deadline is its date.
    answered = (
        "(SELECT round_team.id, round_team.municipality_code, round.deadline, round_answer.score"
        " FROM round_team JOIN round ON round.id = round_team.round_id"
        " JOIN round_answer ON round_answer.round_team_id = round_team.id"
        " AND round_answer.item_id = " + _sql_text(item_id) + " AND round_answer.score IS NOT NULL"
        " WHERE round_team.completed_at IS NOT NULL)"
    )
    answer = _nearest(
        answered, "team", "{t}.municipality_code = cohort.municipality_code", "deadline", "''", "{t}.score"
    )
    return Grouping(
        name, f"COALESCE(CAST({answer} AS TEXT), '')", names=ORG_ANSWERS, order=tuple(ORG_ANSWERS)
    )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def grouping_for(by: str, org_items: Sequence[str] = (), bands: Sequence = ()) -> Grouping:
    """The grouping named ``by``; ``org_items``: the organisation questions (:func:`organisation_items`);
    ``bands``: the fidelity bands (none: the shipped ones). Raises ValueError for a name that is none of them."""
    if by in BY_KEY:
        return BY_KEY[by]
    if by == FIDELITY_BAND:
        return _fidelity_band(bands)
    number = by.removeprefix(ORG_ITEM_PREFIX)
    if by.startswith(ORG_ITEM_PREFIX) and number.isdigit() and 1 <= int(number) <= len(org_items):
        return _org_item(by, org_items[int(number) - 1])
    raise ValueError(f"unknown grouping {by!r}")
