"""Message templates: what an admin's text must hold, how long an SMS is, rendering, and the HTML e-mail.

``check_template``, ``gsm7_length`` and ``as_html`` are pure. ``render`` reads
the templates from the ``setting`` table, so its tests use a database made by
the real migrations in a temporary file (no app, no request).

An SMS template is checked filled with the longest municipality name and a
link as long as production's, and must then fit one GSM-7 SMS (160 septets).
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from survey_app import audit, languages, links, messaging, places
from survey_app import db as database

PLACEHOLDERS_ONLY = "The text may only use the placeholders %(placeholders)s."
TOO_LONG = "The SMS is too long"
SMS_KEYS = ["sms_invitation", "sms_reminder", "sms_prenotice"]
BODY_KEYS = ["email_invitation_body", "email_reminder_body", "email_prenotice_body"]
SUBJECT_KEYS = ["email_invitation_subject", "email_reminder_subject", "email_prenotice_subject"]
LINK = "https://ips.example.dk/s/3f.AbCdEfGhIjKl.MnOpQrStUvWxYz012345"
OPT_OUT = "https://ips.example.dk/afmeld/9.QwErTy"


def refusal(key: str, text: str, language: str = "da") -> languages.UserError:
    with pytest.raises(languages.UserError) as refused:
        messaging.check_template(key, text, language)
    return refused.value


# -- which templates there are ----------------------------------------------------------------------


def test_there_are_nine_templates_and_every_shipped_one_passes_its_own_check():
    assert sorted(messaging.DEFAULT_TEMPLATES) == sorted(SMS_KEYS + BODY_KEYS + SUBJECT_KEYS)
    for key, text in messaging.DEFAULT_TEMPLATES.items():
        assert messaging.check_template(key, text) == text, key


def test_an_unknown_template_is_refused():
    assert refusal("sms_welcome", "Hej {link}").message == "Unknown template."
    assert refusal("", "Hej").message == "Unknown template."


def test_the_longest_municipality_name_is_the_one_templates_are_checked_with(db):
    names = list(places.municipality_names(db).values())
    assert messaging.LONGEST_MUNICIPALITY in names
    assert len(messaging.LONGEST_MUNICIPALITY) == max(len(name) for name in names)
    # Every name is plain GSM-7, so no municipality turns an SMS into UCS-2.
    assert all(messaging.gsm7_length(name)[0] == "gsm7" for name in names)


# -- placeholders ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Svar her: {url}",  # an unknown name
        "Svar her: {Link}",  # names are case-sensitive
        "Svar her: {}",  # positional
        "Svar her: {0}",
        "Svar her: {link:>200}",  # a format spec could make the text any length
        "Svar her: {link!r}",  # a conversion
        "Svar her: {link.__class__}",  # an attribute
        "Svar her: {link[0]}",  # an index
        "Svar her: {link",  # unbalanced braces
        "Svar her: link}",
        "Svar {kommune} {link} {kommune.upper}",
    ],
)
def test_only_the_five_bare_placeholders_are_allowed(text):
    refused = refusal("sms_invitation", text)
    assert refused.message == PLACEHOLDERS_ONLY
    assert refused.params == {"placeholders": "{kommune}, {link}, {frist}, {minutter}, {afmeld}"}


def test_each_placeholder_may_be_used_in_any_template_and_braces_can_be_doubled():
    text = "{kommune}: {{8}} spørgsmål, frist {frist}: {link}"
    assert messaging.check_template("sms_invitation", text) == text
    subject = "{kommune} Kommune spørger, svar inden {frist}"
    assert messaging.check_template("email_invitation_subject", subject) == subject


@pytest.mark.parametrize(
    "key", ["sms_invitation", "sms_reminder", "email_invitation_body", "email_reminder_body"]
)
def test_an_invitation_or_reminder_must_hold_the_link(key):
    text = "Hej fra {kommune} Kommune." + (" {afmeld}" if key.startswith("email_") else "")
    assert refusal(key, text).message == "The text must contain {link}."


@pytest.mark.parametrize("key", ["sms_prenotice", *SUBJECT_KEYS])
def test_a_prenotice_and_a_subject_need_no_link(key):
    text = "Snart: spørgsmål fra {kommune} Kommune"
    assert messaging.check_template(key, text) == text


@pytest.mark.parametrize("key", BODY_KEYS)
def test_every_e_mail_body_must_hold_the_opt_out_link(key):
    text = messaging.DEFAULT_TEMPLATES[key].replace("{afmeld}", "")
    assert refusal(key, text).message == "An e-mail must contain {afmeld}, the link for opting out."


@pytest.mark.parametrize("key", SMS_KEYS)
def test_an_sms_has_no_room_for_the_opt_out_link(key):
    text = messaging.DEFAULT_TEMPLATES[key] + " {afmeld}"
    assert refusal(key, text).message == "An SMS has no room for {afmeld}."


@pytest.mark.parametrize("key", SUBJECT_KEYS)
@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"], ids=repr)
def test_a_subject_is_one_line(key, line_break):
    assert refusal(key, f"Hvad synes du?{line_break}Svar i dag").message == "The subject must be on one line."


def test_an_e_mail_body_may_have_many_lines_and_any_length():
    text = "Hej\n\n" + "Et langt afsnit. " * 200 + "\n\n{link}\n\nAfmeld: {afmeld}\n"
    assert messaging.check_template("email_invitation_body", text) == text


@pytest.mark.parametrize(
    "key, text",
    [
        ("sms_invitation", "Svar her: {{link}}"),
        ("email_invitation_body", "Svar: {link}\n\nAfmeld: {{afmeld}}"),
    ],
)
def test_a_doubled_brace_is_no_placeholder_for_the_required_links(key, text):
    """``{{link}}`` is sent as the text "{link}": the message would go out without its link."""
    with pytest.raises(languages.UserError):
        messaging.check_template(key, text)


# -- SMS length -------------------------------------------------------------------------------------------

# What the check puts in for {kommune} and {link}: a template of "{kommune} " + filler + " {link}"
# has len(filler) + FIXED characters, all of them GSM-7 single septets.
FIXED = len(messaging.LONGEST_MUNICIPALITY) + 1 + 1 + len(messaging.SAMPLE_LINK)


def sms_of(septets: int, filler_char: str = "a") -> str:
    return "{kommune} " + filler_char * (septets - FIXED) + " {link}"


def test_the_sample_link_carries_a_token_as_long_as_real_ones():
    # A real token for invitation 1 679 615 (the largest id of four base-36 digits).
    real = links.make_token("a secret key", 36**4 - 1, links.new_nonce())
    host, token = messaging.SAMPLE_LINK.split("/s/")
    assert host.startswith("https://") and len(host) >= len("https://ips.kommune.dk")
    assert len(token) == len(real)
    assert [len(part) for part in token.split(".")] == [len(part) for part in real.split(".")]
    assert messaging.gsm7_length(messaging.SAMPLE_LINK)[0] == "gsm7"


def test_an_sms_of_exactly_160_characters_with_the_longest_name_and_link_fits():
    text = sms_of(160)
    assert messaging.check_template("sms_invitation", text) == text


def test_one_character_more_is_refused_naming_the_length():
    refused = refusal("sms_invitation", sms_of(161))
    assert refused.message.startswith(TOO_LONG)
    assert refused.params == {"length": 161}


def test_the_check_counts_the_longest_municipality_not_the_placeholder():
    # The template text itself is far shorter than 160 characters ...
    text = sms_of(161)
    assert len(text) < 160
    # ... and would fit with a short name such as Køge.
    filled = text.format(kommune="Køge", link=messaging.SAMPLE_LINK)
    assert messaging.gsm7_length(filled) == ("gsm7", 161 - len(messaging.LONGEST_MUNICIPALITY) + 4, 1)
    assert refusal("sms_invitation", text).params == {"length": 161}


def test_danish_letters_cost_one_and_the_extension_characters_two():
    assert messaging.check_template("sms_reminder", sms_of(160, "ø"))
    # 159 characters, one of them "€" (an escape and the sign): 160 septets, still one SMS.
    euro = "{kommune} " + "a" * (159 - FIXED - 1) + "€ {link}"
    assert messaging.check_template("sms_reminder", euro) == euro
    assert refusal("sms_reminder", euro.replace("€", "€€")).params == {"length": 162}


@pytest.mark.parametrize("character", ["👋", "ł", "“", "ç"])
def test_a_character_outside_gsm7_is_refused_even_in_a_short_sms(character):
    """One such character makes the SMS UCS-2, where the link alone nearly fills one message."""
    text = f"Hej {character} {{link}}"
    refused = refusal("sms_invitation", text)
    assert refused.message.startswith(TOO_LONG)
    units = len(text.format(link=messaging.SAMPLE_LINK).encode("utf-16-le")) // 2
    assert refused.params == {"length": units}


def test_the_check_fills_the_deadline_as_a_danish_date():
    # {frist} is filled as the longest deadline, "30. september 2099" (18 characters): the text is exactly 160.
    assert messaging.LONGEST_DEADLINE == "30. september 2099"
    text = "{kommune} " + "a" * (160 - FIXED - 19) + " {frist} {link}"
    assert messaging.check_template("sms_reminder", text) == text
    assert refusal("sms_reminder", text.replace(" {frist}", "a {frist}")).params == {"length": 161}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ("gsm7", 0, 1)),
        ("a" * 160, ("gsm7", 160, 1)),
        ("a" * 161, ("gsm7", 161, 2)),
        ("æøåÆØÅ", ("gsm7", 6, 1)),
        ("€" * 80, ("gsm7", 160, 1)),
        ("€" * 81, ("gsm7", 162, 2)),
        ("{}[]~^|\\", ("gsm7", 16, 1)),
        ("ok👍", ("ucs2", 4, 1)),
        ("æ" * 69 + "👍", ("ucs2", 71, 2)),
        ("“" * 70, ("ucs2", 70, 1)),
    ],
    ids=lambda value: repr(value)[:20] if isinstance(value, str) else None,
)
def test_gsm7_length_gives_encoding_length_and_segments(text, expected):
    assert messaging.gsm7_length(text) == expected


# -- rendering ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def connection(tmp_path_factory):
    path = tmp_path_factory.mktemp("templates") / "templates.db"
    database.migrate(path)
    connection = database.connect(path)
    yield connection
    connection.close()


@pytest.fixture
def db(connection):
    """The module's database with no saved template: every test starts from the defaults."""
    connection.execute("DELETE FROM setting")
    yield connection
    connection.execute("DELETE FROM setting")


