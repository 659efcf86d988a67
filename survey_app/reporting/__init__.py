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

from .. import statistics
from ..languages import N_
from ..questionnaires import Questionnaire
from ..statistics import Figures
from . import cube as cube_module
from . import disclosure

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
    period: str = ""  # "" (the whole time), "2025", "2025H1" or "2025K1": the offered views
    start: date | None = None  # first baseline date included (only without suppression)
    end: date | None = None  # last baseline date included (only without suppression)
    region_basis: str = "baseline"

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
    # Municipality and region together: the region, cluster, municipality and total groupings are
    # all sums of these cells, read in one pass (``_geography``).
    "municipality_region": _Grouping(
        "cohort.municipality_code || '|' || region.id",
        "municipality.name || '|' || region.name",
        " JOIN municipality ON municipality.code = cohort.municipality_code" + _REGION_JOIN,
    ),
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
        from .. import fidelity

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
  AND cohort.completed
JOIN answer ON answer.invitation_id = invitation.id
{joins}
WHERE answer.score IS NOT NULL
GROUP BY 1, 2, 3, 4
"""

_QUARTER = _GROUPINGS["period"].key

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
""".format(quarter=_GROUPINGS["period"].key.replace("cohort.", "participant."))


def _sql(query: Query, by: str, template: str) -> tuple[str, dict]:
    grouping = _grouping(by)
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
    if by not in _GROUPINGS and by not in SERVICE_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    cells: dict[tuple[str, str], Figures] = {}
    labels: dict[str, str] = {}
    sql, params = _sql(query, by, _COUNTS)
    for key, label, quarter, invited, opened, completed, answered, total, n in db.execute(
        sql, params
    ).fetchall():
        key = str(key)
        if key not in labels:
            labels[key] = _label(by, key, label, translate)
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
    order = sorted(labels, key=lambda key: _order(by, Figures(group=labels[key], key=key)))
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
        from .. import fidelity

        labels = {band.key: band.label for band in fidelity.BANDS}
        return labels.get(key) or translate(NO_REVIEW)
    if by in ORG_ITEMS:
        return translate(ORG_ANSWERS.get(key, key))
    return label if label is not None else key


def _order(by: str, group: Figures):
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


class PeriodNotOffered(ValueError):
    """A period no view offers (before the first course start, or after the last that is due)."""

    def __init__(self, period: str, offered: list[str]):
        super().__init__(period)
        self.period = period
        self.offered = offered


@dataclass
class Row:
    """One group's (or the total's) figures as published: hidden ones are ``disclosure.Hidden``."""

    values: dict
    marks: dict[str, str] = field(default_factory=dict)  # hidden key -> disclosure mark
    figures: Figures | None = None

    @property
    def suppressed(self) -> bool:
        return bool(self.marks)

    @property
    def hidden(self) -> set[str]:
        return set(self.marks)

    def __getitem__(self, key: str):
        return self.values[key]


@dataclass
class Report:
    """What one report shows: group rows, then the total, after disclosure control."""

    by: str
    query: Query
    rows: list[Row]
    threshold: int
    suppressed: bool  # whether disclosure control was applied at all
    questionnaire: Questionnaire | None = None
    groups: list[Figures] = field(default_factory=list)
    scores: list[tuple[int, object]] = field(default_factory=list)  # the total's histogram
    item_rows: list[dict] = field(default_factory=list)  # each scored question's mean and answers
    cube: cube_module.Cube | None = None

    @property
    def group_rows(self) -> list[Row]:
        return self.rows[:-1]

    @property
    def total(self) -> Row:
        return self.rows[-1]

    def json_rows(self) -> list[dict]:
        """The command line's JSON: these keys, hidden values as ``None`` and their marks in ``hidden``."""
        rows = []
        for row in self.rows:
            out = {key: _plain(row.values[key]) for key in ("group", *JSON_KEYS)}
            out["suppressed"] = any(key in row.marks for key in JSON_KEYS)
            out["hidden"] = {
                key: disclosure.mark_text(row.marks[key], self.threshold)
                for key in JSON_KEYS
                if key in row.marks
            }
            rows.append(out)
        return rows


