"""The team's chat as issue 15 asks: optional comments are not counted as questions, the team is
addressed as "I", changing an earlier answer leads back where the team was, the change link is
"Skift svar", the intro is said once, and the minute estimate comes from the questionnaire file."""

from __future__ import annotations

import re

from survey_app import PROJECT_ROOT, create_app
from tests.functional import test_rounds
from tests.functional.test_rounds import ORG, answer_everything, post_answer, start, stored

# The round fixtures of test_rounds.py: Køge's team, a round opened in spring 2099.
_spring_2099 = test_rounds._spring_2099
set_team, open_round, koege_link = test_rounds.set_team, test_rounds.open_round, test_rounds.koege_link

FETCH = {"X-Requested-With": "fetch"}
INTRO = ORG.intro["da"]


def progress(html: str) -> tuple[str, str, str]:
    """The progress label, the bar's value and its maximum."""
    label = re.search(r'<p class="progress-label" id="progress-label">([^<]*)</p>', html).group(1)
    bar = re.search(r'<progress max="(\d+)" value="(\d+)"', html)
    return label, bar.group(2), bar.group(1)


def current_item(html: str) -> str:
    return re.search(r'<input type="hidden" name="item" value="([^"]+)">', html).group(1)


def answer(client, page, item, value=None, **kwargs):
    response = post_answer(client, page.text, item, value, **kwargs)
    assert response.status_code == 303, response.text
    return client.get(response.location)


def test_comments_are_not_counted_as_questions(app, db, koege_link):
    client = app.test_client()
    welcome = client.get(koege_link)
    assert "6 ja/nej-spørgsmål med plads til kommentarer." in welcome.text
    start(client, koege_link)
    page = client.get("/team/svar")
    assert progress(page.text) == ("Spørgsmål 1 af 6", "0", "6")
    assert "<title>Spørgsmål 1 af 6 – Organisationsskema" in page.text
    page = answer(client, page, "org_1", 1)
    # The comment after question 1 is offered, not counted.
    assert current_item(page.text) == "org_1_comment"
    assert progress(page.text) == ("Frivilligt · 1 af 6 spørgsmål besvaret", "1", "6")
    page = answer(client, page, "org_1_comment", skip=True)
    assert current_item(page.text) == "org_2" and progress(page.text) == ("Spørgsmål 2 af 6", "1", "6")
    assert "Spørgsmål 1: </span>" in page.text and "Frivilligt: </span>Kommentar" in page.text

    welcome = app.test_client().get(koege_link)
    assert "Jeres team har svaret på 1 af 6 spørgsmål" in welcome.text

    for item in ORG.items[2:-1]:
        page = answer(client, page, item.id, 1 if item.required else None, skip=not item.required)
    # The last answer with the script: the closing counts six questions, not thirteen.
    closing = post_answer(client, page.text, "org_other", "Intet at tilføje", **FETCH)
    assert closing.headers["X-Chat-Turn"] == "1"
    assert "Alle 6 spørgsmål er besvaret" in closing.text and "13" not in closing.text
    assert '<progress max="6" value="6"' in closing.text
    assert len(stored(db)) == 13


def test_the_team_is_addressed_as_i_on_every_page(app, koege_link):
    client = app.test_client()
    start(client, koege_link)
    page = client.get("/team/svar")
    page = answer(client, page, "org_1", 2)
    chat = page.text
    assert 'aria-label="Jeres svar indtil nu"' in chat
    assert "Jeres svar: </span>" in chat
    assert '<label for="answer-org_1_comment" class="visually-hidden">Jeres svar</label>' in chat
    update = post_answer(client, chat, "org_1_comment", "Kun delvist", **FETCH)
    assert "Jeres svar: </span>" in update.text
    change = client.get("/team/svar?ret=org_1")
    assert (
        "Jeres nuværende svar er markeret" in change.text and "Behold jeres svar og gå videre" in change.text
    )
    summary = answer_everything(app.test_client(), koege_link)
    for html in (chat, update.text, change.text, summary.text, client.get(koege_link).text):
        assert "Dit svar" not in html and "Dine svar" not in html and "dit svar" not in html
        assert "Dit nuværende" not in html and "Behold mit" not in html
    assert "Jeres svar: </span>" in summary.text