def render(
    db, kind, channel, municipality="Køge", link=LINK, expires=date(2026, 9, 30), opt_out=OPT_OUT, **more
):
    return messaging.render(
        db,
        kind,
        channel,
        municipality=municipality,
        link=link,
        expires=expires,
        opt_out=opt_out,
        **({"minutes": 2} | more),
    )


def test_an_sms_invitation_has_no_subject_and_names_the_municipality_and_the_link(db):
    assert render(db, "invitation", "sms") == (
        None,
        f"Køge Kommune: Hvad synes du om din IPS-støtte? 8 spørgsmål, 2 min.: {LINK}",
    )
    subject, reminder = render(db, "reminder", "sms", municipality="Ringkøbing-Skjern")
    assert subject is None
    assert reminder == f"Husk: vi vil gerne høre din mening om din IPS-støtte. Det tager 2 minutter: {LINK}"


def test_an_e_mail_invitation_has_subject_link_deadline_and_opt_out(db):
    subject, body = render(db, "invitation", "email", municipality="Næstved")
    assert subject == "Hvad synes du om din IPS-støtte?"
    assert body.startswith("Hej\n\nNæstved Kommune vil gerne høre")
    assert f"\n\n{LINK}\n\n" in body
    assert "Linket virker til og med 30. september 2026." in body
    assert body.rstrip().endswith(f"klik her: {OPT_OUT}")
    assert "{" not in body and "}" not in body


