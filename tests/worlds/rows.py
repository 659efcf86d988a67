"""Rows written straight into the database, in the shape the app writes them.

The worlds whose figures are worked out by hand (reports, exports,
associations) write their rows here instead of going through the chat for
every answer. Each function writes one thing and returns its id; none
commits (callers that need a transaction wrap it, e.g. ``with db.conn``).
"""

from __future__ import annotations

from survey_app import questionnaires


def participant(
    db,
    code: str,
    municipality: str,
    baseline: str,
    *,
    created_at: str | None = None,
    withdrawn_at: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    **columns,
) -> int:
    """A participant who consented when registered (by default at 08:00 UTC on the course start).

    SMS is the channel and Danish the language; ``columns`` sets any other column
    (``gender``, ``birth_year``).
    """
    created_at = created_at or f"{baseline}T08:00:00+00:00"
    row = {
        "code": code,
        "municipality_code": municipality,
        "baseline_date": baseline,
        "phone": phone,
        "email": email,
        "language": "da",
        "created_at": created_at,
        "consent_at": created_at,
        "withdrawn_at": withdrawn_at,
        "channel": "sms",
        **columns,
    }
    return db["participant"].insert(row).last_pk


def invitation(
    db,
    questionnaire: questionnaires.Questionnaire,
    participant_id: int,
    created: str,
    opened: str | None = None,
    completed: str | None = None,
    scores=(),
    total: int | None = None,
    *,
    expires: str = "2099-01-01T00:00:00+00:00",
    nonce: str | None = None,
    answered_at: str | None = None,
) -> int:
    """An invitation created at ``created`` (opened and completed when given) and its answers.

    ``scores`` answer the questionnaire's scored items in order, as many as given,
    at ``answered_at`` (by default when the link was opened, else when it was created).
    """
    invitation_id = (
        db["invitation"]
        .insert(
            {
                "participant_id": participant_id,
                "questionnaire_id": questionnaire.id,
                "questionnaire_version": questionnaire.version,
                "nonce": nonce or f"nonce-{participant_id}-{created}",
                "created_at": created,
                "expires_at": expires,
                "opened_at": opened,
                "completed_at": completed,
                "total_score": total,
            }
        )
        .last_pk
    )
    scored = [item for item in questionnaire.items if item.scored]
    db["answer"].insert_all(
        {
            "invitation_id": invitation_id,
            "item_id": item.id,
            "score": score,
            "questionnaire_version": questionnaire.version,
            "answered_at": answered_at or opened or created,
        }
        for item, score in zip(scored, scores, strict=False)
    )
    return invitation_id


def fidelity_review(db, municipality: str, day: str, scale: str, total: int, equivalent: float) -> int:
    """A fidelity review of ``municipality`` on ``day`` with its total and its IPS-25 equivalent."""
    return (
        db["fidelity_review"]
        .insert(
            {
                "municipality_code": municipality,
                "review_date": day,
                "scale": scale,
                "total": total,
                "ips25_equivalent": equivalent,
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
        .last_pk
    )


def round_answers(db, name: str, deadline: str, answers: dict[str, int], unfinished=()) -> int:
    """An organisation round in which each municipality of ``answers`` gave that score to org_2.

    The teams of ``unfinished`` began (they answered org_2 with 1) but never finished.
    """
    round_id = (
        db["round"]
        .insert(
            {
                "name": name,
                "questionnaire_id": "organisation",
                "deadline": deadline,
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
        .last_pk
    )
    for municipality, score in [*answers.items(), *((m, 1) for m in unfinished)]:
        team_id = (
            db["round_team"]
            .insert(
                {
                    "round_id": round_id,
                    "municipality_code": municipality,
                    "nonce": f"{name}-{municipality}",
                    "created_at": "2026-01-01T00:00:00+00:00",
                    "opened_at": "2026-01-02T00:00:00+00:00",
                    "completed_at": None if municipality in unfinished else "2026-01-02T00:00:00+00:00",
                }
            )
            .last_pk
        )
        db["round_answer"].insert(
            {
                "round_team_id": team_id,
                "item_id": "org_2",
                "score": score,
                "answered_at": "2026-01-02T00:00:00+00:00",
            }
        )
    return round_id
