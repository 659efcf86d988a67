"""A participant's rights: everything held about them (an access request, GDPR art. 15) and the
erasure of their data (art. 17), for the command line and the admin pages.

What is held about a participant is the registration (``participant``), each link
(``invitation``) with its answers, the messages to them (``message``) and the audit rows naming
them (target ``participant:ID:CODE``). Message bodies are shown with link tokens masked: a link
that still works is a key to the answers, not information about the participant.

Erasure deletes the answers, the links, the messages and the registration with its contact
details. The audit rows stay (the data controller must be able to show who did what, erasure
included); they name the participant only by id and pseudonymous code, never by contact details
or answers, and one more row records the erasure with what it deleted. Figures already published
or exported before the erasure cannot be called back; later reports no longer count the
participant.
"""

from __future__ import annotations

import json

import sqlite_utils

from . import audit, logs
from .db import transaction


def _rows(db: sqlite_utils.Database, sql: str, params) -> list[dict]:
    return [dict(row) for row in db.query(sql, params)]


def held_about(db: sqlite_utils.Database, participant: dict) -> dict:
    """Everything stored about ``participant`` (a row from ``participants.find_participant``)."""
    pid = participant["id"]
    registration = _rows(
        db,
        "SELECT participant.*, municipality.name AS municipality_name FROM participant"
        " JOIN municipality ON municipality.code = participant.municipality_code WHERE participant.id = ?",
        [pid],
    )[0]
    invitations = _rows(
        db,
        "SELECT id, questionnaire_id, questionnaire_version, created_at, expires_at, opened_at,"
        " completed_at, withdrawn_at, total_score FROM invitation WHERE participant_id = ? ORDER BY id",
        [pid],
    )
    for invitation in invitations:
        invitation["answers"] = _rows(
            db,
            "SELECT item_id, score, text, questionnaire_version, answered_at, answered_by FROM answer"
            " WHERE invitation_id = ? ORDER BY answered_at, item_id",
            [invitation["id"]],
        )
    messages = _rows(
        db,
        "SELECT id, kind, channel, recipient, subject, body, status, created_at, sent_at, attempts, error"
        " FROM message WHERE participant_id = ? ORDER BY id",
        [pid],
    )
    for message in messages:
        message["body"] = logs.mask(message["body"] or "")
        message["error"] = logs.mask(message["error"]) if message["error"] else None
    entries = _rows(
        db,
        "SELECT id, at, actor, action, detail, address FROM audit WHERE target = ? ORDER BY id",
        [audit.participant_target(participant)],
    )
    return {
        "registration": registration,
        "invitations": invitations,
        "messages": messages,
        "audit": entries,
    }


def record_access(
    db: sqlite_utils.Database, participant: dict, *, actor: audit.Actor, detail: dict | None = None
) -> None:
    """The audit row of an access request answered (who looked the participant up; ``detail`` says
    how, e.g. a file downloaded from the admin's page)."""
    with transaction(db):
        audit.record(
            db,
            "participant_data_shown",
            actor=actor,
            target=audit.participant_target(participant),
            detail=detail,
        )


def erasure_counts(held: dict) -> dict:
    """What :func:`erase` would delete, counted from :func:`held_about`: shown before it is confirmed."""
    return {
        "answers": sum(len(invitation["answers"]) for invitation in held["invitations"]),
        "links": len(held["invitations"]),
        "messages": len(held["messages"]),
        "contact_details": bool(held["registration"]["phone"] or held["registration"]["email"]),
    }


def as_json(held: dict) -> str:
    return json.dumps(held, ensure_ascii=False, indent=2, default=str)


REGISTRATION_LABELS = {
    "code": "Kode",
    "municipality_name": "Kommune",
    "municipality_code": "Kommunekode",
    "baseline_date": "Forløbsstart",
    "phone": "Mobilnummer",
    "email": "E-mail",
    "channel": "Kanal",
    "language": "Sprog",
    "gender": "Køn",
    "birth_year": "Fødselsår",
    "consent_at": "Samtykke til kontakt",
    "created_at": "Registreret",
    "updated_at": "Senest ændret",
    "withdrawn_at": "Udtrådt",
    "opted_out_at": "Frabedt beskeder",
    "contacts_purged_at": "Kontaktoplysninger slettet",
    "anonymised_at": "Anonymiseret",
}