def test_a_prenotice_has_no_link_and_no_deadline_and_shows_no_none(db):
    subject, body = render(db, "prenotice", "email", link=None, expires=None)
    assert subject == "Snart: 8 spørgsmål om din IPS-støtte"
    assert "Om nogle dage sender Køge Kommune dig et link" in body
    assert OPT_OUT in body
    assert "None" not in body and "{" not in body
    assert render(db, "prenotice", "sms", link=None, expires=None)[1] == (
        "Hej! Om nogle dage sender Køge Kommune dig 8 korte spørgsmål om din IPS-støtte."
        " Det tager 2 minutter. Tak på forhånd!"
    )


def test_a_saved_template_replaces_the_default_for_its_key_only(db):
    messaging.save_template(db, "sms_reminder", "Husk {kommune}: {link} (til {frist})", actor=audit.SEED)
    assert render(db, "reminder", "sms")[1] == f"Husk Køge: {LINK} (til 30. september 2026)"
    assert render(db, "invitation", "sms")[1].startswith("Køge Kommune: Hvad synes du")
    messaging.save_template(
        db, "sms_reminder", "Igen: {link}", actor=audit.SEED
    )  # a second save replaces the first
    assert render(db, "reminder", "sms")[1] == f"Igen: {LINK}"
    assert messaging.template(db, "sms_reminder") == "Igen: {link}"


