"""Build a cohort of participants with invitations and answers straight in the database.

Reports and exports are tested on cohorts whose figures are worked out by
hand; going through the chat for each answer would only make those tests
slow. The rows written here have the same shape as the app's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from survey_app import clock
from survey_app.questionnaires import Questionnaire
from tests.worlds import rows

STATES = ("eligible", "invited", "opened", "partial", "completed")


@dataclass
class Person:
    """One participant: where they are in the journey and, if complete, their total."""

    code: str
    municipality: str
    baseline: str
    state: str = "eligible"  # not invited yet
    total: int | None = None  # for "completed"
    answered: int = 3  # items answered for "partial"
    withdrawn: bool = False
    gender: str | None = None
    birth_year: int | None = None


def item_scores(total: int, items: int = 8, low: int = 1, high: int = 4) -> list[int]:
    """Scores of ``items`` items (each ``low``..``high``) adding up to ``total``."""
    assert items * low <= total <= items * high, total
    scores = [low] * items
    rest = total - items * low
    for index in range(items):
        step = min(high - low, rest)
        scores[index] += step
        rest -= step
    return scores


def _stamp(day: date, hour: int) -> str:
    moment = datetime.combine(day, time(hour), tzinfo=clock.LOCAL_TZ)
    return clock.isoformat(moment)


def build(db, questionnaire: Questionnaire, people: list[Person], followup_weeks: int = 26) -> dict[str, int]:
    """Insert everyone; returns participant ids by code."""
    ids = {}
    items = [item for item in questionnaire.items if item.scored]
    for person in people:
        baseline = date.fromisoformat(person.baseline)
        due = baseline + timedelta(weeks=followup_weeks)
        participant_id = rows.participant(
            db,
            person.code,
            person.municipality,
            person.baseline,
            created_at=_stamp(baseline, 10),
            withdrawn_at=_stamp(due, 12) if person.withdrawn else None,
            phone="+4512345678",
            email=f"{person.code.lower()}@example.dk",
            gender=person.gender,
            birth_year=person.birth_year,
        )
        ids[person.code] = participant_id
        level = STATES.index(person.state)
        if level == 0:
            continue
        if level == 3:
            scores = [2] * person.answered
        elif level == 4:
            scores = item_scores(person.total, len(items))
        else:
            scores = []
        rows.invitation(
            db,
            questionnaire,
            participant_id,
            _stamp(due, 9),
            opened=_stamp(due, 18) if level >= 2 else None,
            completed=_stamp(due, 19) if level == 4 else None,
            scores=scores,
            total=person.total if level == 4 else None,
            expires=_stamp(due + timedelta(days=56), 9),
            nonce=f"nonce-{person.code}",
            answered_at=_stamp(due, 19),
        )
    return ids


def demo_people(count: int, today: date, seed: int = 1) -> list[Person]:
    """A plausible cohort: Region Sjælland's municipalities and a few others, baselines over two years.

    About 45 % complete, 8 % partial; totals lean high, as CSQ-8 totals do.
    """
    import random

    generator = random.Random(seed)
    municipalities = [
        "259",
        "269",
        "336",
        "320",
        "306",
        "329",
        "326",
        "316",
        "330",
        "360",
        "376",
        "390",
        "370",
    ]
    municipalities += ["461", "101", "751"]
    people = []
    for number in range(1, count + 1):
        baseline = today - timedelta(days=generator.randint(190, 900))
        draw = generator.random()
        if draw < 0.45:
            state, total = "completed", max(8, min(32, round(generator.gauss(27.5, 4))))
        elif draw < 0.53:
            state, total = "partial", None
        elif draw < 0.65:
            state, total = "opened", None
        elif draw < 0.92:
            state, total = "invited", None
        else:
            state, total = "eligible", None
        people.append(
            Person(
                code=f"D{number:05d}",
                municipality=generator.choice(municipalities),
                baseline=baseline.isoformat(),
                state=state,
                total=total,
                answered=generator.randint(1, 7),
                gender=generator.choice(["female", "male", "female", "male", None]),
                birth_year=generator.choice([None, *range(1965, 2006)]),
            )
        )
    return people
