"""Where a municipality is: its name, its region on a date, its IPS cluster.

Municipalities and regions are reference data, inserted by the migrations (0002, and any later
one that changes them); clusters are named groups of municipalities that admins edit. Views,
commands and domain modules look them up here, so a name, a region or a cluster is found one way
everywhere. (A query that reads other rows with their municipality's name, such as a participant,
a team or a review, joins ``municipality`` itself, and the report's aggregation in
``survey_app.reporting`` joins all of these tables inside its one query.)

A municipality's region is stored as periods (``municipality_region``: ``valid_from``, and
``valid_to`` inclusive, NULL while still valid): Region Hovedstaden and Region Sjælland become
Region Østdanmark on 1 January 2027. So a region is always asked for *on* a date: a ``date``, or
ISO text as dates are stored (compared as text, as SQLite compares them, so a stored date is
taken as it is).

Names sort as Danish does (æ, ø, å after z). Every function takes the database first and imports
no Flask.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import sqlite_utils

from . import audit
from .db import transaction
from .languages import N_, UserError
from .reporting import danish_sort_key


class Region(NamedTuple):
    id: str
    name: str


class Membership(NamedTuple):
    """A period in which a municipality belonged to a region (``valid_to`` inclusive, None while valid)."""

    region: Region
    valid_from: str
    valid_to: str | None


# --- municipalities -------------------------------------------------------------------------------


def municipality_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Every municipality's name, by code."""
    return dict(db.execute("SELECT code, name FROM municipality ORDER BY code").fetchall())


def municipality_name(db: sqlite_utils.Database, code: str) -> str | None:
    """The name of the municipality with this code, or None."""
    row = db.execute("SELECT name FROM municipality WHERE code = ?", [code]).fetchone()
    return row[0] if row else None


def municipality(db: sqlite_utils.Database, code: str) -> dict:
    """The municipality (``code``, ``name``) with this official code (e.g. ``259`` or ``0259``), or UserError."""
    normalised = (code or "").strip().lstrip("0") or "0"
    row = next(db.query("SELECT code, name FROM municipality WHERE code = ?", [normalised]), None)
    if row is None:
        raise UserError(
            N_("%(code)s is not a Danish municipality code (e.g. 259 for Køge)."),
            code=code,
        )
    return row


def municipality_code(db: sqlite_utils.Database, value: str) -> str:
    """A municipality's code from its name (case ignored, æ, ø and å too, with or without
    " Kommune", as case systems often export it); any other value as it is, for
    :func:`municipality` to check.

    Compared in Python: SQLite's ``lower()`` folds only A-Z, so "KØGE" would not be Køge."""
    by_name = {name.casefold(): code for code, name in municipality_names(db).items()}
    wanted = value.strip().casefold()
    for name in (wanted, wanted.removesuffix(" kommune")):
        if name in by_name:
            return by_name[name]
    return value


def municipality_choices(db: sqlite_utils.Database, codes=None) -> list[tuple[str, str]]:
    """``(code, name)`` of every municipality (or of those in ``codes``), by name, for a form."""
    names = municipality_names(db)
    chosen = names.items() if codes is None else ((code, names[code]) for code in codes if code in names)
    return sorted(chosen, key=lambda pair: (danish_sort_key(pair[1]), pair[0]))


# --- regions --------------------------------------------------------------------------------------


def _iso(on: date | str) -> str:
    return on.isoformat() if isinstance(on, date) else on


def memberships(db: sqlite_utils.Database, code: str | None = None) -> dict[str, list[Membership]]:
    """Every period of every municipality's region (or of one municipality), earliest first, by code."""
    where, params = ("WHERE municipality_region.municipality_code = ?", [code]) if code else ("", [])
    rows = db.execute(
        "SELECT municipality_region.municipality_code, region.id, region.name,"
        " municipality_region.valid_from, municipality_region.valid_to"
        " FROM municipality_region JOIN region ON region.id = municipality_region.region_id"
        f" {where} ORDER BY municipality_region.municipality_code, municipality_region.valid_from",
        params,
    )
    periods: dict[str, list[Membership]] = {}
    for member, region_id, region_name, valid_from, valid_to in rows:
        periods.setdefault(member, []).append(
            Membership(Region(region_id, region_name), valid_from, valid_to)
        )
    return periods


