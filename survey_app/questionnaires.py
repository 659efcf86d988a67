"""Questionnaires as data: loading, validating and scoring ``questionnaires/*.toml``.

A questionnaire file names its items with stable ids, the answer options of
each in the order they are printed, and the score of each option. Scores
come from the file, never from where a button sits on the screen: the CSQ-8
prints the most positive option first on some items and last on others.

The shipped CSQ-8 texts are our own short paraphrases (``wording =
"paraphrase"``), because the instrument's wording is licensed. A licence
holder places a file with the same name in ``instance/questionnaires/``; it
replaces the shipped texts but must keep the same items and scores, so
results stay comparable. Each questionnaire carries a version hash of its
item texts, stored with every answer, so results from different wordings can
be told apart.

This module imports no Flask; it is used by the app, the CLI and the tests.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LANGUAGE = "da"
# The questionnaire participants are sent, and reports show, unless another is chosen.
PARTICIPANT_QUESTIONNAIRE = "csq8"
ITEM_TYPES = ("choice", "yesno", "text")
TEXT_MAX_LENGTH = 2000
# Messages say "{minutter} minutter"; an SMS is checked to fit with this many (two digits).
MAX_ESTIMATED_MINUTES = 99
WORDINGS = ("paraphrase", "licensed", "original")

_TOP_KEYS = {
    "id",
    "title",
    "wording",
    "total",
    "estimated_minutes",
    "intro",
    "closing",
    "references",
    "items",
}
_ITEM_KEYS = {"id", "type", "text", "options", "required", "help"}
_OPTION_KEYS = {"score", "label"}
_REFERENCE_KEYS = {"label", "mean", "sd", "n", "source"}
_YES_NO = (
    {"score": 1, "label": {"da": "Ja", "en": "Yes"}},
    {"score": 2, "label": {"da": "Nej", "en": "No"}},
)


class QuestionnaireError(Exception):
    """A questionnaire file is not valid; the message names file, item and problem."""


def localise(texts: dict[str, str] | None, language: str) -> str:
    """The text in ``language``, falling back to Danish (always present)."""
    if not texts:
        return ""
    return texts.get(language) or texts[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Option:
    score: int
    label: dict[str, str]


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    text: dict[str, str]
    options: tuple[Option, ...] = ()
    required: bool = True
    help: dict[str, str] | None = None

    @property
    def scored(self) -> bool:
        """Choice and yes/no items have a score; free text has none."""
        return self.type != "text"

    def option(self, score: int) -> Option | None:
        return next((o for o in self.options if o.score == score), None)


@dataclass(frozen=True)
class Reference:
    """A published result shown beside ours in reports (e.g. the Danish RCT)."""

    label: dict[str, str]
    mean: float
    sd: float | None = None
    n: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: dict[str, str]
    wording: str
    items: tuple[Item, ...]
    version: str
    source: str
    total: str | None = None
    estimated_minutes: int | None = None
    intro: dict[str, str] | None = None
    closing: dict[str, str] | None = None
    references: tuple[Reference, ...] = ()
    _by_id: dict[str, Item] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self._by_id.update({item.id: item for item in self.items})

    def item(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def position(self, item_id: str) -> int:
        """1-based position of an item among all items, optional ones included."""
        return next(i for i, item in enumerate(self.items, 1) if item.id == item_id)

    # Optional items (comments, "anything else?") are offered, not asked:
    # "Question 3 of 6" and "All 6 questions answered" count required items only.

    @property
    def question_count(self) -> int:
        """How many questions the respondent is told there are: the required items."""
        return sum(1 for item in self.items if item.required)

    def question_number(self, item_id: str) -> int:
        """The number shown for an item: required items up to and including it.

        An optional item shares the number of the required item before it
        (a comment on question 2 is shown at question 2), or 0 before the first.
        """
        number = 0
        for item in self.items:
            number += item.required
            if item.id == item_id:
                return number
        raise KeyError(item_id)

    def questions_answered(self, answered: set[str] | dict) -> int:
        """How many of the required items have an answer."""
        return sum(1 for item in self.items if item.required and item.id in answered)

    def next_unanswered(self, answered: set[str] | dict) -> Item | None:
        """The first item, in order, without an answer; ``None`` when all are answered."""
        return next((item for item in self.items if item.id not in answered), None)

    def total_score(self, scores: dict[str, int | None]) -> int | None:
        """The total of a response, or ``None`` when it has no total.

        With ``total = "sum"`` the total is the sum of all scored items; a
        response with any scored item missing has no total (it still counts
        as a partial response elsewhere).
        """
        if self.total != "sum":
            return None
        values = [scores.get(item.id) for item in self.items if item.scored]
        if any(value is None for value in values):
            return None
        return sum(values)

    @property
    def score_range(self) -> tuple[int, int] | None:
        """Lowest and highest possible total, e.g. (8, 32) for the CSQ-8."""
        if self.total != "sum":
            return None
        scored = [item for item in self.items if item.scored]
        return (
            sum(min(o.score for o in item.options) for item in scored),
            sum(max(o.score for o in item.options) for item in scored),
        )


class InvalidAnswer(ValueError):
    """A submitted value that is not one of the item's options."""


