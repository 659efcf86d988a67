import pytest

from survey_app.messaging.gsm7 import GSM7_BASIC, GSM7_EXTENSION, is_gsm7, segments, septets, sms_length


def test_the_tables_have_the_standard_sizes():
    # 128 positions, one of which is the escape to the extension table.
    assert len(GSM7_BASIC) == 127
    assert set("^{}\\[~]|€\f") == GSM7_EXTENSION
    assert not GSM7_BASIC & GSM7_EXTENSION


def test_danish_letters_are_single_septets():
    assert is_gsm7("æøåÆØÅ")
    assert septets("æøåÆØÅ") == 6
    assert sms_length("Blåbærgrød på Ærø") == ("gsm7", 17, 1)


def test_line_breaks_and_common_accents_are_gsm7():
    text = "Hej Søren\r\nCafé, Müller, señor, 100 kr. 50%"
    assert is_gsm7(text)
    assert septets(text) == len(text)


@pytest.mark.parametrize("char", ["€", "[", "]", "{", "}", "~", "^", "\\", "|", "\f"])
def test_extension_characters_cost_two(char):
    assert septets(char) == 2
    assert septets(f"a{char}b") == 4


@pytest.mark.parametrize("text", ["Hej 👋", "ł", "Łódź", "“citat”", "ç"])
def test_other_characters_switch_to_ucs2(text):
    assert not is_gsm7(text)
    assert sms_length(text)[0] == "ucs2"
    with pytest.raises(ValueError):
        septets(text)


def test_ucs2_counts_utf16_units_so_an_emoji_costs_two():
    assert sms_length("ok👍") == ("ucs2", 4, 1)
    # One emoji turns 69 Danish letters into 71 units: two messages instead of one.
    assert segments("æ" * 69) == 1
    assert segments("æ" * 69 + "👍") == 2


@pytest.mark.parametrize("length, expected", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3)])
def test_gsm7_segments(length, expected):
    assert segments("a" * length) == expected
    assert sms_length("å" * length) == ("gsm7", length, expected)


def test_extension_characters_count_towards_the_limit():
    assert segments("a" * 158 + "€") == 1
    assert segments("a" * 159 + "€") == 2


@pytest.mark.parametrize("length, expected", [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segments(length, expected):
    assert sms_length("ł" * length) == ("ucs2", length, expected)


def test_an_empty_text_is_one_message():
    assert sms_length("") == ("gsm7", 0, 1)


def test_a_danish_invitation_with_a_long_link_fits_one_sms():
    link = "https://ips-undersoegelse.example.dk/s/Xk3vQ9pLm2RtZ8wYb4NcJ7hA"
    assert 60 <= len(link) <= 66
    text = f"Ringkøbing-Skjern Kommune: Hvad synes du om din IPS-støtte? 8 korte spørgsmål: {link}"
    encoding, length, count = sms_length(text)
    assert (encoding, count) == ("gsm7", 1)
    assert length == len(text) <= 160
    # The same text with typographic quotes would no longer fit.
    assert segments(text.replace("IPS-støtte", "“IPS-støtte”")) == 3


def test_the_shipped_invitation_fits_one_sms_with_a_long_link():
    from survey_app.messaging import DEFAULTS_BY_LANGUAGE, LONGEST_MUNICIPALITY, SAMPLE_LINK

    for language, defaults in DEFAULTS_BY_LANGUAGE.items():
        for key in ("sms_invitation", "sms_reminder", "sms_prenotice"):
            text = defaults[key].format(kommune=LONGEST_MUNICIPALITY, link=SAMPLE_LINK, minutter="99")
            encoding, length, count = sms_length(text)
            assert (encoding, count) == ("gsm7", 1), (language, key, length, text)
