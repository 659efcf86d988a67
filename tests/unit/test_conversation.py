"""What the chat shows: answered turns above, the current question below (participant/conversation.py).

Pure: a questionnaire and the answers given so far. The questionnaire here has
a choice item, a yes/no item and an optional free-text item, so every kind of
turn is built; answers are dicts as the routes pass them (score and text).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app import PROJECT_ROOT, questionnaires
from survey_app.web.participant import conversation

DATA = {
    "id": "chat_test",
    "wording": "original",
    "title": {"da": "Samtale"},
    "items": [
        {
            "id": "helped",
            "text": {"da": "Hjalp støtten?"},
            "options": [
                {"score": 3, "label": {"da": "Meget"}},
                {"score": 2, "label": {"da": "Noget"}},
                {"score": 1, "label": {"da": "Ikke"}},
            ],
        },
        {"id": "job", "type": "yesno", "text": {"da": "Har du et job?"}},
        {"id": "comment", "type": "text", "text": {"da": "Vil du fortælle mere?"}},
    ],
}
IDS = ["helped", "job", "comment"]


@pytest.fixture(scope="module")
def chat():
    return questionnaires.parse_questionnaire(Path("chat_test.toml"), DATA)


def given(**answers) -> dict[str, dict]:
    """{"helped": 3, "comment": "tekst"} → the stored shape: score for choices, text for free text."""
    return {
        item: {"score": None, "text": value}
        if isinstance(value, str) or value is None
        else {"score": value, "text": None}
        for item, value in answers.items()
    }


def turn_ids(built) -> list[str]:
    return [turn.item.id for turn in built.turns]


def test_before_the_first_answer_the_first_question_is_asked(chat):
    built = conversation.build_conversation(chat, {})
    assert built.turns == ()
    assert built.current.id == "helped"
    assert (built.current_position, built.total, built.answered) == (1, 2, 0)  # the comment is optional
    assert built.previous_answer is None
    assert built.completed is False
    assert built.not_shown == 0


def test_answered_turns_come_in_the_questionnaire_order_whatever_order_they_were_given_in(chat):
    answers = {"job": {"score": 1, "text": None}, "helped": {"score": 2, "text": None}}
    built = conversation.build_conversation(chat, answers)
    assert turn_ids(built) == ["helped", "job"]
    assert [turn.position for turn in built.turns] == [1, 2]
    assert [turn.score for turn in built.turns] == [2, 1]
    assert built.current.id == "comment" and built.current_position == 2  # after question 2
    assert built.answered == 2 and not built.completed


def test_a_gap_is_asked_first(chat):
    built = conversation.build_conversation(chat, given(helped=3, comment="Godt"))
    assert turn_ids(built) == ["helped", "comment"]
    assert built.current.id == "job"
    assert built.current_position == 2
    assert built.turns[1].text == "Godt" and built.turns[1].score is None


def test_when_every_item_is_answered_there_is_no_question_and_the_position_is_the_last(chat):
    built = conversation.build_conversation(chat, given(helped=1, job=2, comment="Tak"))
    assert built.current is None
    assert built.current_position == built.total == 2
    assert built.completed is True
    assert built.answered == 2
    assert turn_ids(built) == IDS


def test_changing_an_answered_item_asks_it_again_with_the_answer_given(chat):
    answers = given(helped=3, job=1)
    built = conversation.build_conversation(chat, answers, editing="helped")
    assert built.current.id == "helped"
    assert built.current_position == 1
    assert built.previous_answer == {"score": 3, "text": None}
    assert turn_ids(built) == ["helped", "job"]  # the turns above stay as they are
    assert not built.completed


def test_changing_an_answer_after_the_last_keeps_the_conversation_completed(chat):
    built = conversation.build_conversation(chat, given(helped=3, job=1, comment="Hej"), editing="comment")
    assert built.completed is True
    assert built.current.id == "comment" and built.current_position == 2
    assert built.previous_answer == {"score": None, "text": "Hej"}


@pytest.mark.parametrize("editing", ["comment", "no_such_item", "", None], ids=repr)
def test_only_an_answered_item_can_be_changed(chat, editing):
    """An unanswered or unknown item in ``?ret=`` is ignored: the next question is asked."""
    built = conversation.build_conversation(chat, given(helped=3), editing=editing)
    assert built.current.id == "job"
    assert built.current_position == 2
    assert built.previous_answer is None


def test_answers_given_in_another_browser_are_counted_never_shown(chat):
    answers = given(helped=2, job=1)
    built = conversation.build_conversation(chat, answers, shown={"job"})
    assert turn_ids(built) == ["job"]
    assert built.not_shown == 1
    assert built.answered == 2  # "2 of 2 answered", though one turn is shown
    # The next question is the first one nobody answered, not the one answered elsewhere.
    assert built.current.id == "comment"


def test_an_answer_given_in_another_browser_cannot_be_opened_for_change(chat):
    built = conversation.build_conversation(chat, given(helped=2, job=1), editing="helped", shown={"job"})
    assert built.previous_answer is None
    assert built.current.id == "comment"
    assert "helped" not in turn_ids(built)


def test_a_browser_that_gave_nothing_sees_only_the_count(chat):
    built = conversation.build_conversation(chat, given(helped=2, job=1, comment="x"), shown=set())
    assert built.turns == ()
    assert built.not_shown == 2 and built.answered == 2  # the optional comment is not counted
    assert built.completed is True and built.current is None


def test_shown_names_only_limit_what_was_answered(chat):
    """A browser's list may name an item whose answer is gone: it shows nothing for it."""
    built = conversation.build_conversation(chat, given(helped=2), shown={"helped", "job", "comment"})
    assert turn_ids(built) == ["helped"]
    assert built.not_shown == 0
    assert built.current.id == "job"


