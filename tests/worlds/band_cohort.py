"""Satisfaction by fidelity band and by organisation answer: 26 eligible in four municipalities, and their reviews.

Today is 1 September 2027 (the region cohort's ``TODAY``); the follow-up date
is the course start + 182 days.

Fidelity reviews (IPS-25 equivalent) and who they match:
- Køge: 2026-01-10 IPS-25 118 (exemplary) and 2026-12-01 IPS-15 60 x 1.66 = 99.6 (fair).
  Course start 2025-10-01 -> follow-up 2026-04-01: 81 days from the first, 244 from the second: exemplary.
  Course start 2026-01-01 -> follow-up 2026-07-02: 173 and 152 days: fair.
- Næstved: 2026-06-01 IPS-25 105 (good).
- Aalborg: 2026-05-03 IPS-25 80 (fair) and 2026-08-31 IPS-25 120 (exemplary), both 60 days from
  the follow-up 2026-07-02: a tie, and the earlier review counts: fair.
- Odense: no review.

| band        | who                 | eligible | completed | totals                 |
|-------------|---------------------|----------|-----------|------------------------|
| exemplary   | Køge, start 2025-10 | 6        | 5         | 30 31 32 29 28         |
| good        | Næstved             | 8        | 6         | 25 27 26 28 24 26      |
| fair        | Køge 2026 + Aalborg | 7        | 5         | 20 22 24 + 21 23       |
| no review   | Odense              | 5        | 5         | 27 29 31 26 30         |

Organisation question 2, round deadlines 2026-06-30 and 2027-06-30: Køge answered Ja in
2026 and Nej in 2027 (its participants' follow-ups are closer to 2026: Ja), Næstved Nej,
Odense began but did not finish (not answered), Aalborg has no team answer.
"""

from __future__ import annotations

from tests.cohort import Person
from tests.cohort import build as build_cohort
from tests.worlds import rows

KOEGE, NAESTVED, ODENSE, AALBORG = "259", "370", "461", "851"
EXEMPLARY = [30, 31, 32, 29, 28]
GOOD = [25, 27, 26, 28, 24, 26]
FAIR_KOEGE, FAIR_AALBORG = [20, 22, 24], [21, 23]
NO_REVIEW = [27, 29, 31, 26, 30]


def people() -> list[Person]:
    """The participants of the table above."""
    cohort = [Person(f"KA{n}", KOEGE, "2025-10-01", "completed", t) for n, t in enumerate(EXEMPLARY)]
    cohort.append(Person("KA9", KOEGE, "2025-10-01", "invited"))
    cohort += [Person(f"KB{n}", KOEGE, "2026-01-01", "completed", t) for n, t in enumerate(FAIR_KOEGE)]
    cohort += [Person("KB8", KOEGE, "2026-01-01", "invited"), Person("KB9", KOEGE, "2026-01-01", "opened")]
    cohort += [Person(f"N{n}", NAESTVED, "2026-01-01", "completed", t) for n, t in enumerate(GOOD)]
    cohort += [Person("N8", NAESTVED, "2026-01-01"), Person("N9", NAESTVED, "2026-01-01")]
    cohort += [Person(f"A{n}", AALBORG, "2026-01-01", "completed", t) for n, t in enumerate(FAIR_AALBORG)]
    cohort += [Person(f"O{n}", ODENSE, "2026-01-01", "completed", t) for n, t in enumerate(NO_REVIEW)]
    return cohort


def build(app, db):
    """The cohort above, the five fidelity reviews, and the two organisation rounds' answers."""
    build_cohort(db, app.extensions["questionnaires"]["csq8"], people())
    rows.fidelity_review(db, KOEGE, "2026-01-10", "ips25", 118, 118.0)
    rows.fidelity_review(db, KOEGE, "2026-12-01", "ips15", 60, 60 * 1.66)
    rows.fidelity_review(db, NAESTVED, "2026-06-01", "ips25", 105, 105.0)
    rows.fidelity_review(db, AALBORG, "2026-05-03", "ips25", 80, 80.0)
    rows.fidelity_review(db, AALBORG, "2026-08-31", "ips25", 120, 120.0)
    rows.round_answers(db, "Runde 2026", "2026-06-30", {KOEGE: 1, NAESTVED: 2}, unfinished=(ODENSE,))
    rows.round_answers(db, "Runde 2027", "2027-06-30", {KOEGE: 2})