def _plain(value):
    return None if disclosure.is_hidden(value) else value


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

SHOWN_COUNTS = ("eligible", "invited", "opened", "partial", "completed", "not_completed", "csq_n")


def spec_of(questionnaire: Questionnaire | None) -> cube_module.Spec:
    if questionnaire is None:
        return cube_module.Spec()
    return cube_module.Spec(
        score_range=questionnaire.score_range if questionnaire.total == "sum" else None,
        items={
            item.id: sorted(option.score for option in item.options)
            for item in questionnaire.items
            if item.scored
        },
    )


def _quarter_of(day: date) -> str:
    return f"{day.year}K{(day.month + 2) // 3}"


GEOGRAPHY = ("total", "region", "cluster", "municipality")


def _copy(figure: Figures) -> Figures:
    copy = Figures(group=figure.group, key=figure.key)
    copy.add(figure)
    return copy


def _geography(db: sqlite_utils.Database, query: Query, translate) -> dict:
    """The total, region (on either basis), cluster and municipality groupings' quarter figures,
    from one SQL pass over (municipality, region at the course start, quarter), and what a reader
    knows of who is in which group (``groups_of``)."""
    base = Query(**{**query.__dict__, "region_basis": "baseline"})
    cells, labels, _ = quarter_figures(db, base, "municipality_region", translate=translate)
    clusters = dict(
        db.execute(
            "SELECT cluster_municipality.municipality_code, cluster.id FROM cluster_municipality"
            " JOIN cluster ON cluster.id = cluster_municipality.cluster_id"
        ).fetchall()
    )
    cluster_names = dict(db.execute("SELECT id, name FROM cluster").fetchall())
    today = query.as_of.isoformat()
    spans = db.execute(
        "SELECT municipality_region.municipality_code, municipality_region.region_id, region.name,"
        " municipality_region.valid_from, municipality_region.valid_to"
        " FROM municipality_region JOIN region ON region.id = municipality_region.region_id"
    ).fetchall()
    current = {
        code: (region_id, name)
        for code, region_id, name, valid_from, valid_to in spans
        if valid_from <= today and (valid_to is None or valid_to >= today)
    }
    groupings: dict = {}
    for by in (*GEOGRAPHY, "region-current"):
        grouped: dict[tuple[str, str], Figures] = {}
        names: dict[str, str] = {}
        for (key, quarter), figure in cells.items():
            municipality, region = key.split("|", 1)
            municipality_name, region_name = labels[key].split("|", 1)
            if by == "municipality":
                group, name = municipality, municipality_name
            elif by == "region":
                group, name = region, region_name
            elif by == "region-current":
                group, name = current.get(municipality, (region, region_name))
            elif by == "cluster":
                group = clusters.get(municipality, "")
                name = cluster_names[group] if group else translate(NO_CLUSTER)
            else:
                group, name = "", "Total"
            names[group] = name
            target = grouped.get((group, quarter))
            if target is None:
                target = grouped[(group, quarter)] = Figures(group=name, key=group)
            target.add(figure)
            target.group = name
        order = sorted(names, key=lambda key: _order(by, Figures(group=names[key], key=key)))
        groupings[by] = (grouped, names, order)
    # Both bases give every participant the same region until a municipality changes region.
    groupings["bases differ"] = False
    for key, _ in cells:
        municipality, region = key.split("|", 1)
        if municipality in current and current[municipality][0] != region:
            groupings["bases differ"] = True
            break
    everyone = groupings["municipality"][2]
    cache: dict = {}

    def groups_of(by: str, code: str, period: str) -> list:
        """The groups of ``by`` that a municipality's participants of ``period`` can be in."""
        if (by, code, period) not in cache:
            if by == "municipality":
                found = [code]
            elif by == "cluster":
                found = [clusters.get(code, "")]
            elif by == "region-current":
                found = [current[code][0]] if code in current else []
            else:
                first, last = (
                    (day.isoformat() for day in period_dates(period))
                    if period
                    else ("0001-01-01", "9999-12-31")
                )
                found = sorted(
                    {
                        region_id
                        for span_code, region_id, _, valid_from, valid_to in spans
                        if span_code == code
                        and valid_from <= last
                        and (valid_to is None or valid_to >= first)
                    }
                )
            cache[(by, code, period)] = found
        return cache[(by, code, period)]

    def overlaps(by: str, other: str):
        """``(group of by, period) -> the groups of other it overlaps``. Municipalities with no
        participants at all are in no view, so a reader knows their 0: only those listed in the
        municipality grouping count."""
        members: dict[tuple[str, str], set] = {}

        def owners(group: str, period: str) -> list:
            if (group, period) not in members:
                found = set()
                for code in everyone:
                    if group in groups_of(by, code, period):
                        found.update(groups_of(other, code, period))
                members[(group, period)] = found
            return sorted(members[(group, period)], key=str)

        return owners

    groupings["overlaps"] = overlaps
    return groupings


