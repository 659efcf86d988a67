"""The variables of an export and their Danish labels: names safe for SPSS and Stata, value labels
from the questionnaire file, and the codebook written beside a CSV."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import safe_csv
from ..questionnaires import DEFAULT_LANGUAGE, Questionnaire

FORMATS = ("csv", "xlsx", "sav", "dta")


SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "sav": ".sav", "dta": ".dta"}


MEDIA_TYPES = {
    "csv": safe_csv.MEDIA_TYPE,
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
}


CODEBOOK_SUFFIX = "_kodebog"


CODEBOOK_COLUMNS = ("variabel", "etiket", "værdi", "værdietiket")


STATS_INSTALL_HINT = "pip install -e '.[stats]'"


# Kinds of variables, which decide how each format writes the values.
STRING = "string"


INTEGER = "integer"


DATE = "date"


DATETIME = "datetime"


# A number with decimals (e.g. an IPS-15 total × 1.66).
NUMBER = "number"


# Stata: variable labels hold at most 80 characters; names at most 32
# characters and none of these reserved words.
STATA_LABEL_MAX = 80


# SPSS: labels are limited in bytes (UTF-8); longer ones would be cut silently.
SPSS_LABEL_BYTES = 256


SPSS_VALUE_LABEL_BYTES = 120


SPSS_FILE_LABEL_BYTES = 64


_STATA_RESERVED = frozenset(
    {
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "str",
        "strL",
        "using",
        "with",
    }
)


# SPSS: these words cannot be variable names, in any case.
_SPSS_RESERVED = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
)


_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")


class ExportError(Exception):
    """An export that cannot be made; the message (in Danish) says what to do."""


@dataclass(frozen=True)
class Variable:
    """One column of the export, as the codebook describes it."""

    name: str
    label: str
    kind: str
    value_labels: dict[int, str] = field(default_factory=dict)
    free_text: bool = False


_BASE_VARIABLES = (
    Variable("participant_code", "Deltagerkode (pseudonym)", STRING),
    Variable("municipality_code", "Kommunekode", STRING),
    Variable("municipality", "Kommune", STRING),
    Variable("region", "Region ved forløbsstart", STRING),
    Variable("cluster", "IPS-klynge (tom: kommunen er ikke i en klynge)", STRING),
    Variable("baseline_date", "Forløbsstart", DATE),
    Variable("invited_at", "Link udstedt (dansk tid)", DATETIME),
    Variable("opened_at", "Link åbnet (dansk tid)", DATETIME),
    Variable("completed_at", "Besvaret (dansk tid)", DATETIME),
)


_TRAILING_NAMES = ("total", "questionnaire_version")


def codebook(questionnaire: Questionnaire) -> list[Variable]:
    """The variables of an export, in column order, with Danish labels.

    Raises :class:`ExportError` when an item id cannot be a variable name
    in SPSS and Stata (ASCII, at most 32 characters, not reserved, not the
    name of another column).
    """
    taken = {variable.name for variable in _BASE_VARIABLES} | set(_TRAILING_NAMES)
    items = []
    for item in questionnaire.items:
        if (
            not _SAFE_NAME.fullmatch(item.id)
            or item.id in _STATA_RESERVED
            or item.id.lower() in _SPSS_RESERVED
            or item.id in taken
        ):
            raise ExportError(
                f"Spørgsmålet {item.id!r} i {questionnaire.id} kan ikke bruges som variabelnavn: "
                "brug højst 32 tegn, først et bogstav, kun a-z (uden æøå), tal og _, "
                "og hverken et reserveret ord i SPSS eller Stata eller navnet på en anden kolonne."
            )
        taken.add(item.id)
        label = f"{item.id}: {item.text[DEFAULT_LANGUAGE]}"
        if item.scored:
            value_labels = {
                option.score: option.label[DEFAULT_LANGUAGE]
                for option in sorted(item.options, key=lambda option: option.score)
            }
            items.append(Variable(item.id, label, INTEGER, value_labels))
        else:
            items.append(Variable(item.id, label, STRING, free_text=True))
    score_range = questionnaire.score_range
    if score_range:
        total_label = f"Samlet score ({score_range[0]}–{score_range[1]})"
    else:
        total_label = "Samlet score (beregnes ikke for dette spørgeskema)"
    return [
        *_BASE_VARIABLES,
        *items,
        Variable("total", total_label, INTEGER),
        Variable("questionnaire_version", "Spørgeskemaets tekstversion", STRING),
    ]


def codebook_rows(questionnaire: Questionnaire) -> Iterator[tuple[str, str, int | str, str]]:
    """(variabel, etiket, værdi, værdietiket): a row per value label, or one per variable without."""
    return variable_rows(codebook(questionnaire))


def variable_rows(variables: list[Variable]) -> Iterator[tuple[str, str, int | str, str]]:
    """:func:`codebook_rows` of any list of variables."""
    for variable in variables:
        if variable.value_labels:
            for value, value_label in variable.value_labels.items():
                yield variable.name, variable.label, value, value_label
        else:
            yield variable.name, variable.label, "", ""


def codebook_csv(questionnaire, *, excel_da: bool = False) -> str:
    """The codebook as CSV text, starting with a BOM (encode as UTF-8 to download).

    ``questionnaire``: a questionnaire (the invitation level) or anything with ``variables()``
    (the participant level).
    """
    buffer = io.StringIO()
    buffer.write(safe_csv.BOM)
    writer = safe_csv.writer(buffer, delimiter=";" if excel_da else ",")
    writer.writerow(CODEBOOK_COLUMNS)
    if hasattr(questionnaire, "variables"):
        writer.writerows(variable_rows(questionnaire.variables()))
    else:
        writer.writerows(codebook_rows(questionnaire))
    return buffer.getvalue()


def codebook_path(path: str | Path) -> Path:
    """Where the codebook of a CSV export goes: ``data.csv`` → ``data_kodebog.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}{CODEBOOK_SUFFIX}.csv")


def shorten(text: str, limit: int = STATA_LABEL_MAX, *, max_bytes: int | None = None) -> str:
    """``text`` cut at a word to at most ``limit`` characters (and ``max_bytes`` in UTF-8), ending in "…" when cut."""

    def fits(candidate: str) -> bool:
        return len(candidate) <= limit and (max_bytes is None or len(candidate.encode()) <= max_bytes)

    if fits(text):
        return text
    while True:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
        candidate = cut.rstrip(" ,;:.-") + "…"
        if fits(candidate):
            return candidate
        limit = len(candidate) - 1
