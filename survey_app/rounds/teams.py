"""The municipal IPS teams: their contact for round e-mails, and the signed link of a team's row in a round."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from .. import audit, clock, links, places
from ..contact_details import normalise_email
from ..db import transaction
from ..languages import DEFAULT_LANGUAGE, LANGUAGES, N_, UserError
from .lifecycle import TEAM_SQL, one_row

SALT = "survey_app.team-round-link"


def team_contacts(db: sqlite_utils.Database) -> list[dict]:
    """Every municipality with its team contact (e-mail and name, or None), by name."""
    return list(
        db.query(
            "SELECT municipality.code, municipality.name AS municipality_name, team_contact.email,"
            " team_contact.name, team_contact.language, team_contact.updated_at FROM municipality"
            " LEFT JOIN team_contact ON team_contact.municipality_code = municipality.code"
            " ORDER BY municipality.name"
        )
    )


def set_team_contact(
    db: sqlite_utils.Database,
    municipality_code: str,
    *,
    email: str | None,
    name: str | None,
    actor: audit.Actor,
    now: datetime,
    language: str | None = None,
) -> dict:
    """Set (or with an empty e-mail, clear) where a municipality's IPS team gets its links, with its audit row.

    ``language`` is the language of the team's e-mails; None keeps the one set before (Danish for a new
    contact).
    """
    municipality = places.municipality(db, municipality_code)
    email = normalise_email(email)
    name = " ".join((name or "").split()) or None
    if language is not None and language not in LANGUAGES:
        raise UserError(
            N_("The language must be one of: %(languages)s."),
            languages=", ".join(f"{code} ({text})" for code, text in LANGUAGES.items()),
        )
    with transaction(db):
        db.execute(
            "INSERT INTO team_contact (municipality_code, email, name, language, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (municipality_code) DO UPDATE SET email = excluded.email,"
            " name = excluded.name, language = COALESCE(?, team_contact.language), updated_at = excluded.updated_at,"
            " updated_by = excluded.updated_by",
            [
                municipality["code"],
                email,
                name,
                language or DEFAULT_LANGUAGE,
                clock.isoformat(now),
                actor.user_id,
                language,
            ],
        )
        language = db.execute(
            "SELECT language FROM team_contact WHERE municipality_code = ?", [municipality["code"]]
        ).fetchone()[0]
        audit.record(
            db,
            "team_contact_set",
            actor=actor,
            target=f"municipality:{municipality['code']}",
            detail={"email": email, "name": name, "language": language},
        )
    return {
        "code": municipality["code"],
        "municipality_name": municipality["name"],
        "email": email,
        "name": name,
        "language": language,
    }


def team_token(secret_key: str, team: dict) -> str:
    return links.make_token(secret_key, team["id"], team["nonce"], salt=SALT)


def get_team(db: sqlite_utils.Database, round_team_id: int) -> dict | None:
    return one_row(db, TEAM_SQL + " WHERE round_team.id = ?", [round_team_id])


def find_team_by_token(db: sqlite_utils.Database, secret_key: str, token: str) -> dict | None:
    """The team row a link points to, or ``None`` for tampered, unknown or foreign links."""
    try:
        round_team_id, nonce = links.read_token(secret_key, token, salt=SALT)
    except links.BadLink:
        return None
    team = get_team(db, round_team_id)
    if team is None or not links.nonce_matches(team["nonce"], nonce):
        return None
    return team