def region_in(periods: list[Membership], on: date | str) -> Region | None:
    """The region of the period that holds on ``on``, or None (for rows that bring their own date)."""
    on = _iso(on)
    for period in periods:  # a loop, not next(): exports call this for every row
        if period.valid_from <= on and (period.valid_to is None or on <= period.valid_to):
            return period.region
    return None


def region_of(db: sqlite_utils.Database, code: str, on: date | str) -> Region | None:
    """The region (``id``, ``name``) the municipality belonged to on ``on``, or None."""
    return region_in(memberships(db, code).get(code, []), on)


def regions_on(db: sqlite_utils.Database, on: date | str) -> dict[str, Region]:
    """Each municipality's region (``id``, ``name``) on ``on``, by code; a municipality with none
    that day is left out."""
    found = {code: region_in(periods, on) for code, periods in memberships(db).items()}
    return {code: region for code, region in found.items() if region is not None}


# --- IPS clusters ---------------------------------------------------------------------------------


def clusters(db: sqlite_utils.Database) -> list[dict]:
    """Every cluster (``id``, ``name``, ``municipalities``: ``code`` and ``name`` of each), by name."""
    names = municipality_names(db)
    found = {row["id"]: row | {"municipalities": []} for row in db.query("SELECT id, name FROM cluster")}
    for cluster_id, code in db.execute("SELECT cluster_id, municipality_code FROM cluster_municipality"):
        found[cluster_id]["municipalities"].append({"code": code, "name": names[code]})
    for cluster in found.values():
        cluster["municipalities"].sort(key=lambda member: (danish_sort_key(member["name"]), member["code"]))
    return sorted(found.values(), key=lambda cluster: danish_sort_key(cluster["name"]))


def cluster_of(db: sqlite_utils.Database, code: str) -> dict | None:
    """The cluster (``id``, ``name``) the municipality belongs to, or None (it is in at most one)."""
    return next(
        db.query(
            "SELECT cluster.id, cluster.name FROM cluster_municipality"
            " JOIN cluster ON cluster.id = cluster_municipality.cluster_id"
            " WHERE cluster_municipality.municipality_code = ?",
            [code],
        ),
        None,
    )


def cluster_names(db: sqlite_utils.Database) -> dict[str, str]:
    """The name of each clustered municipality's cluster, by municipality code."""
    return dict(
        db.execute(
            "SELECT cluster_municipality.municipality_code, cluster.name FROM cluster_municipality"
            " JOIN cluster ON cluster.id = cluster_municipality.cluster_id"
        ).fetchall()
    )


def save_cluster(
    db: sqlite_utils.Database, cluster_id: int | None, name: str, codes: list[str], *, actor: audit.Actor
) -> None:
    """Add a cluster (``cluster_id`` None) or change its name and municipalities, with its audit row.
    A municipality is in one cluster at most; two clusters never share a name."""
    with transaction(db):
        for code in codes:
            other = cluster_of(db, code)
            if other is not None and other["id"] != cluster_id:
                raise UserError(
                    N_("%(municipality)s already belongs to the cluster %(cluster)s."),
                    municipality=municipality_name(db, code),
                    cluster=other["name"],
                )
        clash = db.execute(
            "SELECT 1 FROM cluster WHERE name = ? AND id IS DISTINCT FROM ?", [name, cluster_id]
        ).fetchone()
        if clash:
            raise UserError(N_("There is already a cluster called %(name)s."), name=name)
        if cluster_id is None:
            cluster_id = db.execute("INSERT INTO cluster (name) VALUES (?) RETURNING id", [name]).fetchone()[
                0
            ]
        else:
            db.execute("UPDATE cluster SET name = ? WHERE id = ?", [name, cluster_id])
        db.execute("DELETE FROM cluster_municipality WHERE cluster_id = ?", [cluster_id])
        for code in codes:
            db.execute(
                "INSERT INTO cluster_municipality (cluster_id, municipality_code) VALUES (?, ?)",
                [cluster_id, code],
            )
        audit.record(
            db,
            "cluster_saved",
            actor=actor,
            target=f"cluster:{cluster_id}",
            detail={"name": name, "municipalities": codes},
        )
