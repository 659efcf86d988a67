"""Fidelity reviews: how faithful a municipality's IPS service is to the IPS model.

Evaluators score a municipality's service on the IPS fidelity scale: the
IPS-25 (25 items) or, in Region Sjælland, the older IPS-15 (15 items), each
item 1-5. The scales and the bands a total falls in are data
(``questionnaires/fidelity/*.toml``); this module loads and checks them,
computes a review's total and its IPS-25 equivalent (an IPS-15 total times
1.66, as the national evaluation did, unrounded), and finds each
participant's review: the one of their municipality closest in time to
their six-month follow-up date, in Python (:func:`match_review`) and as SQL
for the reports (:func:`matched_review_sql`, :func:`band_sql`), which must
agree.

It also checks reviews typed into the evaluator's form or read from a CSV
file (the same rules for both, every problem reported at once) and stores
them. It imports no Flask: the views, the command line and the tests use it
alike. Messages a person can cause are :class:`UserError` with English
msgids, translated at the edge.
"""

from .imports import MAX_CSV_BYTES, import_reviews, parse_csv, template_csv
from .matching import Review, followup_date, latest_reviews, match_review, matched_review_sql, review_rounds
from .reviews import (
    ReviewInput,
    check_review,
    check_scores,
    delete_review,
    get_review,
    insert_review,
    list_reviews,
    update_review,
)
from .scales import (
    BANDS,
    BANDS_FILE,
    DEFAULT_DIR,
    Band,
    FidelityError,
    Scale,
    band_for,
    band_sql,
    load_bands,
    load_scale,
    load_scales,
)

__all__ = [
    "BANDS",
    "BANDS_FILE",
    "Band",
    "DEFAULT_DIR",
    "FidelityError",
    "MAX_CSV_BYTES",
    "Review",
    "ReviewInput",
    "Scale",
    "band_for",
    "band_sql",
    "check_review",
    "check_scores",
    "delete_review",
    "followup_date",
    "get_review",
    "import_reviews",
    "insert_review",
    "latest_reviews",
    "list_reviews",
    "load_bands",
    "load_scale",
    "load_scales",
    "match_review",
    "matched_review_sql",
    "parse_csv",
    "review_rounds",
    "template_csv",
    "update_review",
]
