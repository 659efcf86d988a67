"""A count shown with a noun agrees with it: "1 deltager importeret", "2 deltagere importeret"."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
import time_machine
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from survey_app import PROJECT_ROOT, clock
from survey_app.languages import LANGUAGES
from tests.functional.test_fidelity_pages import IPS25_ITEMS, NEW, form_data, scores_for, text_of
from tests.functional.test_translations import _keywords
from tests.helpers import command, csrf_token

# A count followed by a noun that has a singular (in English or Danish).
COUNTED_NOUN = re.compile(
    r"%\(\w+\)s (participants|reviews|municipalities|problems|errors|questions|items|e-mails|rows|lines)\b"
)
# Counted nouns that may stay in a singular msgid: the number is never 1 there.
NEVER_ONE = {
    "The file has more than %(rows)s participants: split it.",
    "The file has more than %(rows)s reviews: split it.",
    "The file has more than %(rows)s team contacts: split it.",
}


def _catalogue(language):
    with open(PROJECT_ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def messages():
    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return [
        (filename, message)
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / "survey_app", method_map, options_map, keywords=_keywords()
        )
    ]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_both_catalogues_have_two_plural_forms(language):
    catalogue = _catalogue(language)
    assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_ngettext_of_the_code_is_a_plural_entry(messages, language):
    catalogue = _catalogue(language)
    plurals = [message for _filename, message in messages if isinstance(message, tuple)]
    assert len(plurals) >= 10
    for singular, plural in plurals:
        entry = catalogue.get(singular)
        assert entry is not None and entry.pluralizable, singular
        assert entry.id == (singular, plural)
        if language == "da":
            assert all(entry.string) and len(entry.string) == 2, singular


def test_no_staff_page_counts_a_noun_without_ngettext(messages):
    # The participant's and team's chat (participant/, team/) count questions in Danish, where
    # "spørgsmål" is the same in both numbers; they are left to their own change.
    staff = [
        message
        for filename, message in messages
        if isinstance(message, str) and not re.match(r"templates/(participant|team)/", filename)
    ]
    counted = sorted(
        message for message in staff if COUNTED_NOUN.search(message) and message not in NEVER_ONE
    )
    assert not counted, f"use ngettext for: {counted}"


def _upload(client, rows: list[str]):
    page = client.get("/konsulent/import")
    body = "code;municipality;baseline_date\n" + "\n".join(rows) + "\n"
    return client.post(
        "/konsulent/import",
        data={
            "csrf_token": csrf_token(page.text),
            "file": (io.BytesIO(body.encode()), "deltagere.csv"),
            "consent_confirmed": "y",
        },
        content_type="multipart/form-data",
    )


def test_participant_import_says_one_participant_and_two_participants(login):
    client = login("consultant")
    one = _upload(client, ["A-1;259;2025-01-06"])
    assert one.status_code == 200, one.text
    assert "1 deltager importeret. 0 var allerede registreret uændret." in text_of(one.text)
    two = _upload(client, ["A-1;259;2025-01-06", "A-2;259;2025-01-06", "A-3;259;2025-01-06"])
    assert "2 deltagere importeret. 1 var allerede registreret uændret." in text_of(two.text)
    client.post("/sprog", data={"csrf_token": csrf_token(two.text), "language": "en"})
    english = _upload(client, ["A-4;259;2025-01-06", "A-1;259;2025-01-06", "A-2;259;2025-01-06"])
    assert "1 participant imported. 2 were already registered unchanged." in text_of(english.text)


def test_one_problem_in_a_fidelity_review_is_one_problem(login):
    evaluator = login("evaluator")
    page = evaluator.get(f"{NEW}?skala=ips25")
    one = evaluator.post(
        f"{NEW}?skala=ips25",
        data=form_data(page, municipality="", day="2024-06-03", scores=scores_for(IPS25_ITEMS, 100)),
    )
    assert one.status_code == 422
    assert "Intet er gemt endnu: ret denne fejl." in text_of(one.text)
    assert "ret disse 1 fejl" not in one.text


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ), tick=False)
def test_commands_count_in_danish_too(runner, tmp_path):
    path = tmp_path / "deltagere.csv"
    path.write_text("code;municipality;baseline_date\nC-1;259;2025-01-06\n", encoding="utf-8")
    one = runner.invoke(args=["participants", "import", str(path), "--consent-confirmed"])
    assert "1 deltager importeret, 0 fandtes allerede uændret." in one.output
    command(runner, "teams", "set", "259", "--email", "ips@koege.dk")
    opened = command(runner, "rounds", "open", "Forår", "--deadline", "2026-04-30")
    assert "er åbnet for 1 kommune med frist 2026-04-30. 1 e-mail med linket" in opened.output
    status = command(runner, "rounds", "status", "Forår")
    assert "0 af 1 kommune har svaret." in status.output