def test_changing_an_earlier_answer_leads_back_where_the_team_was(app, db, koege_link):
    client = app.test_client()
    start(client, koege_link)
    page = client.get("/team/svar")
    page = answer(client, page, "org_1", 1)
    page = answer(client, page, "org_1_comment", "Som regel")
    page = answer(client, page, "org_2", 1)
    page = answer(client, page, "org_2_comment", skip=True)
    assert current_item(page.text) == "org_3" and progress(page.text) == ("Spørgsmål 3 af 6", "2", "6")

    # The change link is "Skift svar" (no "Ret", which reads like an option) and names its question.
    question = ORG.item("org_1").text["da"]
    link = f'<a class="edit" href="/team/svar?ret=org_1#current" aria-label="Skift svar: {question}">Skift svar</a>'
    assert link in page.text
    assert ">Ret<" not in page.text

    change = client.get("/team/svar?ret=org_1")
    assert "<h1>Skift jeres svar</h1>" in change.text
    assert (
        current_item(change.text) == "org_1" and 'class="option chosen" name="value" value="1"' in change.text
    )
    # The progress is where the team was, not the position of the question being changed.
    assert progress(change.text) == ("Spørgsmål 3 af 6", "2", "6")
    assert "Bagefter fortsætter I, hvor I slap." in change.text
    assert "chat.js" not in change.text  # answered by a plain post, which redirects back

    response = post_answer(client, change.text, "org_1", 2)
    assert response.status_code == 303 and response.location == "/team/svar#current"
    back = client.get(response.location)
    assert current_item(back.text) == "org_3" and progress(back.text) == ("Spørgsmål 3 af 6", "2", "6")
    answers = {row["item_id"]: row for row in stored(db)}
    assert answers["org_1"]["score"] == 2 and answers["org_1_comment"]["text"] == "Som regel"
    assert [(c["item_id"], c["old_score"], c["new_score"]) for c in stored(db, "round_answer_change")] == [
        ("org_1", 1, 2)
    ]

    # Changing a comment works the same way; keeping it goes back too.
    change = client.get("/team/svar?ret=org_1_comment")
    assert "Som regel</textarea>" in change.text
    assert '<a href="/team/svar#current">Behold jeres svar og gå videre</a>' in change.text
    back = client.get("/team/svar")
    assert current_item(back.text) == "org_3"


def test_after_finishing_a_change_shows_where_it_leads(app, koege_link):
    client = app.test_client()
    answer_everything(client, koege_link)
    change = client.get("/team/svar?ret=org_3")
    assert "Alle spørgsmål er besvaret. Bagefter kommer I tilbage til jeres svar." in change.text
    assert "Skift svar" in client.get("/team/oversigt").text
    response = post_answer(client, change.text, "org_3", 1)
    assert response.location.startswith("/team/oversigt?gemt=org_3")


def test_the_intro_is_said_once_before_question_one(app, koege_link):
    client = app.test_client()
    welcome = client.get(koege_link)
    assert welcome.text.count(INTRO) == 1
    assert "seks" not in INTRO  # the count comes from the questionnaire, not the intro's words
    start(client, koege_link)
    chat = client.get("/team/svar")
    assert INTRO not in chat.text and ORG.item("org_1").text["da"] in chat.text


def test_the_minute_estimate_comes_from_the_questionnaire_file(app, koege_link, tmp_path):
    assert ORG.estimated_minutes == 5
    assert "Det tager ca. 5 minutter." in app.test_client().get(koege_link).text

    # A licence holder's (or an evaluator's) file with another estimate changes the page.
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    text = (PROJECT_ROOT / "questionnaires" / "organisation.toml").read_text(encoding="utf-8")
    (overrides / "organisation.toml").write_text(
        text.replace("estimated_minutes = 5", "estimated_minutes = 1"), encoding="utf-8"
    )
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE": app.config["DATABASE"],
            "BASE_URL": "https://ips.example.dk",
            "QUESTIONNAIRE_OVERRIDES_DIR": str(overrides),
        }
    )
    welcome = other.test_client().get(koege_link)
    assert "Det tager ca. 1 minut." in welcome.text and "5 minutter" not in welcome.text
