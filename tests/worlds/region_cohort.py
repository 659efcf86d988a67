"""The region report's cohort: 29 eligible participants in four regions, with figures worked out by hand.

Today is 1 September 2027 (``TODAY``): the follow-up date (course start +
26 weeks) has passed for course starts up to 3 March 2027. Køge
participants who started in 2026 belong to Region Sjælland, those who
started in 2027 to Region Østdanmark (the merger of 1 January 2027).

| region       | eligible | invited | opened | partial | completed | totals                     |
|--------------|----------|---------|--------|---------|-----------|----------------------------|
| Nordjylland  | 2        | 2       | 1      | 0       | 1         | 27                         |
| Sjælland     | 9        | 8       | 7      | 1       | 6         | 30 28 32 25 27 29          |
| Syddanmark   | 12       | 10      | 9      | 2       | 6         | 32 31 30 29 28 24          |
| Østdanmark   | 6        | 6       | 5      | 0       | 5         | 20 24 22 26 18             |
| Total        | 29       | 26      | 22     | 3       | 18        |                            |

Not counted: a withdrawn Odense participant (complete, total 8) and one
whose follow-up date has not come (invited early and complete, total 10).
The report tests (test_reporting.py) work the means and SDs out by hand;
the evaluator's pages and the HTML check use the same cohort.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.cohort import Person
from tests.cohort import build as build_cohort

TODAY = datetime(2027, 9, 1, 10, 0, tzinfo=UTC)

KOEGE, NAESTVED, ODENSE, AALBORG = "259", "370", "461", "851"

SJAELLAND_TOTALS = [30, 28, 32, 25, 27, 29]
SYDDANMARK_TOTALS = [32, 31, 30, 29, 28, 24]
OESTDANMARK_TOTALS = [20, 24, 22, 26, 18]


def people() -> list[Person]:
    """Everyone in the table above, and the two who must not count."""
    people = [
        Person("N1", AALBORG, "2026-04-01", "completed", 27),
        Person("N2", AALBORG, "2026-04-01", "invited"),
    ]
    # Region Sjælland (baseline 2026): Køge and Næstved.
    for number, total in enumerate(SJAELLAND_TOTALS, 1):
        people.append(
            Person(f"S{number}", KOEGE if number <= 3 else NAESTVED, "2026-03-01", "completed", total)
        )
    people += [
        Person("S7", KOEGE, "2026-05-10", "partial", answered=3),
        Person("S8", NAESTVED, "2026-08-20", "invited"),
        Person("S9", NAESTVED, "2026-09-01"),  # due, never invited
    ]
    # Region Østdanmark (Køge, baseline 2027).
    for number, total in enumerate(OESTDANMARK_TOTALS, 1):
        people.append(Person(f"K{number}", KOEGE, "2027-01-15", "completed", total))
    people.append(
        Person("K6", KOEGE, "2027-03-03", "invited")
    )  # the last baseline whose follow-up has passed
    # Region Syddanmark: Odense.
    for number, total in enumerate(SYDDANMARK_TOTALS, 1):
        people.append(Person(f"O{number}", ODENSE, "2026-02-01", "completed", total))
    people += [
        Person("O7", ODENSE, "2026-06-01", "partial", answered=7),
        Person("O8", ODENSE, "2026-06-01", "partial", answered=1),
        Person("O9", ODENSE, "2026-06-01", "opened"),
        Person("O10", ODENSE, "2026-07-01", "invited"),
        Person("O11", ODENSE, "2026-07-01"),
        Person("O12", ODENSE, "2026-07-01"),
        # Not counted:
        Person("OW", ODENSE, "2026-02-01", "completed", 8, withdrawn=True),
        Person("OE", ODENSE, "2027-03-04", "completed", 10),  # follow-up on 2 September 2027
    ]
    return people


def build(app, db) -> dict[str, int]:
    """Insert the cohort (CSQ-8 answers) into ``db``; returns participant ids by code."""
    return build_cohort(db, app.extensions["questionnaires"]["csq8"], people())
