"""Signed invitation tokens: short, tamper-proof, bound to key and salt; expiry from the row."""

from datetime import UTC, datetime, timedelta

import pytest

from survey_app import clock, links

KEY = "a-test-key-that-is-long-enough-for-hmac"


def test_round_trip_and_length():
    nonce = links.new_nonce()
    token = links.make_token(KEY, 1_234_567, nonce)
    assert links.read_token(KEY, token) == (1_234_567, nonce)
    assert len(token) <= 40
    assert token == links.make_token(KEY, 1_234_567, nonce), "deterministic, for reminders"


def test_sms_budget_with_a_twenty_character_host():
    token = links.make_token(KEY, 99_999_999, links.new_nonce())
    url = f"https://{'h' * 12}.dk.dk.dk/s/{token}"  # a 20-character host
    sentence = "Hvad synes du om din IPS-støtte i Ringkøbing-Skjern? Svar på 2 min.: "
    assert len(sentence + url) <= 160


@pytest.mark.parametrize("position", [0, 3, 12, -1])
def test_any_changed_character_is_refused(position):
    token = links.make_token(KEY, 42, "AbCdEfGh")
    changed = token[position].swapcase() if token[position].isalpha() else "x"
    tampered = token[:position] + changed + (token[position + 1 :] if position != -1 else "")
    with pytest.raises(links.BadLink):
        links.read_token(KEY, tampered)


def test_other_invitation_id_with_same_signature_is_refused():
    token = links.make_token(KEY, 42, "AbCdEfGh")
    _, nonce, signature = token.split(".")
    with pytest.raises(links.BadLink):
        links.read_token(KEY, f"43.{nonce}.{signature}")


def test_wrong_key_or_salt_is_refused():
    token = links.make_token(KEY, 42, "AbCdEfGh")
    with pytest.raises(links.BadLink):
        links.read_token("another-key-of-reasonable-length-000", token)
    with pytest.raises(links.BadLink):
        links.read_token(KEY, token, salt="survey_app.some-other-purpose")
    other_salt = links.make_token(KEY, 42, "AbCdEfGh", salt="survey_app.some-other-purpose")
    with pytest.raises(links.BadLink):
        links.read_token(KEY, other_salt)


@pytest.mark.parametrize("garbage", ["", "abc", "...", "1.2.3", "é.é.é", "x" * 200])
def test_garbage_is_refused(garbage):
    with pytest.raises(links.BadLink):
        links.read_token(KEY, garbage)


def _row(**fields):
    return {"completed_at": None, "withdrawn_at": None, "expires_at": "2027-01-19T11:00:00+00:00"} | fields


def test_expiry_is_exact_to_the_second():
    expires = datetime(2027, 1, 19, 11, 0, tzinfo=UTC)
    assert links.link_state(_row(), expires - timedelta(seconds=1), clock.parse) == links.VALID
    assert links.link_state(_row(), expires, clock.parse) == links.EXPIRED


def test_completed_wins_over_expiry_and_withdrawal():
    late = datetime(2030, 1, 1, tzinfo=UTC)
    row = _row(completed_at="2026-12-01T10:00:00+00:00", withdrawn_at="2026-12-02T10:00:00+00:00")
    assert links.link_state(row, late, clock.parse) == links.COMPLETED


def test_withdrawn_invitation_or_participant():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert (
        links.link_state(_row(withdrawn_at="2026-11-30T10:00:00+00:00"), now, clock.parse) == links.WITHDRAWN
    )
    assert (
        links.link_state(_row(participant_withdrawn_at="2026-11-30T10:00:00+00:00"), now, clock.parse)
        == links.WITHDRAWN
    )