def test_a_template_that_fails_the_check_is_not_saved(db):
    with pytest.raises(languages.UserError):
        messaging.save_template(db, "sms_reminder", "Husk at svare", actor=audit.SEED)
    assert messaging.template(db, "sms_reminder") == messaging.DEFAULT_TEMPLATES["sms_reminder"]
    assert db.execute("SELECT COUNT(*) FROM setting").fetchone()[0] == 0


def test_values_are_put_in_as_they_are_never_read_as_placeholders(db):
    subject, body = render(db, "invitation", "email", municipality="{link}", opt_out="{kommune}")
    assert body.startswith("Hej\n\n{link} Kommune vil gerne høre")
    assert body.rstrip().endswith("klik her: {kommune}")


MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]


@pytest.mark.parametrize("month", range(1, 13))
def test_the_deadline_is_a_danish_date_with_the_month_written_out(db, month):
    body = render(db, "reminder", "email", expires=date(2027, month, 1))[1]
    assert f"Linket virker til og med 1. {MONTHS[month - 1]} 2027." in body


@pytest.mark.parametrize(
    "day, shown",
    [
        (date(2026, 12, 31), "31. december 2026"),
        (date(2027, 1, 1), "1. januar 2027"),
        (date(2028, 2, 29), "29. februar 2028"),
        (date(2026, 3, 5), "5. marts 2026"),  # no leading zero
        (date(9999, 12, 31), "31. december 9999"),
    ],
)
def test_danish_dates_at_year_ends_and_leap_days(db, day, shown):
    assert f"Linket virker til og med {shown}." in render(db, "invitation", "email", expires=day)[1]


def test_an_sms_that_passes_the_check_fits_one_message_on_every_deadline(db):
    text = "{kommune} " + "a" * (160 - FIXED - 19) + " {frist} {link}"  # the longest the check passes
    messaging.save_template(db, "sms_reminder", text, actor=audit.SEED)
    too_long = []
    for offset in range(366):
        day = date(2026, 1, 1) + timedelta(days=offset)
        _, body = render(db, "reminder", "sms", municipality=messaging.LONGEST_MUNICIPALITY,
                         link=messaging.SAMPLE_LINK, expires=day)  # fmt: skip
        if messaging.gsm7_length(body)[2] > 1:
            too_long.append(day.isoformat())
    assert too_long == []


# -- languages ----------------------------------------------------------------------------------------------


