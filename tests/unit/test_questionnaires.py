"""Loading, validating and scoring questionnaires from TOML data."""

from pathlib import Path

import pytest

from survey_app import PROJECT_ROOT
from survey_app.questionnaires import (
    InvalidAnswer,
    QuestionnaireError,
    check_answer,
    load_all,
    load_file,
    parse_questionnaire,
)

SHIPPED = PROJECT_ROOT / "questionnaires"
POSITIVE_FIRST = {"csq_1", "csq_3", "csq_6", "csq_7"}
NEGATIVE_FIRST = {"csq_2", "csq_4", "csq_5", "csq_8"}


@pytest.fixture(scope="module")
def csq8():
    return load_file(SHIPPED / "csq8.toml")


def test_csq8_has_eight_items_with_stable_ids(csq8):
    assert [item.id for item in csq8.items] == [f"csq_{n}" for n in range(1, 9)]
    assert csq8.wording == "paraphrase"
    assert csq8.score_range == (8, 32)


def test_csq8_option_direction_alternates_as_printed(csq8):
    for item in csq8.items:
        printed_scores = [option.score for option in item.options]
        if item.id in POSITIVE_FIRST:
            assert printed_scores == [4, 3, 2, 1], item.id
        else:
            assert item.id in NEGATIVE_FIRST
            assert printed_scores == [1, 2, 3, 4], item.id


def test_every_text_is_in_danish_and_english(csq8):
    for item in csq8.items:
        assert item.text["da"] and item.text["en"]
        for option in item.options:
            assert option.label["da"] and option.label["en"]


def test_csq8_reference_rows_from_the_danish_rct(csq8):
    assert [(r.mean, r.sd) for r in csq8.references] == [(24.30, 5.00), (20.9, 6.20)]


def test_total_is_sum_of_scores_from_the_data(csq8):
    # Choose the first printed option everywhere: the total must not be 8 * 4.
    first_printed = {item.id: item.options[0].score for item in csq8.items}
    assert csq8.total_score(first_printed) == 4 * 4 + 4 * 1
    assert csq8.total_score({item.id: 4 for item in csq8.items}) == 32
    assert csq8.total_score({item.id: 1 for item in csq8.items}) == 8


def test_missing_item_means_no_total(csq8):
    scores = {item.id: 3 for item in csq8.items}
    del scores["csq_5"]
    assert csq8.total_score(scores) is None
    assert csq8.total_score({**scores, "csq_5": None}) is None


def test_check_answer_accepts_only_the_items_scores(csq8):
    item = csq8.item("csq_2")
    assert check_answer(item, "3") == 3
    for bad in ["0", "5", "", None, "3.0", "abc", "-1"]:
        with pytest.raises(InvalidAnswer):
            check_answer(item, bad)


def test_version_depends_on_item_texts_only(csq8, tmp_path):
    text = (SHIPPED / "csq8.toml").read_text(encoding="utf-8")
    same_items = tmp_path / "a.toml"
    same_items.write_text(text.replace("Tak for dine svar!", "Mange tak!"), encoding="utf-8")
    other_wording = tmp_path / "b.toml"
    other_wording.write_text(text.replace('da = "God"', 'da = "God nok"'), encoding="utf-8")
    assert load_file(same_items).version == csq8.version
    assert load_file(other_wording).version != csq8.version


MINIMAL = {
    "id": "org",
    "wording": "original",
    "title": {"da": "Organisering"},
    "items": [
        {"id": "q1", "type": "yesno", "text": {"da": "Kontakter I arbejdsgivere?"}},
        {"id": "q1_comment", "type": "text", "text": {"da": "Kommentar"}},
    ],
}


def test_yes_no_and_optional_free_text_items():
    questionnaire = parse_questionnaire(Path("org.toml"), MINIMAL)
    yes_no, comment = questionnaire.items
    assert [(o.score, o.label["da"]) for o in yes_no.options] == [(1, "Ja"), (2, "Nej")]
    assert comment.type == "text" and comment.required is False
    assert check_answer(comment, "  ") == ""
    assert check_answer(comment, "Ja, ofte") == "Ja, ofte"
    with pytest.raises(InvalidAnswer):
        check_answer(comment, "x" * 2001)
    assert questionnaire.total_score({"q1": 1}) is None  # no total declared


def _broken(**changes):
    data = {**MINIMAL, "items": [dict(item) for item in MINIMAL["items"]]}
    for key, value in changes.items():
        if key.startswith("item0_"):
            data["items"][0][key[6:]] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    "data, message",
    [
        (_broken(items=[MINIMAL["items"][0], MINIMAL["items"][0]]), "item q1: id used more than once"),
        (_broken(item0_text={"en": "Only English"}), "item q1: text: Danish text (da) is missing"),
        (_broken(item0_colour="red"), "item q1: unknown key(s) colour"),
        (_broken(subtitle="x"), "top level: unknown key(s) subtitle"),
        (
            _broken(
                item0_type="choice",
                item0_options=[{"score": 1, "label": {"da": "a"}}, {"score": 3, "label": {"da": "b"}}],
            ),
            "item q1: scores must cover 1..2 exactly once, got [1, 3]",
        ),
        (_broken(item0_type="scale"), "item q1: type must be one of"),
        (_broken(wording="ours"), "top level: wording must be one of"),
    ],
)
def test_bad_files_name_file_item_and_problem(data, message):
    with pytest.raises(QuestionnaireError) as raised:
        parse_questionnaire(Path("questionnaires/org.toml"), data)
    assert str(raised.value).startswith("questionnaires/org.toml: ")
    assert message in str(raised.value)


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('id = "x"\nitems = [', encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="bad.toml: not valid TOML"):
        load_file(path)


def test_licensed_override_replaces_texts_and_keeps_ids(tmp_path, csq8):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    licensed = (SHIPPED / "csq8.toml").read_text(encoding="utf-8")
    licensed = licensed.replace('wording = "paraphrase"', 'wording = "licensed"')
    licensed = licensed.replace(
        "Hvordan vil du bedømme kvaliteten", "LICENSED: Hvordan vil du bedømme kvaliteten"
    )
    (overrides / "csq8.toml").write_text(licensed, encoding="utf-8")
    loaded = load_all(SHIPPED, overrides)["csq8"]
    assert loaded.wording == "licensed"
    assert loaded.item("csq_1").text["da"].startswith("LICENSED: ")
    assert loaded.version != csq8.version
    assert loaded.source == str(overrides / "csq8.toml")


def test_override_with_other_items_fails_at_load(tmp_path):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    changed = (SHIPPED / "csq8.toml").read_text(encoding="utf-8").replace('id = "csq_8"', 'id = "csq_9"')
    (overrides / "csq8.toml").write_text(changed, encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="same item ids, types and scores"):
        load_all(SHIPPED, overrides)
