"""Importing fidelity reviews from a CSV file: all rows or none, and a file twice changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from .. import audit, importing, safe_csv
from ..db import transaction
from ..importing import RowError
from ..languages import N_, UserError
from ..questionnaires import DEFAULT_LANGUAGE
from .reviews import ReviewInput, check_review, get_review, store_review, stored_review_id
from .scales import Scale, scale_by_name

MAX_CSV_BYTES = 1024 * 1024


MAX_CSV_ROWS = 5000


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

    try:
        header_at, header, reader = importing.read_table(data, N_("The file has no reviews."), MAX_CSV_BYTES)
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
    try:
        rows = importing.data_rows(
            reader,
            header_at,
            header,
            positions,
            MAX_CSV_ROWS,
            N_("The file has more than %(rows)s reviews: split it."),
        )
        for line, values, problems in rows:
            count += 1
            scale = scale_by_name(scales, values["scale"])
            if scale is not None:
                absent = [item_id for item_id in scale.item_ids if item_id not in positions]
                if absent:
                    return file_error(
                        N_("The file lacks the item columns of %(scale)s: %(columns)s."),
                        scale=scale.name,
                        columns=", ".join(absent),
                    )
                others = sorted(
                    item_ids - set(scale.item_ids), key=lambda item_id: positions.get(item_id, -1)
                )
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
                    problems.append(
                        UserError(N_("The same review is also on line %(line)s."), line=seen[key])
                    )
                seen.setdefault(key, line)
            if problems:
                result.errors.append(RowError(line, problems))
                continue
            existing_id = stored_review_id(db, row)
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
    except importing.TooManyRows as error:
        return file_error(error.message, **error.params)
    if not count:
        return file_error(N_("The file has no reviews."))
    return result


def _item_columns(scales: Mapping[str, Scale]) -> str:
    """The item columns of every scale, for a message: "s1 … y14 (IPS-25); s1 … y9 (IPS-15)"."""
    return "; ".join(f"{s.item_ids[0]} … {s.item_ids[-1]} ({s.name})" for s in scales.values())


def import_reviews(db: sqlite_utils.Database, parsed: ImportResult, *, actor: audit.Actor) -> ImportResult:
    """Store the parsed reviews, all or none, with one audit row for the import."""
    if not parsed.errors:
        with transaction(db):
            for row in parsed.added:
                store_review(db, row, created_by=actor.user_id)
            audit.record(db, "fidelity_reviews_imported", actor=actor, detail=import_detail(parsed))
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