def test_every_language_has_the_same_keys_and_placeholders_as_danish_and_passes_its_check():
    danish = messaging.DEFAULTS_BY_LANGUAGE["da"]
    assert set(messaging.DEFAULTS_BY_LANGUAGE) == set(languages.LANGUAGES)
    for language, defaults in messaging.DEFAULTS_BY_LANGUAGE.items():
        assert set(defaults) == set(danish) == set(messaging.TEMPLATE_KEYS) == set(messaging.TEMPLATE_LABELS)
        for key, text in defaults.items():
            assert messaging.check_template(key, text, language) == text, (language, key)
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", danish[key])), key


def test_every_default_names_the_minutes_from_the_questionnaire_not_a_fixed_number():
    for language, defaults in messaging.DEFAULTS_BY_LANGUAGE.items():
        for key, text in defaults.items():
            if not key.startswith("team_") and "minut" in text.lower():
                assert "{minutter}" in text, (language, key)
            assert not re.search(r"\d+ (minutter|minutes)", text), (language, key)


def test_an_english_participant_gets_english_texts_with_an_english_deadline(db):
    subject, body = render(db, "invitation", "email", municipality="Næstved", language="en", minutes=4)
    assert subject == "What do you think of your IPS support?"
    assert body.startswith("Hello\n\nNæstved Municipality would like to hear")
    assert "it takes about 4 minutes" in body
    assert "You can use the link until the end of September 30, 2026." in body
    assert body.rstrip().endswith(f"click here: {OPT_OUT}")
    assert render(db, "reminder", "sms", language="en")[1] == (
        f"Reminder: we would like to hear your view of your IPS support. It takes 2 minutes: {LINK}"
    )


def test_an_english_text_saved_by_an_admin_is_sent_and_danish_is_untouched(db):
    messaging.save_template(db, "sms_reminder", "Please answer ({minutter} min.): {link}", actor=audit.SEED,
                            language="en")  # fmt: skip
    assert render(db, "reminder", "sms", language="en")[1] == f"Please answer (2 min.): {LINK}"
    assert render(db, "reminder", "sms")[1].startswith("Husk: vi vil gerne høre")
    assert db.execute("SELECT key FROM setting").fetchall() == [("template.en.sms_reminder",)]


def test_an_empty_english_text_sends_the_danish_one(db):
    messaging.save_template(db, "sms_reminder", "Husk {kommune}: {link}", actor=audit.SEED)
    messaging.save_template(db, "sms_reminder", "  \n", actor=audit.SEED, language="en")
    assert messaging.saved_template(db, "sms_reminder", "en") == ""
    assert messaging.own_text(db, "sms_reminder", "en") == ""
    assert render(db, "reminder", "sms", language="en")[1] == f"Husk Køge: {LINK}"


def test_a_language_with_no_shipped_text_sends_danish(db):
    assert render(db, "invitation", "sms", language="de")[1] == render(db, "invitation", "sms")[1]


def test_danish_is_required_and_an_unknown_language_is_refused(db):
    with pytest.raises(languages.UserError):
        messaging.save_template(db, "sms_reminder", "", actor=audit.SEED)
    with pytest.raises(languages.UserError) as refused:
        messaging.save_template(db, "sms_reminder", "Hi {link}", actor=audit.SEED, language="de")
    assert refused.value.message == "Unknown language."
    assert db.execute("SELECT COUNT(*) FROM setting").fetchone()[0] == 0


def test_an_english_sms_is_checked_with_the_longest_english_deadline_and_two_digit_minutes():
    assert messaging.LONGEST_DEADLINES["en"] == "September 30, 2099"
    fixed = FIXED + 1 + len("September 30, 2099") + 1 + 2
    text = "{kommune} " + "a" * (160 - fixed) + " {frist} {minutter} {link}"
    assert messaging.check_template("sms_reminder", text, "en") == text
    assert refusal("sms_reminder", text.replace(" {frist}", "a {frist}"), "en").params == {"length": 161}


