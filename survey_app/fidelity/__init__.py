"""Fidelity reviews: how faithful a municipality's IPS service is to the IPS model.

Evaluators score a municipality's service on the IPS fidelity scale: the
IPS-25 (25 items) or, in Region Sjælland, the older IPS-15 (15 items), each
item 1-5. The scales and the bands a total falls in are data
(``questionnaires/fidelity/*.toml``); this module loads and checks them,
computes a review's total and its IPS-25 equivalent (an IPS-15 total times
1.66, as the national evaluation did, unrounded), and finds each
participant's review: the one of their municipality closest in time to
their six-month follow-up date, in Python (:func:`match_review`) and as SQL
for the reports (:func:`matched_review_sql`, :func:`band_sql`), which must
agree.

It also checks reviews typed into the evaluator's form or read from a CSV
file (the same rules for both, every problem reported at once) and stores
them. It imports no Flask: the views, the command line and the tests use it
alike. Messages a person can cause are :class:`UserError` with English
msgids, translated at the edge.
"""

from __future__ import annotations

import math
import re
import sqlite3
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlite_utils

from .. import clock, dates, importing, participants, safe_csv
from ..config import DATA_ROOT
from ..importing import RowError
from ..languages import N_, UserError
from ..questionnaires import DEFAULT_LANGUAGE, localise

DEFAULT_DIR = DATA_ROOT / "questionnaires" / "fidelity"
BANDS_FILE = "bands.toml"
# On the same date, an IPS-25 review is preferred to one on another scale.
PREFERRED_SCALE = "ips25"
DEFAULT_FOLLOWUP_WEEKS = 26
MAX_REVIEWERS_LENGTH = 200
MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_ROWS = 5000

_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
_SCALE_KEYS = {"id", "name", "title", "min_score", "max_score", "conversion_factor", "sections"}
_SECTION_KEYS = {"id", "title", "items"}
_ITEM_KEYS = {"id", "name"}
_BAND_KEYS = {"key", "above", "from", "label", "short"}


class FidelityError(Exception):
    """A scale or bands file is not valid; the message names the file, the place and the problem."""


# --- scales ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    name: dict[str, str]
    section: str
    number: int  # 1-based position in the whole scale, as reports cite items ("item 17")

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        return f"{self.number}. {localise(self.name, language)}"


@dataclass(frozen=True)
class Section:
    id: str
    title: dict[str, str]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Scale:
    id: str
    name: str  # "IPS-25": a proper name, the same in every language
    title: dict[str, str]
    min_score: int
    max_score: int
    conversion_factor: float
    sections: tuple[Section, ...]
    source: str

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    @property
    def total_range(self) -> tuple[int, int]:
        count = len(self.items)
        return count * self.min_score, count * self.max_score

    def total(self, scores: Mapping[str, int]) -> int:
        """The sum of every item's score; ValueError when an item is missing or out of range."""
        missing = [item_id for item_id in self.item_ids if item_id not in scores]
        unknown = sorted(set(scores) - set(self.item_ids))
        if missing or unknown:
            raise ValueError(f"{self.id}: scores missing for {missing}, unknown items {unknown}")
        for item_id, score in scores.items():
            if isinstance(score, bool) or not isinstance(score, int):
                raise ValueError(f"{self.id}: score of {item_id} is not a whole number: {score!r}")
            if not self.min_score <= score <= self.max_score:
                raise ValueError(
                    f"{self.id}: score of {item_id} is outside {self.min_score}-{self.max_score}"
                )
        return sum(scores.values())

    def ips25_equivalent(self, total: int) -> float:
        """The total on the IPS-25 scale: ``total × conversion_factor``, unrounded."""
        return float(total * self.conversion_factor)


