"""Which fidelity review belongs to a participant: the municipality's review nearest the follow-up
date, in Python and as SQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from .scales import PREFERRED_SCALE, Band, band_for

DEFAULT_FOLLOWUP_WEEKS = 26


@dataclass(frozen=True)
class Review:
    """A stored review, or a hand-built one (matching needs only the date and the scale)."""

    review_date: date
    scale: str
    municipality_code: str = ""
    id: int | None = None
    total: int | None = None
    ips25_equivalent: float | None = None
    reviewers: str | None = None
    municipality_name: str | None = None
    scores: Mapping[str, int] = field(default_factory=dict)

    @property
    def band(self) -> Band | None:
        return band_for(self.ips25_equivalent)


def followup_date(baseline: date, weeks: int = DEFAULT_FOLLOWUP_WEEKS) -> date:
    """The six-month follow-up date: course start + ``FOLLOWUP_WEEKS`` (26 weeks = 182 days)."""
    return baseline + timedelta(weeks=weeks)


def _match_key(review: Review, followup: date):
    return (
        abs((review.review_date - followup).days),
        review.review_date,
        0 if review.scale == PREFERRED_SCALE else 1,
    )


def match_review(reviews: Iterable[Review], followup: date | None) -> Review | None:
    """The review (of one municipality) closest in time to a participant's follow-up date.

    Two reviews equally far before and after: the earlier. Two on the same
    date on different scales: the IPS-25 one. No review (or no date): None.
    :func:`matched_review_sql` chooses the same review in SQL.
    """
    if followup is None:
        return None
    return min(reviews, key=lambda review: _match_key(review, followup), default=None)


MATCHABLE_COLUMNS = (
    "id",
    "municipality_code",
    "review_date",
    "scale",
    "reviewers",
    "total",
    "ips25_equivalent",
)


def matched_review_sql(
    municipality_expr: str, followup_date_expr: str, column: str = "ips25_equivalent"
) -> str:
    """A correlated scalar subquery: ``column`` of the review :func:`match_review` would choose.

    ``municipality_expr`` and ``followup_date_expr`` are SQL expressions of
    the outer query (e.g. ``participant.municipality_code`` and
    ``date(participant.baseline_date, '+182 days')``); NULL when the
    municipality has no review (or the date is NULL).

    SQLite (3.40) does not let a subquery's ORDER BY refer to the outer
    query, so the distance is compared in WHERE with the smallest distance
    of the municipality's reviews; ORDER BY only breaks ties (earlier date,
    then IPS-25). The distances are computed the same way on both sides, so
    they compare equal exactly.
    """
    if column not in MATCHABLE_COLUMNS:
        raise ValueError(f"column must be one of {', '.join(MATCHABLE_COLUMNS)}, not {column!r}")

    def distance(alias: str) -> str:
        return f"ABS(julianday({alias}.review_date) - julianday({followup_date_expr}))"

    return (
        f"(SELECT nearest_review.{column} FROM fidelity_review AS nearest_review"
        f" WHERE nearest_review.municipality_code = {municipality_expr}"
        f" AND {distance('nearest_review')} = (SELECT MIN({distance('other_review')})"
        f" FROM fidelity_review AS other_review WHERE other_review.municipality_code = {municipality_expr})"
        f" ORDER BY nearest_review.review_date, CASE nearest_review.scale WHEN '{PREFERRED_SCALE}' THEN 0 ELSE 1 END"
        " LIMIT 1)"
    )


def latest_reviews(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each municipality's latest review (on one date, the IPS-25 one), by municipality code."""
    latest: dict[str, Review] = {}
    for review in reviews:
        current = latest.get(review.municipality_code)
        key = (review.review_date, review.scale == PREFERRED_SCALE)
        if current is None or key > (current.review_date, current.scale == PREFERRED_SCALE):
            latest[review.municipality_code] = review
    return latest


def review_rounds(reviews: Iterable[Review], window_days: int = 120) -> list[list[Review]]:
    """Group reviews into rounds in time, for drawing them on one axis.

    A group of municipalities is usually reviewed within a few weeks, each on
    its own day. A round starts with the earliest review not yet placed and
    takes the later ones within ``window_days`` of it, one per municipality;
    a municipality's second review in that time starts the next round. On
    one date, only the IPS-25 review of a municipality is drawn.
    """
    per_day: dict[tuple[str, date], Review] = {}
    for review in reviews:
        key = (review.municipality_code, review.review_date)
        if key not in per_day or review.scale == PREFERRED_SCALE:
            per_day[key] = review
    rounds: list[list[Review]] = []
    for review in sorted(per_day.values(), key=lambda r: (r.review_date, r.municipality_code)):
        current = rounds[-1] if rounds else None
        if (
            current is None
            or (review.review_date - current[0].review_date).days > window_days
            or any(r.municipality_code == review.municipality_code for r in current)
        ):
            rounds.append([review])
        else:
            current.append(review)
    return rounds