def check_answer(item: Item, raw: str | None) -> int | str:
    """The stored form of a submitted value: the option's score, or the text.

    Raises :class:`InvalidAnswer` for anything else, so nothing is stored.
    """
    if item.type == "text":
        text = (raw or "").strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise InvalidAnswer(f"text longer than {TEXT_MAX_LENGTH} characters")
        if not text and item.required:
            raise InvalidAnswer("an answer is required")
        return text
    try:
        score = int((raw or "").strip())
    except ValueError:
        raise InvalidAnswer(f"{raw!r} is not an option of {item.id}") from None
    if item.option(score) is None:
        raise InvalidAnswer(f"{score} is not an option of {item.id}")
    return score


# -- loading -----------------------------------------------------------------


def _fail(path: Path, where: str, problem: str) -> QuestionnaireError:
    return QuestionnaireError(f"{path}: {where}: {problem}")


def _check_keys(path: Path, where: str, table: dict, allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(unknown)}")


def _texts(path: Path, where: str, value, *, required: bool = True) -> dict[str, str] | None:
    """A table of texts by language code, with Danish present and non-empty."""
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise _fail(path, where, 'expected a table of texts by language, e.g. { da = "..." }')
    for language, text in value.items():
        if not isinstance(text, str):
            raise _fail(path, where, f"text for {language!r} is not a string")
    if not (value.get(DEFAULT_LANGUAGE) or "").strip():
        raise _fail(path, where, "Danish text (da) is missing")
    return {language: text.strip() for language, text in value.items()}


def _parse_item(path: Path, raw, index: int) -> Item:
    if not isinstance(raw, dict):
        raise _fail(path, f"item #{index}", "expected a table")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not item_id.isidentifier():
        raise _fail(path, f"item #{index}", "id missing or not a simple name like csq_1")
    where = f"item {item_id}"
    _check_keys(path, where, raw, _ITEM_KEYS)
    item_type = raw.get("type", "choice")
    if item_type not in ITEM_TYPES:
        raise _fail(path, where, f"type must be one of {', '.join(ITEM_TYPES)}")
    text = _texts(path, f"{where}: text", raw.get("text"))
    help_text = _texts(path, f"{where}: help", raw.get("help"), required=False)
    required = raw.get("required", item_type != "text")
    if not isinstance(required, bool):
        raise _fail(path, where, "required must be true or false")

    raw_options = raw.get("options")
    if item_type == "text":
        if raw_options:
            raise _fail(path, where, "a text item has no options")
        return Item(item_id, item_type, text, (), required, help_text)
    if raw_options is None and item_type == "yesno":
        raw_options = list(_YES_NO)
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        raise _fail(path, where, "needs a list of at least two options")
    options = []
    for number, raw_option in enumerate(raw_options, 1):
        option_where = f"{where}: option {number}"
        if not isinstance(raw_option, dict):
            raise _fail(path, option_where, "expected a table { score = ..., label = {...} }")
        _check_keys(path, option_where, raw_option, _OPTION_KEYS)
        score = raw_option.get("score")
        if not isinstance(score, int) or isinstance(score, bool):
            raise _fail(path, option_where, "score must be a whole number")
        label = _texts(path, f"{option_where}: label", raw_option.get("label"))
        options.append(Option(score, label))
    scores = sorted(o.score for o in options)
    if scores != list(range(1, len(options) + 1)):
        raise _fail(
            path,
            where,
            f"scores must cover 1..{len(options)} exactly once, got {scores}",
        )
    return Item(item_id, item_type, text, tuple(options), required, help_text)