def _service_overlaps(db: sqlite_utils.Database, query: Query, by: str):
    """``(group, period) -> the municipalities`` whose participants of that period are in a group
    by fidelity or organisation answer: each such group is a sum of parts of municipalities."""
    sql, params = _sql(query, by, _MUNICIPALITIES_OF)
    present: dict[str, set] = {}
    for key, code, quarter in db.execute(sql, params).fetchall():
        present.setdefault(str(key), set()).add((code, quarter))
    quarters = sorted({quarter for pairs in present.values() for _, quarter in pairs})

    def owners(group: str, period: str) -> list:
        inside = set(cube_module.quarters_in(period, quarters))
        return sorted({code for code, quarter in present.get(group, ()) if quarter in inside})

    return owners


def _basis_name(basis: str) -> str:
    return "region" if basis == "baseline" else "region-current"


def protected(
    db: sqlite_utils.Database,
    query: Query,
    by: str,
    *,
    threshold: int,
    questionnaire: Questionnaire | None = None,
    translate=lambda text: text,
    spine: cube_module.Cube | None = None,
    _shared: dict | None = None,
) -> cube_module.Cube:
    """The grouping's cube over every offered period, solved (see ``cube``).

    The geography is solved as one: the regions on both bases and the clusters together, then the
    municipalities with those frozen (the same cube on either basis), then the groupings by
    fidelity and organisation answers with the municipalities frozen."""
    base = Query(**{**query.__dict__, "period": "", "start": None, "end": None})
    spec = spec_of(questionnaire)
    shared = _shared if _shared is not None else {}
    if "geography" not in shared:
        shared["geography"] = _geography(db, base, translate)
    geography = shared["geography"]
    if spine is None:
        spine = shared.get("spine")
    if spine is None:
        # The total's counts are the geography's; only the questions' answers need their own pass.
        geography_cells, labels, order = geography["total"]
        cells = {key: _copy(figure) for key, figure in geography_cells.items()}
        if spec.items:
            _, params = _sql(base, "total", _COUNTS)
            for quarter, item_id, score, n in db.execute(_TOTAL_ITEMS, params).fetchall():
                cell = cells.get(("", quarter))
                if cell is not None:
                    cell.items.setdefault(item_id, Counter())[score] += n
        spine = cube_module.protect(
            "total", cells, order, labels, spec, threshold, until=_quarter_of(base.cutoff)
        )
    shared["spine"] = spine
    if by == "total":
        return spine
    if threshold <= 0:
        name = _basis_name(query.region_basis) if by == "region" else by
        cells, labels, order = (
            geography[name]
            if name in (*GEOGRAPHY, "region-current")
            else quarter_figures(db, base, name, translate=translate)
        )
        return cube_module.protect(name, cells, order, labels, spec, threshold, spine=spine)
    if by in ("region", "cluster", "municipality") or by in SERVICE_GROUPINGS:
        if "regions" not in shared:
            bases = ["region", "region-current"] if geography["bases differ"] else ["region"]
            groupings = {name: geography[name] for name in (*bases, "cluster")}
            links = [(name, "cluster", geography["overlaps"](name, "cluster")) for name in bases]
            if len(bases) == 2:
                links.append(("region-current", "region", geography["overlaps"]("region-current", "region")))
            # Complements are taken from the clusters first, the regions on today's basis next, and the
            # regions at the course start (the dashboard's first table) last.
            shared["regions"] = cube_module.protect_together(
                groupings, links, spec, threshold, spine=spine, costs={"region": 2, "region-current": 1}
            )
        regions = shared["regions"]
        if by == "region":
            return regions.get(_basis_name(query.region_basis), regions["region"])
        if by == "cluster":
            return regions["cluster"]
        if "municipality" not in shared:
            cells, labels, order = geography["municipality"]
            parents = [
                (name, solved, geography["overlaps"]("municipality", name))
                for name, solved in regions.items()
            ]
            shared["municipality"] = cube_module.protect(
                "municipality", cells, order, labels, spec, threshold, spine=spine, parents=parents
            )
        if by == "municipality":
            return shared["municipality"]
        cells, labels, order = quarter_figures(db, base, by, translate=translate)
        parents = [("municipality", shared["municipality"], _service_overlaps(db, base, by))]
        return cube_module.protect(by, cells, order, labels, spec, threshold, spine=spine, parents=parents)
    cells, labels, order = quarter_figures(db, base, by, translate=translate)
    return cube_module.protect(by, cells, order, labels, spec, threshold, spine=spine)


