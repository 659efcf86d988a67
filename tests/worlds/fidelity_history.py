"""The fidelity pages' history: an evaluator and fifteen earlier fidelity reviews.

Sjælland Øst (Køge 259, Solrød 269, Faxe 320, Stevns 336) reviewed on IPS-15
in three rounds from 2021 to 2022, and Odense (461) and Esbjerg (561) of Region
Syddanmark, in no cluster, on IPS-25 in 2022 and 2023.
"""

from __future__ import annotations

from datetime import date

from survey_app import accounts, audit, fidelity
from survey_app.db import connect, transaction
from tests.conftest import PASSWORD

EVALUATOR = "evaluering@example.dk"

# (municipality, date, scale, score of every item): Sjælland Øst on IPS-15 in three rounds,
# Region Syddanmark (no cluster) on IPS-25.
EARLIER_REVIEWS = [
    ("259", "2021-03-10", "ips15", 3),
    ("269", "2021-03-24", "ips15", 4),
    ("336", "2021-04-07", "ips15", 3),
    ("320", "2021-04-21", "ips15", 2),
    ("259", "2021-12-01", "ips15", 4),
    ("269", "2021-12-08", "ips15", 4),
    ("336", "2021-12-15", "ips15", 4),
    ("320", "2022-01-12", "ips15", 3),
    ("259", "2022-11-02", "ips15", 5),
    ("269", "2022-11-09", "ips15", 4),
    ("336", "2022-11-16", "ips15", 4),
    ("461", "2022-02-01", "ips25", 3),
    ("461", "2023-02-01", "ips25", 4),
    ("561", "2022-03-01", "ips25", 4),
    ("561", "2023-03-01", "ips25", 5),
]


def build(app) -> None:
    """The evaluator (``EVALUATOR``, password ``PASSWORD``) and the reviews of ``EARLIER_REVIEWS``,
    recorded through the same checks as the form (first item one lower: totals vary)."""
    database = connect(app.config["DATABASE"])
    accounts.create_user(database, actor=audit.SEED, email=EVALUATOR, role="evaluator", password=PASSWORD)
    scales = app.extensions["fidelity_scales"]
    with transaction(database):
        for code, day, scale_id, score in EARLIER_REVIEWS:
            scores = dict.fromkeys(scales[scale_id].item_ids, score)
            scores[scales[scale_id].item_ids[0]] = max(1, score - 1)  # not all equal: totals vary
            raw = fidelity.ReviewInput(code, day, scale_id, "Anne og Bo", scores)
            row, errors = fidelity.check_review(database, raw, scales, today=date(2025, 1, 1))
            assert not errors, errors
            fidelity.insert_review(database, row, scale=scales[scale_id], actor=audit.SEED)
    database.close()
