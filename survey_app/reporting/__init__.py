"""Evaluators' figures: one SQL aggregation per grouping, then ``statistics``.

The dashboard, the printable municipality report, the non-response view and
``flask --app survey_app report`` all call :func:`report`, so they can never
disagree.

Who counts (see also ``statistics``):

- ``eligible``: participants not withdrawn whose follow-up date (baseline +
  ``FOLLOWUP_WEEKS``) is on or before the as-of date (today), and whose
  baseline falls in the chosen period. Withdrawn participants are left out
  entirely, answers included. An invitation sent before the follow-up
  date (a consultant handing the link over early) is counted once that
  date has passed.
- ``invited`` / ``opened``: has a link to the questionnaire / opened one.
- ``partial``: answered at least one item but did not finish.
- ``completed``: finished; ``csq_n`` counts the complete responses with a
  total score.

A participant's region is the one their municipality belonged to on their
baseline date (``region_basis="baseline"``), or on the as-of date
(``"current"``): Region Sjælland and Region Hovedstaden become Region
Østdanmark on 1 January 2027.
"""

from . import trend
from .figures import Query
from .funnel import Funnel, funnel
from .groupings import (
    GROUPINGS,
    REGION_BASES,
    danish_sort_key,
    grouping_for,
    organisation_items,
    service_groupings,
)
from .protection import protected
from .tables import PeriodNotOffered, Report, cell_row, report

__all__ = [
    "Funnel",
    "GROUPINGS",
    "PeriodNotOffered",
    "Query",
    "REGION_BASES",
    "Report",
    "cell_row",
    "danish_sort_key",
    "funnel",
    "grouping_for",
    "organisation_items",
    "protected",
    "report",
    "service_groupings",
    "trend",
]