def _row(source: cube_module.Cube | None, group: str, period: str, figure: Figures, threshold: int) -> Row:
    values = figure.values()
    values["not_completed"] = figure.eligible - figure.completed
    row = Row(values=values, figures=figure)
    if source is None:
        return row
    marks = {}
    for name in (*SHOWN_COUNTS, *cube_module.SUMS):
        mark = source.mark(group, period, name)
        if mark is not None:
            marks[name] = mark
    for statistic, sources in cube_module.STATISTICS.items():
        hidden_sources = [marks[name] for name in sources if name in marks]
        if hidden_sources:
            # A mean hidden only to protect another group's ("×"), else computed from a hidden count ("–").
            counts_hidden = any(name in marks for name in sources if name in SHOWN_COUNTS)
            marks[statistic] = disclosure.DERIVED if counts_hidden else disclosure.PROTECT
    for name, mark in marks.items():
        if name in values:
            values[name] = disclosure.hidden(mark, threshold)
    row.marks = {name: mark for name, mark in marks.items() if name in values}
    return row


def cell_row(source: cube_module.Cube, group: str | None, period: str) -> Row:
    """One group's (``cube.TOTAL``: the total's) row of a solved cube in one period, as published."""
    figure = source.figures.get((group, period)) if group is not None else None
    if figure is None:
        figure = Figures(group=source.labels.get(group, ""), key=str(group))
    return _row(source, group, period, figure, source.threshold)


