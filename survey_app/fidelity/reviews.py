"""Checking a review as typed or imported, and storing, reading and deleting reviews."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from .. import audit, clock, dates, participants, places
from ..db import integrity_errors, transaction
from ..languages import N_, UserError
from ..questionnaires import DEFAULT_LANGUAGE, localise
from .matching import Review
from .scales import Item, Scale, scale_by_name

MAX_REVIEWERS_LENGTH = 200


@dataclass
class ReviewInput:
    """A review as typed into the form or read from a CSV row, before checking."""

    municipality: str  # a code, or (from a file) a name
    review_date: date | str
    scale: str  # an id or a name ("IPS-25")
    reviewers: str | None = None
    scores: Mapping[str, object] = field(default_factory=dict)  # item id -> "3", 3, "" or None


def _item_reference(item: Item, cite: str, language: str) -> str:
    reference = item.id if cite == "id" else str(item.number)
    return f"{reference} ({localise(item.name, language)})"


def check_scores(
    scale: Scale, raw: Mapping[str, object], *, cite: str = "number", language: str = DEFAULT_LANGUAGE
) -> tuple[dict[str, int], dict[str, UserError]]:
    """Every item's score, or an error naming each item missing or not a whole score in range.

    ``cite`` = ``"number"`` names items by their number in the scale (the
    form shows them so), ``"id"`` by their id (a file's column).
    """
    scores: dict[str, int] = {}
    errors: dict[str, UserError] = {}
    for item in scale.items:
        value = raw.get(item.id)
        text = "" if value is None else str(value).strip()
        reference = _item_reference(item, cite, language)
        if not text:
            errors[item.id] = UserError(N_("Item %(item)s has no score."), item=reference)
            continue
        try:
            score = int(text)
        except ValueError:
            score = None
        if score is None or not scale.min_score <= score <= scale.max_score:
            errors[item.id] = UserError(
                N_("Item %(item)s: %(value)s is not a score from %(low)s to %(high)s."),
                item=reference,
                value=text,
                low=scale.min_score,
                high=scale.max_score,
            )
        else:
            scores[item.id] = score
    return scores, errors


def check_review(
    db: sqlite_utils.Database,
    raw: ReviewInput,
    scales: Mapping[str, Scale],
    *,
    today: date | None = None,
    review_id: int | None = None,
    check_duplicate: bool = True,
    cite: str = "number",
    language: str = DEFAULT_LANGUAGE,
) -> tuple[dict | None, dict[str, UserError]]:
    """Check every field and every item; return ``(row, {})`` or ``(None, errors by field)``.

    Field names are ``municipality``, ``review_date``, ``scale``, ``reviewers``
    and each item's id. The row has the ``fidelity_review`` columns and
    ``scores``. ``review_id``: the review being edited (it may keep its own
    municipality, date and scale).
    """
    today = today or clock.today()
    errors: dict[str, UserError] = {}
    row: dict = {}
    if not (raw.municipality or "").strip():
        errors["municipality"] = UserError(N_("Choose a municipality."))
    else:
        try:
            found = places.municipality(db, places.municipality_code(db, raw.municipality))
            row["municipality_code"], municipality_name = found["code"], found["name"]
        except UserError as error:
            errors["municipality"] = error
    if isinstance(raw.review_date, date):
        review_date = raw.review_date
    elif not (raw.review_date or "").strip():
        review_date = None
        errors["review_date"] = UserError(N_("Give the date of the review."))
    else:
        try:
            review_date = participants.parse_date(raw.review_date)
        except UserError as error:
            review_date = None
            errors["review_date"] = error
    if review_date is not None:
        try:
            row["review_date"] = dates.within(
                review_date, dates.review_date_range(today), dates.REVIEW_DATE
            ).isoformat()
        except UserError as error:
            errors["review_date"] = error
    scale = scale_by_name(scales, raw.scale)
    if scale is None:
        errors["scale"] = UserError(
            N_("The scale must be %(scales)s, not %(value)s."),
            scales="/".join(s.name for s in scales.values()),
            value=(raw.scale or "").strip() or "–",
        )
    else:
        row["scale"] = scale.id
    reviewers = " ".join((raw.reviewers or "").split())
    if len(reviewers) > MAX_REVIEWERS_LENGTH:
        errors["reviewers"] = UserError(
            N_("The reviewers' names may be at most %(max)s characters."), max=MAX_REVIEWERS_LENGTH
        )
    row["reviewers"] = reviewers or None
    if scale is not None:
        scores, score_errors = check_scores(scale, raw.scores, cite=cite, language=language)
        errors.update(score_errors)
        if not score_errors:
            row["scores"] = scores
            row["total"] = scale.total(scores)
            row["ips25_equivalent"] = scale.ips25_equivalent(row["total"])
    if check_duplicate and {"municipality_code", "review_date", "scale"} <= set(row):
        other = stored_review_id(db, row)
        if other is not None and other != review_id:
            errors["review_date"] = UserError(
                N_("%(municipality)s already has an %(scale)s review on %(date)s."),
                municipality=municipality_name,
                scale=scale.name,
                date=row["review_date"],
            )
    return (None, errors) if errors else (row, {})


def stored_review_id(db: sqlite_utils.Database, row: dict) -> int | None:
    found = db.execute(
        "SELECT id FROM fidelity_review WHERE municipality_code = ? AND review_date = ? AND scale = ?",
        [row["municipality_code"], row["review_date"], row["scale"]],
    ).fetchone()
    return found[0] if found else None


_SELECT = """
SELECT fidelity_review.*, municipality.name AS municipality_name
FROM fidelity_review JOIN municipality ON municipality.code = fidelity_review.municipality_code
"""


def _review(row: dict, scores: Mapping[str, int] | None = None) -> Review:
    return Review(
        id=row["id"],
        municipality_code=row["municipality_code"],
        municipality_name=row["municipality_name"],
        review_date=date.fromisoformat(row["review_date"]),
        scale=row["scale"],
        reviewers=row["reviewers"],
        total=row["total"],
        ips25_equivalent=row["ips25_equivalent"],
        scores=dict(scores or {}),
    )


def list_reviews(db: sqlite_utils.Database, municipality_code: str | None = None) -> list[Review]:
    """Reviews (without item scores), by date, then municipality code."""
    sql, params = _SELECT, []
    if municipality_code:
        sql += " WHERE fidelity_review.municipality_code = ?"
        params.append(municipality_code)
    sql += " ORDER BY fidelity_review.review_date, fidelity_review.municipality_code, fidelity_review.scale"
    return [_review(row) for row in db.query(sql, params)]


def get_review(db: sqlite_utils.Database, review_id: int) -> Review | None:
    """One review with its item scores, or None."""
    row = next(db.query(_SELECT + " WHERE fidelity_review.id = ?", [review_id]), None)
    if row is None:
        return None
    scores = dict(
        db.execute("SELECT item_id, score FROM fidelity_score WHERE review_id = ?", [review_id]).fetchall()
    )
    return _review(row, scores)


def _write_scores(db: sqlite_utils.Database, review_id: int, scores: Mapping[str, int]) -> None:
    db.conn.executemany(
        "INSERT INTO fidelity_score (review_id, item_id, score) VALUES (?, ?, ?)",
        [(review_id, item_id, score) for item_id, score in scores.items()],
    )


def describe(review: Review | dict, scale: Scale, municipality_name: str) -> dict:
    """What the audit log keeps of a review: where, when, on which scale, and its totals."""
    get = review.get if isinstance(review, dict) else lambda key: getattr(review, key)
    review_date = get("review_date")
    return {
        "municipality": get("municipality_code"),
        "municipality_name": municipality_name,
        "date": review_date if isinstance(review_date, str) else review_date.isoformat(),
        "scale": scale.name,
        "total": get("total"),
        "ips25_equivalent": get("ips25_equivalent"),
    }


def _name(db: sqlite_utils.Database, code: str) -> str:
    return places.municipality_name(db, code) or code


def insert_review(db: sqlite_utils.Database, row: dict, *, scale: Scale, actor: audit.Actor) -> int:
    """Store a checked review with its audit row; returns the new id.

    A review with the same municipality, date and scale stored meanwhile
    raises :class:`UserError` (and nothing is stored).
    """
    with transaction(db):
        review_id = store_review(db, row, created_by=actor.user_id)
        audit.record(
            db,
            "fidelity_review_created",
            actor=actor,
            target=f"fidelity_review:{review_id}",
            detail=describe(row, scale, _name(db, row["municipality_code"])),
        )
    return review_id


def store_review(db: sqlite_utils.Database, row: dict, *, created_by: int | None) -> int:
    try:
        cursor = db.execute(
            "INSERT INTO fidelity_review (municipality_code, review_date, scale, reviewers, total,"
            " ips25_equivalent, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                row["municipality_code"],
                row["review_date"],
                row["scale"],
                row["reviewers"],
                row["total"],
                row["ips25_equivalent"],
                clock.isoformat(clock.now()),
                created_by,
            ],
        )
        review_id = cursor.fetchone()[0]
    except integrity_errors():
        raise UserError(N_("This review was just stored by someone else.")) from None
    _write_scores(db, review_id, row["scores"])
    return review_id


def update_review(
    db: sqlite_utils.Database, before: Review, row: dict, *, scale: Scale, actor: audit.Actor
) -> None:
    """Replace a review's fields and scores with a checked row, with an audit row saying what it was
    and which items changed."""
    review_id = before.id
    with transaction(db):
        _update(db, review_id, row)
        detail = describe(row, scale, _name(db, row["municipality_code"]))
        detail["changed_items"] = sorted(
            item_id for item_id, score in row["scores"].items() if before.scores.get(item_id) != score
        )
        detail["before"] = describe(before, scale, before.municipality_name)
        audit.record(
            db, "fidelity_review_changed", actor=actor, target=f"fidelity_review:{review_id}", detail=detail
        )


def _update(db: sqlite_utils.Database, review_id: int, row: dict) -> None:
    try:
        db.execute(
            "UPDATE fidelity_review SET municipality_code = ?, review_date = ?, scale = ?, reviewers = ?,"
            " total = ?, ips25_equivalent = ? WHERE id = ?",
            [
                row["municipality_code"],
                row["review_date"],
                row["scale"],
                row["reviewers"],
                row["total"],
                row["ips25_equivalent"],
                review_id,
            ],
        )
    except integrity_errors():
        raise UserError(N_("This review was just stored by someone else.")) from None
    db.execute("DELETE FROM fidelity_score WHERE review_id = ?", [review_id])
    _write_scores(db, review_id, row["scores"])


def delete_review(db: sqlite_utils.Database, review: Review, *, scale: Scale, actor: audit.Actor) -> None:
    """Delete a review and its scores, with an audit row saying what it was."""
    with transaction(db):
        db.execute("DELETE FROM fidelity_review WHERE id = ?", [review.id])
        audit.record(
            db,
            "fidelity_review_deleted",
            actor=actor,
            target=f"fidelity_review:{review.id}",
            detail=describe(review, scale, review.municipality_name),
        )
