import pytest

from survey_app.gsm7 import is_gsm7, segments, septets, sms_length


def test_danish_letters_are_single_septets():
    assert is_gsm7("æøåÆØÅ")
    assert septets("æøåÆØÅ") == 6


@pytest.mark.parametrize("char", ["€", "[", "]", "{", "}", "~", "^", "\\", "|"])
def test_extension_characters_cost_two(char):
    assert septets(char) == 2


@pytest.mark.parametrize("text", ["Hej 👋", "Łódź", "“citat”"])
def test_other_characters_switch_to_ucs2(text):
    assert not is_gsm7(text)
    assert sms_length(text)[0] == "ucs2"
    with pytest.raises(ValueError):
        septets(text)


@pytest.mark.parametrize("length, expected", [(160, 1), (161, 2), (306, 2), (307, 3)])
def test_gsm7_segments(length, expected):
    assert segments("a" * length) == expected


def test_extension_characters_count_towards_the_limit():
    assert segments("a" * 159 + "€") == 2


@pytest.mark.parametrize("length, expected", [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segments(length, expected):
    assert segments("ł" * length) == expected


def test_the_shipped_invitation_fits_one_sms_with_a_long_link():
    from survey_app.messaging import DEFAULT_TEMPLATES, LONGEST_MUNICIPALITY, SAMPLE_LINK

    for key in ("sms_invitation", "sms_reminder", "sms_prenotice"):
        text = DEFAULT_TEMPLATES[key].format(kommune=LONGEST_MUNICIPALITY, link=SAMPLE_LINK)
        encoding, length, count = sms_length(text)
        assert (encoding, count) == ("gsm7", 1), (key, length, text)