def _distributions(
    source: cube_module.Cube, period: str, questionnaire: Questionnaire | None, threshold: int
):
    """The total's score histogram and each scored question's mean and answers, as published."""
    figure = source.total_figures[(cube_module.TOTAL, period)]
    spec = source.spec

    def mark_of(name):
        return source.total_mark(period, name)

    scores: list[tuple[int, object]] = []
    if spec.score_range:
        low, high = spec.score_range
        for score in range(low, high + 1):
            mark = mark_of(("bin", score))
            count = figure.scores.get(score, 0)
            scores.append((score, disclosure.hidden(mark, threshold) if mark else count))
    item_rows = []
    if questionnaire is not None:
        for item in (item for item in questionnaire.items if item.scored):
            distribution = figure.items.get(item.id, Counter())
            options = []
            for option in sorted(item.options, key=lambda option: option.score):
                mark = mark_of(("item", item.id, option.score))
                count = distribution.get(option.score, 0)
                options.append((option, disclosure.hidden(mark, threshold) if mark else count))
            mark = mark_of(("item_sum", item.id))
            n_mark = mark_of("csq_n")
            if mark or n_mark:
                how = (
                    disclosure.DERIVED if n_mark or any(disclosure.is_hidden(v) for _, v in options) else mark
                )
                mean = disclosure.hidden(how, threshold)
            else:
                mean = statistics.mean(distribution)
            item_rows.append({"item": item, "mean": mean, "options": options})
    return scores, item_rows


def _unprotected_distributions(figure: Figures, questionnaire: Questionnaire | None):
    scores = []
    if questionnaire is not None and questionnaire.score_range and questionnaire.total == "sum":
        low, high = questionnaire.score_range
        scores = [(score, figure.scores.get(score, 0)) for score in range(low, high + 1)]
    item_rows = []
    if questionnaire is not None:
        for item in (item for item in questionnaire.items if item.scored):
            distribution = figure.items.get(item.id, Counter())
            options = [(o, distribution.get(o.score, 0)) for o in sorted(item.options, key=lambda o: o.score)]
            item_rows.append({"item": item, "mean": statistics.mean(distribution), "options": options})
    return scores, item_rows


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
    cube: cube_module.Cube | None = None,
) -> Report:
    """Figures per group and in total for ``query.period``, with disclosure control unless ``suppress``
    is false (then also any ``start``/``end`` range). ``cube``: an already solved cube of ``by``."""
    if suppress and threshold > 0:
        if query.start is not None or query.end is not None:
            raise ValueError("day-level ranges are only available without suppression")
        source = cube or protected(
            db, query, by, threshold=threshold, questionnaire=questionnaire, translate=translate
        )
        if query.period not in source.periods:
            raise PeriodNotOffered(query.period, source.periods)
        period = query.period
        rows = []
        groups = []
        shown_groups = source.groups if by != "total" else []
        if by == "period" and period:
            shown_groups = [q for q in shown_groups if q in cube_module.quarters_in(period, shown_groups)]
        for group in shown_groups:
            figure = source.figures.get((group, period)) if period is not None else None
            if figure is None:
                figure = Figures(group=source.labels.get(group, group), key=group)
            groups.append(figure)
            rows.append(_row(source, group, period or "", figure, threshold))
        total = source.figures.get((cube_module.TOTAL, period)) if period is not None else None
        if total is None:
            total = Figures(group="Total", key="total")
        total.group = "Total"
        rows.append(_row(source, cube_module.TOTAL, period or "", total, threshold))
        scores, item_rows = (
            _distributions(source, period, questionnaire, threshold) if period is not None else ([], [])
        )
    else:
        source = None
        groups = figures(db, query, by, items=items, translate=translate) if by != "total" else []
        if by == "total":
            total = statistics.total_of(figures(db, query, "total", items=items, translate=translate))
        else:
            total = statistics.total_of(groups)
        rows = [_row(None, g.key, "", g, threshold) for g in groups] + [_row(None, "", "", total, threshold)]
        scores, item_rows = _unprotected_distributions(total, questionnaire)
    return Report(
        by=by,
        query=query,
        rows=rows,
        threshold=threshold,
        suppressed=source is not None,
        questionnaire=questionnaire,
        groups=groups,
        scores=scores,
        item_rows=item_rows if items else [],
        cube=source,
    )
