"""Row-level exports for evaluators: one row per invitation, with a Danish codebook.

Every invitation to a questionnaire of every participant who has not
withdrawn becomes one row (withdrawn participants are left out entirely):
the pseudonymous code, municipality, region on the participant's baseline
date (Region Sjælland and Region Hovedstaden become Region Østdanmark on 1
January 2027), IPS cluster, baseline date, when the link was issued,
opened and answered (Danish local time), one column per item named by its
id (the score, or the text of a free-text item), the total score and the
version of the texts answered. Contact details are never exported.

Formats:

- ``csv``: UTF-8 with BOM so Excel shows æøå; ``excel_da`` gives the
  semicolon and decimal comma of Danish Excel. Streamed in constant memory
  (:func:`iter_csv`); the codebook is a separate file
  (``<name>_kodebog.csv``, see :func:`codebook_csv`). Written by
  :mod:`safe_csv`, so no text cell can run as a formula.
- ``xlsx``: sheets "Data" and "Kodebog", written by openpyxl in write-only
  mode; dates are real Excel dates, and text is always a text cell (never a
  formula, whatever it starts with).
- ``sav`` (SPSS) and ``dta`` (Stata 14 and later): variable and value labels
  embedded, dates as dates. These need the optional extra ``stats``
  (pyreadstat and pandas) and hold the whole table in memory while writing.

Value labels come from the questionnaire file (each option's score and its
Danish label), never from where an option is printed.

``level="participant"`` (:class:`ParticipantExport`, :mod:`.participants`) gives one row per
eligible participant instead, with status, contacts, fidelity and organisation answers.

This module imports no Flask; the CLI and the web call :func:`write_export`
or :func:`iter_csv`.
"""

from .participants import INVITATION, LEVELS, PARTICIPANT, ParticipantExport, iter_participant_rows
from .rows import iter_rows
from .variables import (
    CODEBOOK_SUFFIX,
    FORMATS,
    MEDIA_TYPES,
    SUFFIXES,
    ExportError,
    codebook,
    codebook_csv,
    codebook_path,
    shorten,
)
from .writers import iter_csv, write_export

__all__ = [
    "CODEBOOK_SUFFIX",
    "ExportError",
    "FORMATS",
    "INVITATION",
    "LEVELS",
    "PARTICIPANT",
    "ParticipantExport",
    "MEDIA_TYPES",
    "SUFFIXES",
    "codebook",
    "codebook_csv",
    "codebook_path",
    "iter_csv",
    "iter_participant_rows",
    "iter_rows",
    "shorten",
    "write_export",
]
