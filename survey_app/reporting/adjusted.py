"""A CSQ-8 mean adjusted for non-response by weighting classes, and its effective sample size.

Every eligible participant of a report's cohort is put in a cell of municipality × gender × age
band; every respondent (a complete response with a total score) stands for the eligible people of
their cell: weight = eligible in the cell / respondents in the cell. The adjusted mean is the
weighted mean of the respondents' totals, i.e. the mean of the cells' means weighted by how many
were eligible in each.

A cell with eligible people but no respondent is collapsed: its eligible people are spread over
the respondents of the first coarser cell that has any, in the order of ``LEVELS`` — municipality
× gender (the age band dropped), municipality, then region × gender × age band, region × gender,
region, and finally everyone. A missing gender or birth year is a class of its own ("unknown").

The adjustment corrects only for these measured characteristics: respondents and non-respondents
who differ in anything else (health, how the course went) are not made alike by it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from .figures import Query, _sql

UNKNOWN = "unknown"

# Age at the follow-up date (the follow-up year minus the birth year): below 30, 30–49, 50 and over.
AGE_BANDS = ((30, "<30"), (50, "30-49"), (None, "50+"))

# The cells a participant belongs to, finest first: municipality, region, gender, age band kept.
LEVELS = (
    ("municipality", "gender", "age"),
    ("municipality", "gender"),
    ("municipality",),
    ("region", "gender", "age"),
    ("region", "gender"),
    ("region",),
    (),
)


@dataclass(frozen=True)
class Person:
    """One eligible participant's weighting characteristics; ``score``: their total, if they answered."""

    municipality: str
    region: str
    gender: str = UNKNOWN
    age: str = UNKNOWN
    score: float | None = None

    def cell(self, level: tuple[str, ...]) -> tuple:
        return (level, *(getattr(self, factor) for factor in level))


@dataclass(frozen=True)
class Adjusted:
    """The adjusted mean (None without respondents) and Kish's effective sample size (Σw)² / Σw²."""

    mean: float | None
    n_effective: float | None
    respondents: int
    eligible: int


def age_band(birth_year: int | None, followup_year: int) -> str:
    """The age band of someone born in ``birth_year`` at a follow-up date in ``followup_year``."""
    if birth_year is None:
        return UNKNOWN
    age = followup_year - int(birth_year)
    for below, name in AGE_BANDS:
        if below is None or age < below:
            return name
    return UNKNOWN  # pragma: no cover - the last band has no upper bound


def weights(people: Iterable[tuple[Person, int]]) -> list[tuple[float, float, int]]:
    """(score, weight, how many alike) of the respondents, from (person, how many alike) pairs."""
    people = [(person, n) for person, n in people if n > 0]
    respondents: Counter = Counter()
    for person, n in people:
        if person.score is not None:
            for level in LEVELS:
                respondents[person.cell(level)] += n
    # Each cell with respondents: how many eligible people its respondents stand for.
    represented: Counter = Counter()
    for person, n in people:
        for level in LEVELS:
            cell = person.cell(level)
            if respondents[cell]:
                represented[cell] += n
                break
    weight_of: defaultdict[Person, float] = defaultdict(float)
    for person, _ in people:
        if person.score is None or person in weight_of:
            continue
        weight_of[person] = sum(
            represented[person.cell(level)] / respondents[person.cell(level)]
            for level in LEVELS
            if represented[person.cell(level)]
        )
    return [(person.score, weight_of[person], n) for person, n in people if person.score is not None]


def adjusted_mean(people: Iterable[tuple[Person, int]]) -> Adjusted:
    """The weighting-class adjusted mean and effective sample size of (person, count) pairs."""
    people = list(people)
    scored = weights(people)
    eligible = sum(n for _, n in people)
    respondents = sum(n for _, _, n in scored)
    total_weight = sum(weight * n for _, weight, n in scored)
    if not respondents or total_weight == 0:
        return Adjusted(None, None, respondents, eligible)
    mean = sum(score * weight * n for score, weight, n in scored) / total_weight
    n_effective = total_weight**2 / sum(weight**2 * n for _, weight, n in scored)
    return Adjusted(mean, n_effective, respondents, eligible)


# The cohort's weighting characteristics: municipality, region (on the report's region basis),
# gender, birth year, follow-up year, and the total of a complete response.
_PEOPLE = """
SELECT cohort.municipality_code, COALESCE(membership.region_id, ''), cohort.gender, cohort.birth_year,
       CAST(substr(date(cohort.baseline_date, :followup_modifier), 1, 4) AS INTEGER),
       CASE WHEN cohort.completed = 1 THEN cohort.total END, COUNT(*)
FROM cohort
LEFT JOIN municipality_region AS membership ON membership.municipality_code = cohort.municipality_code
  AND membership.valid_from <= cohort.region_date
  AND (membership.valid_to IS NULL OR membership.valid_to >= cohort.region_date)
GROUP BY 1, 2, 3, 4, 5, 6
"""


def cohort_people(db: sqlite_utils.Database, query: Query) -> list[tuple[Person, int]]:
    """The report's eligible participants as (person, how many alike) pairs, in one SQL read."""
    sql, params = _sql(query, "total", _PEOPLE)
    return [
        (
            Person(
                municipality=str(municipality),
                region=str(region) or UNKNOWN,
                gender=gender or UNKNOWN,
                age=age_band(birth_year, followup_year),
                score=total,
            ),
            n,
        )
        for municipality, region, gender, birth_year, followup_year, total, n in db.execute(sql, params)
    ]


def adjusted(db: sqlite_utils.Database, query: Query) -> Adjusted:
    """The adjusted CSQ-8 mean of the report of ``query`` (its period, region basis, questionnaire)."""
    return adjusted_mean(cohort_people(db, query))
