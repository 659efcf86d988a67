"""What the chat shows: answered turns above, the current question below.

Pure: built from the questionnaire and the answers given so far, so the
full page and the JavaScript fragment always show the same conversation.
A participant's browser is shown only the answers it gave itself; the
others are only counted (``not_shown``), and cannot be opened for change.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...questionnaires import Item, Questionnaire


@dataclass(frozen=True)
class Turn:
    """One answered question: the app's question and the participant's reply."""

    item: Item
    position: int
    score: int | None
    text: str | None

    @property
    def skipped(self) -> bool:
        return self.score is None and not self.text


@dataclass(frozen=True)
class Conversation:
    total: int
    turns: tuple[Turn, ...]
    current: Item | None  # None once every item is answered
    current_position: int
    previous_answer: dict | None  # the answer being changed, when editing
    completed: bool
    not_shown: int = 0  # answered in another browser: counted, never shown
    editing: Item | None = None  # the answered item being changed (then also ``current``)
    next_position: int = 0  # the first unanswered question's position: where the participant is

    @property
    def answered(self) -> int:
        """Questions answered (required items only, as ``total``), shown here or elsewhere."""
        return sum(1 for turn in self.turns if turn.item.required) + self.not_shown

    @property
    def progress_position(self) -> int:
        """The number in "Question N of M": while an earlier answer is changed, still where one was."""
        return self.next_position if self.editing is not None else self.current_position


def build_conversation(
    questionnaire: Questionnaire,
    given: dict[str, dict],
    *,
    editing: str | None = None,
    shown: set[str] | None = None,
) -> Conversation:
    """The conversation for the answers ``given``; ``editing`` names an answered item to change.

    ``shown`` limits the turns (and what can be changed) to those items,
    the answers given in this browser; ``None`` shows every answer.
    """
    visible = set(given) if shown is None else set(given) & shown
    turns = tuple(
        Turn(item, questionnaire.question_number(item.id), given[item.id]["score"], given[item.id]["text"])
        for item in questionnaire.items
        if item.id in visible
    )
    current = first_unanswered = questionnaire.next_unanswered(given)
    previous = None
    edited = questionnaire.item(editing) if editing else None
    if edited is not None and edited.id in visible:
        current, previous = edited, given[edited.id]
    else:
        edited = None
    last = questionnaire.question_count
    return Conversation(
        total=questionnaire.question_count,
        turns=turns,
        current=current,
        current_position=questionnaire.question_number(current.id) if current else last,
        previous_answer=previous,
        completed=first_unanswered is None,
        not_shown=questionnaire.questions_answered(given) - questionnaire.questions_answered(visible),
        editing=edited,
        next_position=questionnaire.question_number(first_unanswered.id) if first_unanswered else last,
    )