def _parse_reference(path: Path, raw, index: int) -> Reference:
    where = f"reference #{index}"
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a table")
    _check_keys(path, where, raw, _REFERENCE_KEYS)
    label = _texts(path, f"{where}: label", raw.get("label"))
    mean = raw.get("mean")
    if not isinstance(mean, (int, float)) or isinstance(mean, bool):
        raise _fail(path, where, "mean must be a number")
    sd = raw.get("sd")
    if sd is not None and (not isinstance(sd, (int, float)) or isinstance(sd, bool)):
        raise _fail(path, where, "sd must be a number")
    return Reference(label, float(mean), None if sd is None else float(sd), raw.get("n"), raw.get("source"))


def text_version(items: tuple[Item, ...]) -> str:
    """A short hash of everything a respondent reads and answers.

    Intro and closing texts are left out on purpose: changing a greeting
    does not make answers incomparable, changing a question does.
    """
    canonical = [
        {
            "id": item.id,
            "type": item.type,
            "text": item.text,
            "options": [{"score": o.score, "label": o.label} for o in item.options],
        }
        for item in items
    ]
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:12]


def parse_questionnaire(path: Path, data: dict) -> Questionnaire:
    """Validate the parsed TOML of one questionnaire file."""
    _check_keys(path, "top level", data, _TOP_KEYS)
    questionnaire_id = data.get("id")
    if not isinstance(questionnaire_id, str) or not questionnaire_id.isidentifier():
        raise _fail(path, "top level", "id missing or not a simple name like csq8")
    wording = data.get("wording")
    if wording not in WORDINGS:
        raise _fail(path, "top level", f"wording must be one of {', '.join(WORDINGS)}")
    total = data.get("total")
    if total not in (None, "sum"):
        raise _fail(path, "top level", 'total must be "sum" or left out')
    minutes = data.get("estimated_minutes")
    if minutes is not None and (
        not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_ESTIMATED_MINUTES
    ):
        raise _fail(
            path, "top level", f"estimated_minutes must be a whole number from 1 to {MAX_ESTIMATED_MINUTES}"
        )
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise _fail(path, "top level", "no [[items]]")
    items = tuple(_parse_item(path, raw, index) for index, raw in enumerate(raw_items, 1))
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise _fail(path, f"item {item.id}", "id used more than once")
        seen.add(item.id)
    references = tuple(
        _parse_reference(path, raw, index) for index, raw in enumerate(data.get("references", []), 1)
    )
    return Questionnaire(
        id=questionnaire_id,
        title=_texts(path, "title", data.get("title")),
        wording=wording,
        items=items,
        version=text_version(items),
        source=str(path),
        total=total,
        estimated_minutes=minutes,
        intro=_texts(path, "intro", data.get("intro"), required=False),
        closing=_texts(path, "closing", data.get("closing"), required=False),
        references=references,
    )


def load_file(path: Path) -> Questionnaire:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise QuestionnaireError(f"{path}: not valid TOML: {error}") from None
    return parse_questionnaire(path, data)


def _check_override(shipped: Questionnaire, override: Questionnaire) -> None:
    """A licensed wording may change texts, never items or scores."""
    path = override.source

    def shape(q: Questionnaire):
        return [(i.id, i.type, sorted(o.score for o in i.options)) for i in q.items]

    if override.id != shipped.id:
        raise QuestionnaireError(f"{path}: top level: id {override.id!r} must be {shipped.id!r}")
    if shape(override) != shape(shipped):
        raise QuestionnaireError(
            f"{path}: items: must have the same item ids, types and scores, in the "
            f"same order, as {shipped.source}"
        )


def load_all(shipped_dir: Path, override_dir: Path | None = None) -> dict[str, Questionnaire]:
    """Every questionnaire in ``shipped_dir``, with overrides from ``override_dir`` applied."""
    questionnaires: dict[str, Questionnaire] = {}
    for path in sorted(Path(shipped_dir).glob("*.toml")):
        questionnaire = load_file(path)
        if override_dir is not None and (Path(override_dir) / path.name).is_file():
            override = load_file(Path(override_dir) / path.name)
            _check_override(questionnaire, override)
            questionnaire = override
        if questionnaire.id in questionnaires:
            raise QuestionnaireError(f"{path}: top level: id {questionnaire.id!r} used twice")
        questionnaires[questionnaire.id] = questionnaire
    return questionnaires