def _value(value) -> str:
    return "–" if value is None or value == "" else str(value)


def as_text(held: dict) -> str:
    """What ``held_about`` found, as Danish text for a reply to an access request."""
    lines = ["Registrering"]
    registration = held["registration"]
    for key, label in REGISTRATION_LABELS.items():
        lines.append(f"  {label}: {_value(registration.get(key))}")
    lines += ["", f"Links ({len(held['invitations'])})"]
    for invitation in held["invitations"]:
        lines.append(
            f"  {invitation['questionnaire_id']} (version {invitation['questionnaire_version']}):"
            f" oprettet {_value(invitation['created_at'])}, gyldigt til {_value(invitation['expires_at'])},"
            f" åbnet {_value(invitation['opened_at'])}, fuldført {_value(invitation['completed_at'])},"
            f" stoppet {_value(invitation['withdrawn_at'])}, samlet score {_value(invitation['total_score'])}"
        )
        for answer in invitation["answers"]:
            given = answer["score"] if answer["score"] is not None else answer["text"]
            lines.append(f"    {answer['item_id']}: {_value(given)} ({answer['answered_at']})")
    lines += ["", f"Beskeder ({len(held['messages'])})"]
    for message in held["messages"]:
        lines.append(
            f"  {message['kind']} pr. {message['channel']} til {_value(message['recipient'])}:"
            f" {message['status']}, oprettet {message['created_at']}, sendt {_value(message['sent_at'])}"
        )
        if message["subject"]:
            lines.append(f"    Emne: {message['subject']}")
        lines += [f"    {line}" for line in (message["body"] or "").splitlines()]
    lines += ["", f"Loggen ({len(held['audit'])})"]
    for entry in held["audit"]:
        detail = f" {entry['detail']}" if entry["detail"] else ""
        lines.append(f"  {entry['at']} {entry['actor']}: {entry['action']}{detail}")
    return "\n".join(lines)


def delete_messages(db: sqlite_utils.Database, participant_id: int) -> tuple[list[int], str]:
    """Delete every message to a participant (by them or by any of their links), for an erasure or an
    anonymisation; returns the ids of their links and the ``?, ?, …`` that lists them in SQL."""
    invitation_ids = [
        row[0] for row in db.execute("SELECT id FROM invitation WHERE participant_id = ?", [participant_id])
    ]
    marks = ", ".join("?" for _ in invitation_ids)
    db.execute("DELETE FROM message WHERE participant_id = ?", [participant_id])
    if invitation_ids:
        db.execute(f"DELETE FROM message WHERE invitation_id IN ({marks})", invitation_ids)
    return invitation_ids, marks


def erase(db: sqlite_utils.Database, participant: dict, *, actor: audit.Actor, audited: bool = True) -> dict:
    """Delete the participant's answers, links, messages and registration; what was deleted, counted.
    ``audited=False``: the caller records it (retention records one row for its whole run)."""
    pid = participant["id"]
    with transaction(db):
        messages = db.execute("SELECT COUNT(*) FROM message WHERE participant_id = ?", [pid]).fetchone()[0]
        contact = db.execute(
            "SELECT CASE WHEN phone IS NOT NULL OR email IS NOT NULL THEN 1 ELSE 0 END FROM participant WHERE id = ?",
            [pid],
        ).fetchone()[0]
        invitation_ids, marks = delete_messages(db, pid)
        answers = 0
        if invitation_ids:
            answers = db.execute(
                f"SELECT COUNT(*) FROM answer WHERE invitation_id IN ({marks})", invitation_ids
            ).fetchone()[0]
            db.execute(f"DELETE FROM answer WHERE invitation_id IN ({marks})", invitation_ids)
        db.execute("DELETE FROM invitation WHERE participant_id = ?", [pid])
        db.execute("DELETE FROM participant WHERE id = ?", [pid])
        counts = {
            "answers": answers,
            "links": len(invitation_ids),
            "messages": messages,
            "contact_details": bool(contact),
            "municipality": participant["municipality_code"],
        }
        if audited:
            audit.record(
                db,
                "participant_erased",
                actor=actor,
                target=audit.participant_target(participant),
                detail=counts,
            )
    return counts
