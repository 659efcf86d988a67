"""The participant-level export: one row per eligible participant (then, with ``include_all``,
every other registered participant not withdrawn), with how far they came, which contact preceded
their answer, their municipality's fidelity review and organisation answers. Pseudonymous: no
contact details.

Contacts are read from what was sent: the outbox's sent invitations and reminders (``message``,
status ``sent``, at ``sent_at``) and every showing of the link as a QR code or letter (the audit
log's ``link_shown``, the consultant's hand-over).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlite_utils

from .. import clock, places
from ..fidelity.matching import Review, match_review
from ..fidelity.scales import BANDS, band_for
from ..questionnaires import DEFAULT_LANGUAGE, Questionnaire
from .rows import local_time
from .variables import DATE, DATETIME, INTEGER, NUMBER, STRING, Variable, codebook

INVITATION, PARTICIPANT = "invitation", "participant"

LEVELS = (INVITATION, PARTICIPANT)

# status: how far the participant came, coded (value labels in Danish).
STATUS_CODES = {
    "not_yet_due": 1,
    "due": 2,
    "invited": 3,
    "reminded": 4,
    "opened": 5,
    "partial": 6,
    "completed": 7,
    "expired": 8,
    "opted_out": 9,
}

STATUS_LABELS = {
    1: "Ikke forfalden endnu",
    2: "Forfalden, ikke inviteret",
    3: "Inviteret",
    4: "Påmindet",
    5: "Åbnet",
    6: "Delvist besvaret",
    7: "Besvaret",
    8: "Linket udløbet",
    9: "Frameldt",
}

YES_NO = {1: "Ja", 0: "Nej"}

GENDERS = {"female": "Kvinde", "male": "Mand", "other": "Andet"}


@dataclass(frozen=True)
class ParticipantExport:
    """What a participant-level export covers: the questionnaire, the date it is made on (today),
    the follow-up weeks, the organisation questionnaire (for ``org_item_N``), and whether
    participants not yet eligible follow the eligible ones."""

    questionnaire: Questionnaire
    as_of: date
    followup_weeks: int = 26
    organisation: Questionnaire | None = None
    include_all: bool = False
    bands: tuple = field(default_factory=tuple)

    @property
    def level(self) -> str:
        return PARTICIPANT

    @property
    def org_items(self) -> list:
        if self.organisation is None:
            return []
        return [item for item in self.organisation.items if item.type == "yesno"]

    def variables(self) -> list[Variable]:
        return participant_codebook(self)


def participant_codebook(export: ParticipantExport) -> list[Variable]:
    """The participant-level variables, in column order, with Danish labels and value labels."""
    questionnaire = export.questionnaire
    # The questionnaire's items, total and version, labelled as in the invitation-level codebook.
    invitation_level = {variable.name: variable for variable in codebook(questionnaire)}
    items = [invitation_level[item.id] for item in questionnaire.items]
    org = []
    for number, item in enumerate(export.org_items, 1):
        labels = {option.score: option.label[DEFAULT_LANGUAGE] for option in item.options}
        org.append(
            Variable(
                f"org_item_{number}",
                f"Organisationsspørgsmål {number} ({item.id}), seneste runde: {item.text[DEFAULT_LANGUAGE]}",
                INTEGER,
                labels,
            )
        )
    return [
        # The columns both levels share are the invitation level's, label and all.
        *(
            invitation_level[name]
            for name in ("participant_code", "municipality_code", "municipality", "region")
        ),
        Variable("region_today", "Region på eksportdagen", STRING),
        invitation_level["cluster"],
        invitation_level["baseline_date"],
        Variable("followup_date", f"Opfølgningsdato (forløbsstart + {export.followup_weeks} uger)", DATE),
        Variable("eligible", "Med i svarprocenten (opfølgningsdatoen er nået)", INTEGER, YES_NO),
        Variable("status", "Status for spørgeskemaet", INTEGER, STATUS_LABELS),
        Variable("invited", "Har fået et link", INTEGER, YES_NO),
        Variable("opened", "Har åbnet linket", INTEGER, YES_NO),
        Variable("partial", "Delvist besvaret (mindst ét svar, ikke færdig)", INTEGER, YES_NO),
        Variable("completed", "Besvaret", INTEGER, YES_NO),
        Variable("invited_at", "Første link udstedt (dansk tid)", DATETIME),
        Variable("opened_at", "Første gang åbnet (dansk tid)", DATETIME),
        Variable("completed_at", "Besvaret (dansk tid)", DATETIME),
        Variable("first_channel", "Første kontakt med link: sms, email, qr (udleveret) eller none", STRING),
        Variable(
            "reminders_before_completion",
            "Påmindelser sendt før besvarelsen (alle, hvis ikke besvaret)",
            INTEGER,
        ),
        Variable(
            "contact_before_completion",
            "Sidste kontakt før besvarelsen: invitation, reminder_1, reminder_2, handed_over eller none",
            STRING,
        ),
        Variable("items_answered", "Antal besvarede spørgsmål", INTEGER),
        *items,
        invitation_level["total"],
        invitation_level["questionnaire_version"],
        Variable("gender", "Køn", STRING),
        Variable("birth_year", "Fødselsår", INTEGER),
        Variable("fidelity_review_date", "Fidelitetsmåling nærmest opfølgningsdatoen: dato", DATE),
        Variable("fidelity_scale", "Fidelitetsmålingens skala (ips25 eller ips15)", STRING),
        Variable("fidelity_ips25", "Fidelitetsscore (IPS-25-ækvivalent)", NUMBER),
        Variable("fidelity_band", "Fidelitetsniveau", STRING),
        *org,
    ]


def _participants_sql(eligible: bool) -> str:
    return (
        "SELECT id, code, municipality_code, baseline_date, gender, birth_year, opted_out_at"
        " FROM participant WHERE withdrawn_at IS NULL AND baseline_date "
        + ("<= ?" if eligible else "> ?")
        + " ORDER BY id"
    )


def _hand_overs(db: sqlite_utils.Database) -> dict[int, list[datetime]]:
    """When each participant's link was shown as a QR code or letter (the audit log's ``link_shown``)."""
    shown: dict[int, list[datetime]] = defaultdict(list)
    for target, at in db.execute("SELECT target, at FROM audit WHERE action = 'link_shown'"):
        parts = (target or "").split(":")
        if len(parts) >= 2 and parts[0] == "participant" and parts[1].isdigit():
            shown[int(parts[1])].append(clock.parse(at))
    return shown


def _reviews(db: sqlite_utils.Database) -> dict[str, list[Review]]:
    reviews: dict[str, list[Review]] = defaultdict(list)
    for row in db.query(
        "SELECT id, municipality_code, review_date, scale, total, ips25_equivalent FROM fidelity_review"
    ):
        reviews[row["municipality_code"]].append(
            Review(
                review_date=date.fromisoformat(row["review_date"]),
                scale=row["scale"],
                municipality_code=row["municipality_code"],
                id=row["id"],
                total=row["total"],
                ips25_equivalent=row["ips25_equivalent"],
            )
        )
    return reviews


def _org_answers(db: sqlite_utils.Database, export: ParticipantExport) -> dict[str, dict[str, int]]:
    """Each municipality's yes/no answers in the latest round (open or closed) its team finished."""
    if export.organisation is None:
        return {}
    answers: dict[str, dict[str, int]] = {}
    rows = db.execute(
        "SELECT round_team.id, round_team.municipality_code FROM round_team"
        " JOIN round ON round.id = round_team.round_id"
        " WHERE round.questionnaire_id = ? AND round_team.completed_at IS NOT NULL"
        " ORDER BY round.deadline, round.id",
        [export.organisation.id],
    ).fetchall()
    for team_id, municipality_code in rows:  # later rounds overwrite earlier ones
        answers[municipality_code] = dict(
            db.execute(
                "SELECT item_id, score FROM round_answer WHERE round_team_id = ? AND score IS NOT NULL",
                [team_id],
            )
        )
    return answers