def test_team_e_mails_have_their_own_placeholders_and_need_the_link():
    body = messaging.TEAM_TEMPLATES["team_round_body"]
    assert messaging.check_template("team_round_body", body) == body
    assert refusal("team_round_body", "Hej{navn}").message == "The text must contain {link}."
    refused = refusal("team_round_subject", "{afmeld}")
    assert refused.params == {"placeholders": "{navn}, {kommune}, {runde}, {antal}, {link}, {frist}"}


# -- the HTML alternative of an e-mail ----------------------------------------------------------------------


def text_of(document: str) -> str:
    """What a reader sees of the HTML: tags gone, paragraphs as blank lines, <br> as line breaks."""
    body = document.split("<body", 1)[1].split(">", 1)[1].removesuffix("</body></html>")
    body = body.replace("</p><p>", "\n\n").replace("<br>", "\n")
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_the_html_is_a_danish_utf8_document_with_one_paragraph_per_block():
    document = messaging.as_html("Hej\n\nFørste linje\nanden linje\n\nTak!")
    assert document.startswith('<!doctype html><html lang="da"><meta charset="utf-8"><body')
    assert document.endswith("</body></html>")
    assert re.findall(r"<p>(.*?)</p>", document) == ["Hej", "Første linje<br>anden linje", "Tak!"]


def test_blank_lines_around_the_text_make_no_empty_paragraphs():
    document = messaging.as_html("\n\nHej\n\nTak\n\n\n")
    assert re.findall(r"<p>(.*?)</p>", document) == ["Hej", "Tak"]


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ('Han sagde "hej"', "Han sagde &quot;hej&quot;"),
        ("Bo's team", "Bo&#x27;s team"),
        ('<img src=x onerror="alert(1)">', "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"),
        ("æøå ÆØÅ – €", "æøå ÆØÅ – €"),  # letters stay letters
    ],
)
def test_the_text_is_escaped(text, escaped):
    document = messaging.as_html(text)
    assert f"<p>{escaped}</p>" in document
    assert "<script" not in document and "<img" not in document


@pytest.mark.parametrize(
    "link",
    [
        "https://ips.example.dk/s/3f.AbCd.EfGh",
        "http://ips.example.dk/afmeld/9.QwErTy",
        "https://ips.example.dk/s/x?a=1&b=2",
    ],
)
def test_links_become_anchors_to_the_same_address(link):
    document = messaging.as_html(f"Svar her:\n\n{link}\n\nTak")
    escaped = html.escape(link)
    assert f'<p><a href="{escaped}">{escaped}</a></p>' in document
    (href,) = re.findall(r'href="([^"]*)"', document)
    assert html.unescape(href) == link


def test_every_link_in_a_paragraph_is_an_anchor_and_other_text_is_not():
    document = messaging.as_html(
        "Svar: https://a.example.dk/s/1 eller https://b.example.dk/s/2 – ikke www.example.dk, ftp://x eller mail@x.dk"
    )
    assert re.findall(r'<a href="([^"]+)">\1</a>', document) == [
        "https://a.example.dk/s/1",
        "https://b.example.dk/s/2",
    ]
    assert document.count("<a ") == 2


@pytest.mark.parametrize("key", ["invitation", "reminder", "prenotice"])
def test_a_rendered_e_mail_reads_the_same_in_html_and_has_its_links_clickable(db, key):
    _, body = render(db, key, "email", municipality="Lyngby-Taarbæk")
    document = messaging.as_html(body)
    assert text_of(document) == body.strip()
    anchors = re.findall(r'<a href="([^"]+)">\1</a>', document)
    assert anchors == ([OPT_OUT] if key == "prenotice" else [LINK, OPT_OUT])


@pytest.mark.parametrize(
    "text", ["Svar her: {link}.", "Svar her ({link}) i dag", "Svar her: {link}, tak", 'Klik på "{link}"']
)
def test_punctuation_after_a_link_is_not_part_of_it(text):
    """A token with a "." or ")" after it no longer has a valid signature: the link would be refused."""
    document = messaging.as_html(text.format(link=LINK))
    assert re.findall(r'href="([^"]+)"', document) == [LINK]
