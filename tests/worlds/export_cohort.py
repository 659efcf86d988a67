"""The exports' cohort: six participants in four municipalities, each showing one thing an export must get right.

The cohort (questionnaire csq8; times stored in UTC, exported in Danish time):

| code   | municipality | baseline   | region at baseline | invitations                          |
|--------|--------------|------------|--------------------|--------------------------------------|
| KØ-1   | Køge 259     | 2026-12-31 | Region Sjælland    | complete 4 3 4 3 2 4 3 1 = 24 (CEST) |
| KØ-2   | Køge 259     | 2027-01-01 | Region Østdanmark  | partial: csq_1=1, csq_2=4, csq_3=2   |
| AAL-7  | Aalborg 851  | 2026-01-10 | Region Nordjylland | 1: never opened; 2: complete, all 1  |
| NÆ-3   | Næstved 370  | 2026-05-05 | Region Sjælland    | complete 3 3 3 3 3 3 3 3 = 24        |
| UD-1   | Køge 259     | 2026-02-01 | (withdrawn)        | complete: must not appear            |
| INGEN  | Odense 461   | 2026-06-01 | Region Syddanmark  | none: no row                         |

KØ-1 has the phone number and e-mail address that must appear in no export.
"""

from __future__ import annotations

from tests.worlds import rows

PHONE, EMAIL = "+4529876543", "anna.hansen@example.dk"


def build(db, csq8) -> None:
    """Insert the six participants of the table and their invitations (CSQ-8 answers), in one transaction."""
    with db.conn:
        koege_1 = rows.participant(db, "KØ-1", "259", "2026-12-31", phone=PHONE, email=EMAIL)
        rows.invitation(
            db,
            csq8,
            koege_1,
            "2026-08-31T07:00:00+00:00",
            "2026-08-31T16:30:00+00:00",
            "2026-08-31T16:35:12+00:00",
            (4, 3, 4, 3, 2, 4, 3, 1),
            24,
        )
        koege_2 = rows.participant(db, "KØ-2", "259", "2027-01-01", phone="+4511111111")
        rows.invitation(
            db, csq8, koege_2, "2027-12-01T08:00:00+00:00", "2027-12-01T10:15:00+00:00", None, (1, 4, 2)
        )
        aalborg = rows.participant(db, "AAL-7", "851", "2026-01-10", email="aal7@example.dk")
        rows.invitation(db, csq8, aalborg, "2026-07-10T08:00:00+00:00")
        rows.invitation(
            db,
            csq8,
            aalborg,
            "2026-09-10T08:00:00+00:00",
            "2026-09-10T09:00:00+00:00",
            "2026-09-10T09:05:00+00:00",
            (1,) * 8,
            8,
        )
        naestved = rows.participant(db, "NÆ-3", "370", "2026-05-05")
        rows.invitation(
            db,
            csq8,
            naestved,
            "2026-11-05T08:00:00+00:00",
            "2026-11-05T08:01:00+00:00",
            "2026-11-05T08:03:00+00:00",
            (3,) * 8,
            24,
        )
        withdrawn = rows.participant(
            db, "UD-1", "259", "2026-02-01", withdrawn_at="2026-09-01T10:00:00+00:00", phone="+4522222222"
        )
        rows.invitation(
            db,
            csq8,
            withdrawn,
            "2026-08-01T08:00:00+00:00",
            "2026-08-01T09:00:00+00:00",
            "2026-08-01T09:05:00+00:00",
            (4,) * 8,
            32,
        )
        rows.participant(db, "INGEN", "461", "2026-06-01")