def _contacts(db, participant_id: int, questionnaire_id: str, shown: list[datetime]) -> list[tuple]:
    """(time, label, channel) of every contact that carried the link, in time order."""
    contacts = [(at, "handed_over", "qr") for at in shown]
    reminders = 0
    for kind, channel, sent_at in db.execute(
        "SELECT message.kind, message.channel, message.sent_at FROM message"
        " JOIN invitation ON invitation.id = message.invitation_id"
        " WHERE message.participant_id = ? AND invitation.questionnaire_id = ?"
        " AND message.status = 'sent' AND message.sent_at IS NOT NULL"
        " AND message.kind IN ('invitation', 'reminder') ORDER BY message.sent_at, message.id",
        [participant_id, questionnaire_id],
    ):
        if kind == "reminder":
            reminders += 1
            kind = f"reminder_{reminders}"
        contacts.append((clock.parse(sent_at), kind, channel))
    contacts.sort(key=lambda contact: contact[0])
    return contacts


def iter_participant_rows(db: sqlite_utils.Database, export: ParticipantExport) -> Iterator[tuple]:
    """The rows, in :func:`participant_codebook` order: the eligible participants by registration,
    then (``include_all``) the others. One participant's invitations and messages are read at a
    time, so memory stays flat."""
    questionnaire = export.questionnaire
    variables = participant_codebook(export)
    kinds = [variable.kind for variable in variables]
    clusters, periods = places.cluster_names(db), places.memberships(db)
    names = places.municipality_names(db)
    shown, reviews, org = _hand_overs(db), _reviews(db), _org_answers(db, export)
    bands = export.bands or BANDS
    now = clock.now()
    cutoff = (export.as_of - timedelta(weeks=export.followup_weeks)).isoformat()
    item_ids = [item.id for item in questionnaire.items]
    scored = {item.id for item in questionnaire.items if item.scored}
    passes = [True, False] if export.include_all else [True]
    for eligible in passes:
        for participant in db.query(_participants_sql(eligible), [cutoff]):
            invitations = list(
                db.query(
                    "SELECT id, created_at, opened_at, completed_at, expires_at, total_score,"
                    " questionnaire_version FROM invitation"
                    " WHERE participant_id = ? AND questionnaire_id = ? ORDER BY id",
                    [participant["id"], questionnaire.id],
                )
            )
            completed = next((i for i in invitations if i["completed_at"]), None)
            answers: dict[int, dict[str, object]] = defaultdict(dict)
            for invitation_id, item_id, score, text in db.execute(
                "SELECT answer.invitation_id, answer.item_id, answer.score, answer.text FROM answer"
                " JOIN invitation ON invitation.id = answer.invitation_id"
                " WHERE invitation.participant_id = ? AND invitation.questionnaire_id = ?",
                [participant["id"], questionnaire.id],
            ):
                value = score if item_id in scored else text
                if value is not None:
                    answers[invitation_id][item_id] = value
            # The answers shown: the completed response's, else the latest invitation's with any.
            shown_invitation = completed or next(
                (i for i in reversed(invitations) if answers.get(i["id"])), None
            )
            given = answers.get(shown_invitation["id"], {}) if shown_invitation else {}
            contacts = _contacts(db, participant["id"], questionnaire.id, shown.get(participant["id"], []))
            done_at = clock.parse(completed["completed_at"]) if completed else None
            before = [c for c in contacts if done_at is None or c[0] <= done_at]
            reminders = sum(1 for c in before if c[1].startswith("reminder_"))
            contact = None if done_at is None else before[-1][1] if before else "none"
            is_opened = any(i["opened_at"] for i in invitations)
            is_partial = completed is None and any(answers.get(i["id"]) for i in invitations)
            status = _status(
                participant, invitations, completed, is_partial, is_opened, contacts, eligible, now
            )
            baseline = date.fromisoformat(participant["baseline_date"])
            followup = baseline + timedelta(weeks=export.followup_weeks)
            code = participant["municipality_code"]
            own = periods.get(code, [])
            region, region_today = places.region_in(own, baseline), places.region_in(own, export.as_of)
            review = match_review(reviews.get(code, []), followup)
            band = band_for(review.ips25_equivalent, bands) if review else None
            team = org.get(code, {})
            row = (
                participant["code"],
                code,
                names.get(code),
                region and region.name,
                region_today and region_today.name,
                clusters.get(code),
                baseline,
                followup,
                int(eligible),
                STATUS_CODES[status],
                int(bool(invitations)),
                int(is_opened),
                int(is_partial),
                int(completed is not None),
                invitations[0]["created_at"] if invitations else None,
                min((i["opened_at"] for i in invitations if i["opened_at"]), default=None),
                completed and completed["completed_at"],
                contacts[0][2] if contacts else "none",
                reminders,
                contact,
                len(given),
                *(given.get(item_id) for item_id in item_ids),
                completed and completed["total_score"],
                (shown_invitation or (invitations[-1] if invitations else {})).get("questionnaire_version"),
                participant["gender"],
                participant["birth_year"],
                review and review.review_date,
                review and review.scale,
                review and review.ips25_equivalent,
                band and band.label,
                *(team.get(item.id) for item in export.org_items),
            )
            yield tuple(_typed(kind, value) for kind, value in zip(kinds, row, strict=True))


def _status(participant, invitations, completed, is_partial, is_opened, contacts, eligible, now) -> str:
    if completed:
        return "completed"
    if participant["opted_out_at"]:
        return "opted_out"
    if is_partial:
        return "partial"
    if is_opened:
        return "opened"
    if invitations:
        if all(clock.parse(i["expires_at"]) <= now for i in invitations):
            return "expired"
        if any(c[1].startswith("reminder_") for c in contacts):
            return "reminded"
        return "invited"
    return "due" if eligible else "not_yet_due"


def _typed(kind: str, value):
    if value is None:
        return None
    if kind == DATETIME and isinstance(value, str):
        return local_time(value)
    return value
