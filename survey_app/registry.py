"""Participants: registering, finding and withdrawing them.

Functions take the sqlite-utils database explicitly, so the CLI, the views
and the tests share them. Errors a person can cause are :class:`UserError`
with a translatable message; nothing is written when one is raised.
"""

from __future__ import annotations

import re
from datetime import date

import sqlite_utils

from . import clock
from .contact import normalise_email, normalise_phone
from .db import transaction
from .pseudonyms import check_code
from .texts import N_, UserError


def municipality(db: sqlite_utils.Database, code: str) -> dict:
    """The municipality with this official code (e.g. ``259`` or ``0259``), or UserError."""
    normalised = (code or "").strip().lstrip("0") or "0"
    row = next(db.query("SELECT code, name FROM municipality WHERE code = ?", [normalised]), None)
    if row is None:
        raise UserError(
            N_("%(code)s is not a Danish municipality code (e.g. 259 for Køge)."),
            code=code,
        )
    return row


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DANISH_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")


def parse_date(text: str) -> date:
    """A date written ``2025-03-01`` or ``01-03-2025``, or UserError."""
    text = (text or "").strip()
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        if match := _DANISH_DATE.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise UserError(N_("%(date)s is not a date: write 2025-03-01 or 01-03-2025."), date=text)


def add_participant(
    db: sqlite_utils.Database,
    *,
    code: str,
    municipality_code: str,
    baseline: date,
    phone: str | None = None,
    email: str | None = None,
    language: str = "da",
) -> dict:
    """Register a participant; return the stored row."""
    code = check_code(code)
    place = municipality(db, municipality_code)
    row = {
        "code": code,
        "municipality_code": place["code"],
        "baseline_date": baseline.isoformat(),
        "phone": normalise_phone(phone),
        "email": normalise_email(email),
        "language": language,
        "created_at": clock.isoformat(clock.now()),
    }
    with transaction(db):
        exists = db.execute(
            "SELECT 1 FROM participant WHERE municipality_code = ? AND code = ?",
            [place["code"], code],
        ).fetchone()
        if exists:
            raise UserError(
                N_("A participant with code %(code)s already exists in %(municipality)s."),
                code=code,
                municipality=place["name"],
            )
        row["id"] = db.execute(
            "INSERT INTO participant (code, municipality_code, baseline_date, phone, email,"
            " language, created_at) VALUES (:code, :municipality_code, :baseline_date,"
            " :phone, :email, :language, :created_at)",
            row,
        ).lastrowid
    return row | {"municipality_name": place["name"]}


def find_participant(db: sqlite_utils.Database, code: str, municipality_code: str | None = None) -> dict:
    """The participant with this code (in this municipality, when given), or UserError.

    Codes are unique per municipality only, so a code used in two
    municipalities needs the municipality to tell them apart.
    """
    sql = (
        "SELECT participant.*, municipality.name AS municipality_name FROM participant"
        " JOIN municipality ON municipality.code = participant.municipality_code"
        " WHERE participant.code = ?"
    )
    params = [code.strip()]
    if municipality_code:
        sql += " AND participant.municipality_code = ?"
        params.append(municipality(db, municipality_code)["code"])
    rows = list(db.query(sql, params))
    if not rows:
        raise UserError(N_("No participant has the code %(code)s."), code=code)
    if len(rows) > 1:
        raise UserError(
            N_("The code %(code)s is used in several municipalities: give --municipality."),
            code=code,
        )
    return rows[0]


def withdraw_participant(db: sqlite_utils.Database, participant_id: int) -> None:
    """Withdraw a participant: their open links stop working at once (410)."""
    moment = clock.isoformat(clock.now())
    with transaction(db):
        db.execute(
            "UPDATE participant SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL",
            [moment, participant_id],
        )
        db.execute(
            "UPDATE invitation SET withdrawn_at = ? WHERE participant_id = ?"
            " AND withdrawn_at IS NULL AND completed_at IS NULL",
            [moment, participant_id],
        )