@pytest.mark.parametrize(
    "score, text, skipped",
    [(None, None, True), (None, "", True), (None, "Fint", False), (2, None, False), (1, "", False)],
)
def test_a_turn_without_score_or_text_was_skipped(chat, score, text, skipped):
    built = conversation.build_conversation(chat, {"comment": {"score": score, "text": text}})
    (turn,) = built.turns
    assert turn.skipped is skipped
    assert (turn.score, turn.text) == (score, text)


def test_the_same_answers_give_the_same_conversation(chat):
    """The full page and the script's fragment are built separately and must agree."""
    answers = given(helped=1, comment="")
    first = conversation.build_conversation(chat, answers, editing="helped", shown={"helped"})
    second = conversation.build_conversation(
        chat, dict(reversed(answers.items())), editing="helped", shown={"helped"}
    )
    assert first == second


def test_optional_items_are_not_counted_as_questions(chat):
    """ "Question N of M" and "All M answered" count the required items; a comment shares the number before it."""
    assert chat.question_count == 2 and len(chat.items) == 3
    assert [chat.question_number(item_id) for item_id in IDS] == [1, 2, 2]
    assert chat.questions_answered(given(helped=1, comment="x")) == 1
    skipped = conversation.build_conversation(chat, given(helped=1, job=1, comment=""))
    assert (skipped.total, skipped.answered, skipped.completed) == (2, 2, True)
    assert [turn.position for turn in skipped.turns] == [1, 2, 2]


def test_the_shipped_organisation_questionnaire_has_six_questions_and_seven_optional_comments():
    organisation = questionnaires.load_file(PROJECT_ROOT / "questionnaires" / "organisation.toml")
    assert organisation.question_count == 6 and len(organisation.items) == 13
    assert organisation.question_number("org_1_comment") == 1
    assert organisation.question_number("org_2") == 2
    assert organisation.question_number("org_other") == 6
    with pytest.raises(KeyError):
        organisation.question_number("no_such_item")


def test_the_shipped_csq8_walks_through_its_eight_items():
    csq8 = questionnaires.load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
    answers: dict[str, dict] = {}
    for position, item in enumerate(csq8.items, 1):
        built = conversation.build_conversation(csq8, answers)
        assert (built.current.id, built.current_position, built.answered) == (item.id, position, position - 1)
        assert built.total == 8
        answers[item.id] = {"score": 4, "text": None}
    done = conversation.build_conversation(csq8, answers)
    assert done.completed and done.current is None and len(done.turns) == 8