def _text_table(value, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise FidelityError(f'{where}: must be a table of texts by language, e.g. {{ da = "..." }}')
    if not (value.get(DEFAULT_LANGUAGE) or "").strip():
        raise FidelityError(f"{where}: the Danish text (da) is missing")
    return dict(value)


def _table_id(raw, allowed: set[str], where: str, seen: set[str], rule: str) -> str:
    """The ``id`` of a section or item table, checked (known keys, its form, not seen before) and noted as seen."""
    if not isinstance(raw, dict):
        raise FidelityError(f"{where}: must be a table")
    _unknown_keys(raw, allowed, where)
    table_id = raw.get("id")
    if not isinstance(table_id, str) or not _KEY.match(table_id):
        raise FidelityError(f"{where}: id must be {rule}")
    if table_id in seen:
        raise FidelityError(f"{where}: id {table_id!r} is used twice")
    seen.add(table_id)
    return table_id


def _unknown_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise FidelityError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise FidelityError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise FidelityError(f"{path}: not valid TOML: {error}") from None


def _whole_number(data: dict, key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FidelityError(f"{where}: {key} must be a whole number")
    return value


def load_scale(path: Path) -> Scale:
    """Read and check one scale file; :class:`FidelityError` names the file, the key and the problem."""
    path = Path(path)
    data = _read_toml(path)
    top = f"{path}: top level"
    _unknown_keys(data, _SCALE_KEYS, top)
    scale_id = data.get("id")
    if not isinstance(scale_id, str) or not _KEY.match(scale_id):
        raise FidelityError(f'{top}: id must be lower-case letters and digits, e.g. "ips25"')
    if scale_id != path.stem:
        raise FidelityError(f"{top}: id {scale_id!r} must be the file's name ({path.stem!r})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FidelityError(f'{top}: name is missing (e.g. "IPS-25")')
    title = _text_table(data.get("title"), f"{top}: title")
    min_score = _whole_number(data, "min_score", top)
    max_score = _whole_number(data, "max_score", top)
    if not 1 <= min_score < max_score <= 5:
        raise FidelityError(
            f"{top}: scores must run from min_score to a higher max_score within 1-5 (as stored)"
        )
    factor = data.get("conversion_factor", 1.0)
    if (
        isinstance(factor, bool)
        or not isinstance(factor, int | float)
        or not math.isfinite(factor)
        or factor <= 0
    ):
        raise FidelityError(f"{top}: conversion_factor must be a positive number")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise FidelityError(f"{top}: sections: at least one [[sections]] is needed")
    sections: list[Section] = []
    seen_items: set[str] = set()
    seen_sections: set[str] = set()
    number = 0
    for s_index, raw in enumerate(raw_sections, start=1):
        where = f"{path}: sections[{s_index}]"
        section_id = _table_id(raw, _SECTION_KEYS, where, seen_sections, "lower-case letters, digits or _")
        section_title = _text_table(raw.get("title"), f"{where} ({section_id}): title")
        raw_items = raw.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise FidelityError(f"{where} ({section_id}): items: at least one item is needed")
        items = []
        for i_index, raw_item in enumerate(raw_items, start=1):
            item_where = f"{where} ({section_id}): items[{i_index}]"
            item_id = _table_id(
                raw_item, _ITEM_KEYS, item_where, seen_items, 'lower-case letters and digits, e.g. "s1"'
            )
            number += 1
            items.append(
                Item(
                    id=item_id,
                    name=_text_table(raw_item.get("name"), f"{item_where} ({item_id}): name"),
                    section=section_id,
                    number=number,
                )
            )
        sections.append(Section(id=section_id, title=section_title, items=tuple(items)))
    return Scale(
        id=scale_id,
        name=name.strip(),
        title=title,
        min_score=min_score,
        max_score=max_score,
        conversion_factor=float(factor),
        sections=tuple(sections),
        source=str(path),
    )


def load_scales(directory: Path = DEFAULT_DIR) -> dict[str, Scale]:
    """Every scale file in ``directory`` (all ``*.toml`` but ``bands.toml``), by id."""
    scales = {}
    for path in sorted(Path(directory).glob("*.toml")):
        if path.name != BANDS_FILE:
            scale = load_scale(path)
            scales[scale.id] = scale
    if PREFERRED_SCALE not in scales:
        raise FidelityError(f"{directory}: the IPS-25 scale ({PREFERRED_SCALE}.toml) is missing")
    # IPS-25 first: forms and templates list the scales in this order.
    return {PREFERRED_SCALE: scales.pop(PREFERRED_SCALE), **scales}


def scale_by_name(scales: Mapping[str, Scale], text: str) -> Scale | None:
    """A scale from its id or name as people write it: ``ips25``, ``IPS-25``, ``IPS 25``."""
    wanted = re.sub(r"[\s_-]+", "", (text or "").strip().lower())
    return next(
        (s for s in scales.values() if wanted in (s.id, re.sub(r"[\s_-]+", "", s.name.lower()))),
        None,
    )


# --- bands ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A range of IPS-25 totals: strictly ``above`` a value, ``from`` a value on, or the rest."""

    key: str
    labels: dict[str, str]
    shorts: dict[str, str]
    above: float | None = None
    from_: float | None = None

    @property
    def label(self) -> str:
        """The Danish label, e.g. "God IPS (høj fidelitet)"."""
        return self.labels[DEFAULT_LANGUAGE]

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return localise(self.labels, language)

    def short(self, language: str = DEFAULT_LANGUAGE) -> str:
        return localise(self.shorts, language)

    @property
    def threshold(self) -> float | None:
        return self.above if self.above is not None else self.from_

    def contains_from_below(self, value: float) -> bool:
        """Whether ``value`` reaches this band (ignoring the bands above it)."""
        if self.above is not None:
            return value > self.above
        if self.from_ is not None:
            return value >= self.from_
        return True

    def condition_sql(self, value: str) -> str:
        if self.above is not None:
            return f"{value} > {self.above!r}"
        if self.from_ is not None:
            return f"{value} >= {self.from_!r}"
        return f"{value} IS NOT NULL"


def load_bands(path: Path) -> tuple[Band, ...]:
    """Read and check a bands file: highest band first, thresholds falling, the last without one."""
    path = Path(path)
    data = _read_toml(path)
    _unknown_keys(data, {"bands"}, f"{path}: top level")
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list) or len(raw_bands) < 2:
        raise FidelityError(f"{path}: bands: at least two [[bands]] are needed")
    bands: list[Band] = []
    for index, raw in enumerate(raw_bands, start=1):
        where = f"{path}: bands[{index}]"
        if not isinstance(raw, dict):
            raise FidelityError(f"{where}: must be a table")
        _unknown_keys(raw, _BAND_KEYS, where)
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise FidelityError(f"{where}: key must be lower-case letters, digits or _")
        where = f"{where} ({key})"
        if any(band.key == key for band in bands):
            raise FidelityError(f"{where}: key is used twice")
        limits = {name: raw[name] for name in ("above", "from") if name in raw}
        last = index == len(raw_bands)
        if last and limits:
            raise FidelityError(f"{where}: the last band takes every lower value; give it no above or from")
        if not last and len(limits) != 1:
            raise FidelityError(f"{where}: give exactly one of above (strictly over) or from (at least)")
        for name, value in limits.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise FidelityError(f"{where}: {name} must be a number")
        threshold = next(iter(limits.values()), None)
        if threshold is not None and bands and threshold >= bands[-1].threshold:
            raise FidelityError(f"{where}: thresholds must fall from one band to the next")
        labels = _text_table(raw.get("label"), f"{where}: label")
        shorts = _text_table(raw["short"], f"{where}: short") if "short" in raw else labels
        bands.append(
            Band(
                key=key,
                labels=labels,
                shorts=shorts,
                above=float(limits["above"]) if "above" in limits else None,
                from_=float(limits["from"]) if "from" in limits else None,
            )
        )
    return tuple(bands)


# The bands, in display order (highest first), for reports and pages.
BANDS: tuple[Band, ...] = load_bands(DEFAULT_DIR / BANDS_FILE)


def band_for(value: float | None, bands: Sequence[Band] = BANDS) -> Band | None:
    """The band of an IPS-25 total or equivalent; ``None`` for ``None`` (no review)."""
    if value is None:
        return None
    return next(band for band in bands if band.contains_from_below(value))


def band_by_key(key: str | None, bands: Sequence[Band] = BANDS) -> Band | None:
    return next((band for band in bands if band.key == key), None)


def band_sql(value_expr: str, bands: Sequence[Band] = BANDS) -> str:
    """A CASE expression giving the band key of ``value_expr``, NULL when it is NULL (no review).

    The value is computed once per row, even when it is a correlated subquery
    such as :func:`matched_review_sql`: it is selected in a one-row derived table.
    """
    whens = " ".join(f"WHEN {band.condition_sql('band_value')} THEN '{band.key}'" for band in bands)
    return f"(SELECT CASE {whens} END FROM (SELECT {value_expr} AS band_value))"


# --- matching participants to reviews --------------------------------------------------------------


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


# --- checking a review as typed or imported ---------------------------------------------------------


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
            found = participants.municipality(db, importing._municipality_code(db, raw.municipality))
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
        other = _existing_id(db, row)
        if other is not None and other != review_id:
            errors["review_date"] = UserError(
                N_("%(municipality)s already has an %(scale)s review on %(date)s."),
                municipality=municipality_name,
                scale=scale.name,
                date=row["review_date"],
            )
    return (None, errors) if errors else (row, {})


def _existing_id(db: sqlite_utils.Database, row: dict) -> int | None:
    found = db.execute(
        "SELECT id FROM fidelity_review WHERE municipality_code = ? AND review_date = ? AND scale = ?",
        [row["municipality_code"], row["review_date"], row["scale"]],
    ).fetchone()
    return found[0] if found else None


# --- storing --------------------------------------------------------------------------------------


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


def insert_review(db: sqlite_utils.Database, row: dict, *, created_by: int | None) -> int:
    """Store a checked review; call it inside ``db.transaction``. Returns the new id.

    A review with the same municipality, date and scale stored meanwhile
    raises :class:`UserError` (the transaction is then rolled back).
    """
    try:
        cursor = db.execute(
            "INSERT INTO fidelity_review (municipality_code, review_date, scale, reviewers, total,"
            " ips25_equivalent, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
    except sqlite3.IntegrityError:
        raise UserError(N_("This review was just stored by someone else.")) from None
    _write_scores(db, cursor.lastrowid, row["scores"])
    return cursor.lastrowid


def update_review(db: sqlite_utils.Database, review_id: int, row: dict) -> None:
    """Replace a review's fields and scores with a checked row; call it inside ``db.transaction``."""
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
    except sqlite3.IntegrityError:
        raise UserError(N_("This review was just stored by someone else.")) from None
    db.execute("DELETE FROM fidelity_score WHERE review_id = ?", [review_id])
    _write_scores(db, review_id, row["scores"])


def delete_review(db: sqlite_utils.Database, review_id: int) -> None:
    """Delete a review and its scores; call it inside ``db.transaction``."""
    db.execute("DELETE FROM fidelity_review WHERE id = ?", [review_id])


# --- CSV import -----------------------------------------------------------------------------------

CSV_COLUMNS = {
    "municipality": ("kommune", "municipality", "kommunekode"),
    "review_date": ("dato", "date", "review_date"),
    "scale": ("skala", "scale"),
    "reviewers": ("bedømmere", "reviewers"),
}
CSV_REQUIRED = ("municipality", "review_date", "scale")


@dataclass
class ImportResult:
    added: list[dict] = field(default_factory=list)  # checked rows, in file order
    unchanged: list[dict] = field(default_factory=list)  # equal to a stored review
    errors: list[RowError] = field(default_factory=list)


def template_csv(scale: Scale) -> str:
    """An empty file with one scale's columns, for Danish Excel (semicolons, BOM)."""
    return safe_csv.template([CSV_COLUMNS[name][0] for name in CSV_COLUMNS] + list(scale.item_ids))


def parse_csv(
    db: sqlite_utils.Database,
    data: bytes,
    scales: Mapping[str, Scale],
    *,
    today: date | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> ImportResult:
    """Read and check every row: one review per row; nothing is written.

    UTF-8 (with or without BOM) or Excel's Windows-1252, separated by ``,``
    or ``;``. Columns: kommune (code or name), dato, skala (IPS-25/IPS-15),
    bedømmere, then one per item id; a row's items are those of its scale and
    the other item columns must be empty. A row equal to a stored review is
    "unchanged"; one that differs from a stored review is an error.
    """
    result = ImportResult()

    def file_error(message, **params):
        result.errors.append(RowError(0, [UserError(message, **params)]))
        return result

    if len(data) > MAX_CSV_BYTES:
        return file_error(
            N_("The file is larger than %(mb)s MB: split it into smaller files."), mb=MAX_CSV_BYTES // 2**20
        )
    try:
        header_at, header, reader = importing.read_table(data, N_("The file has no reviews."))
    except UserError as error:
        return file_error(error.message, **error.params)
    aliases = {alias: name for name, names in CSV_COLUMNS.items() for alias in names}
    item_ids = {item_id for scale in scales.values() for item_id in scale.item_ids}
    unknown = [name for name in header if name and name not in aliases and name not in item_ids]
    # Counted once, not header.count() per name: with 100,000 columns that took hours.
    counts = Counter(name for name in header if name)
    duplicated = sorted(name for name, count in counts.items() if count > 1)
    if unknown or duplicated:
        return file_error(
            N_("Unknown columns: %(columns)s. The columns are: %(known)s."),
            columns=importing.column_list(unknown + duplicated),
            known=", ".join(names[0] for names in CSV_COLUMNS.values()) + ", " + _item_columns(scales),
        )
    positions = {aliases.get(name, name): index for index, name in enumerate(header) if name}
    missing = [CSV_COLUMNS[name][0] for name in CSV_REQUIRED if name not in positions]
    if missing:
        return file_error(N_("The file lacks the columns: %(columns)s."), columns=", ".join(missing))
    seen: dict[tuple[str, str, str], int] = {}
    count = 0
    for line, cells in enumerate(reader, start=header_at + 2):
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_CSV_ROWS:
            return file_error(N_("The file has more than %(rows)s reviews: split it."), rows=MAX_CSV_ROWS)
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in positions.items()}
        scale = scale_by_name(scales, values["scale"])
        problems: list[UserError] = []
        if any(cell.strip() for cell in cells[len(header) :]):
            problems.append(UserError(importing.EXTRA_CELLS))
        if scale is not None:
            absent = [item_id for item_id in scale.item_ids if item_id not in positions]
            if absent:
                return file_error(
                    N_("The file lacks the item columns of %(scale)s: %(columns)s."),
                    scale=scale.name,
                    columns=", ".join(absent),
                )
            others = sorted(item_ids - set(scale.item_ids), key=lambda item_id: positions.get(item_id, -1))
            for item_id in others:
                if values.get(item_id):
                    problems.append(
                        UserError(
                            N_("Column %(column)s is not an item of %(scale)s; leave it empty."),
                            column=item_id,
                            scale=scale.name,
                        )
                    )
        row, errors = check_review(
            db,
            ReviewInput(
                municipality=values["municipality"],
                review_date=values["review_date"],
                scale=values["scale"],
                reviewers=values.get("reviewers"),
                scores={item_id: values.get(item_id) for item_id in item_ids},
            ),
            scales,
            today=today,
            check_duplicate=False,
            cite="id",
            language=language,
        )
        problems = list(errors.values()) + problems
        if row is not None and not problems:
            key = (row["municipality_code"], row["review_date"], row["scale"])
            if key in seen:
                problems.append(UserError(N_("The same review is also on line %(line)s."), line=seen[key]))
            seen.setdefault(key, line)
        if problems:
            result.errors.append(RowError(line, problems))
            continue
        existing_id = _existing_id(db, row)
        if existing_id is None:
            result.added.append(row)
            continue
        existing = get_review(db, existing_id)
        if existing.reviewers == row["reviewers"] and dict(existing.scores) == row["scores"]:
            result.unchanged.append(row)
        else:
            result.errors.append(
                RowError(
                    line,
                    [
                        UserError(
                            N_(
                                "%(municipality)s already has an %(scale)s review on %(date)s with other "
                                "reviewers or scores; change it on its page."
                            ),
                            municipality=existing.municipality_name,
                            scale=scale.name,
                            date=row["review_date"],
                        )
                    ],
                )
            )
    if not count:
        return file_error(N_("The file has no reviews."))
    return result


def _item_columns(scales: Mapping[str, Scale]) -> str:
    """The item columns of every scale, for a message: "s1 … y14 (IPS-25); s1 … y9 (IPS-15)"."""
    return "; ".join(f"{s.item_ids[0]} … {s.item_ids[-1]} ({s.name})" for s in scales.values())


def import_reviews(
    db: sqlite_utils.Database, parsed: ImportResult, *, created_by: int | None
) -> ImportResult:
    """Store the parsed reviews; call it inside ``db.transaction`` (with the audit entry), all or none."""
    if not parsed.errors:
        for row in parsed.added:
            insert_review(db, row, created_by=created_by)
    return parsed


def import_detail(result: ImportResult) -> dict:
    """What the audit log keeps of an import: counts, and which reviews were added."""
    return {
        "added": len(result.added),
        "unchanged": len(result.unchanged),
        "reviews": [
            f"{row['municipality_code']} {row['review_date']} {row['scale']}" for row in result.added
        ],
    }
