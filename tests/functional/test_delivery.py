"""The channels, against real local servers: what arrives, and how failures are told apart."""

import logging

import pytest

from survey_app.delivery import DeliveryError, Outgoing, sender_for
from tests.servers import SmtpServer, free_port

SMS = Outgoing(channel="sms", recipient="+4520123456", body="Hej fra Køge Kommune: æøå ÆØÅ", reference="17")


def test_sms_reaches_the_gateway_as_json_with_token(sms_gateway):
    provider_id = sender_for(sms_gateway.config(), "sms").send(SMS)
    [request] = sms_gateway.requests
    assert provider_id == "1"
    assert request["headers"]["Authorization"] == "Token test-token"
    assert request["json"] == {
        "sender": "IPS",
        "message": "Hej fra Køge Kommune: æøå ÆØÅ",
        "recipients": [{"msisdn": 4520123456}],
        "reference": "17",
    }


@pytest.mark.parametrize(
    "status, permanent, reason",
    [(500, False, "500"), (429, False, "429"), (400, True, "invalid msisdn"), (401, True, "401")],
)
def test_gateway_errors_are_temporary_or_permanent(sms_gateway, status, permanent, reason):
    sms_gateway.fail_next(status, {"message": "invalid msisdn"} if status == 400 else None)
    with pytest.raises(DeliveryError) as caught:
        sender_for(sms_gateway.config(), "sms").send(SMS)
    assert caught.value.permanent is permanent
    assert reason in caught.value.reason


def test_slow_or_absent_gateway_is_temporary(sms_gateway):
    sms_gateway.delay = 1.0
    with pytest.raises(DeliveryError) as slow:
        sender_for(sms_gateway.config() | {"SEND_TIMEOUT": 0.3}, "sms").send(SMS)
    assert not slow.value.permanent and "in time" in slow.value.reason
    closed = {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": f"http://127.0.0.1:{free_port()}/mtsms"}
    with pytest.raises(DeliveryError) as absent:
        sender_for(closed, "sms").send(SMS)
    assert not absent.value.permanent and "unreachable" in absent.value.reason


def test_a_number_that_is_not_danish_is_refused_before_any_request(sms_gateway):
    with pytest.raises(DeliveryError) as caught:
        sender_for(sms_gateway.config(), "sms").send(
            Outgoing(channel="sms", recipient="+4612345678", body="x")
        )
    assert caught.value.permanent
    assert sms_gateway.requests == []


MAIL = Outgoing(
    channel="email",
    recipient="deltager@example.dk",
    subject="Hvad synes du om din IPS-støtte?",
    body="Hej\n\nSvar her: https://ips.example.dk/s/abc\n\nÆble, øl og å.",
    html="<p>Hej <b>æøå</b></p>",
)


def test_email_arrives_with_text_and_html_and_danish_letters(smtp_server):
    config = smtp_server.config() | {
        "MAIL_FROM": "IPS-undersøgelsen <noreply@ips.example.dk>",
        "MAIL_REPLY_TO": "ips@koege.dk",
    }
    message_id = sender_for(config, "email").send(MAIL)
    [received] = smtp_server.messages
    message = received["message"]
    assert received["to"] == ["deltager@example.dk"]
    assert message["Subject"] == "Hvad synes du om din IPS-støtte?"
    assert message["Message-ID"] == message_id and message_id.endswith("@ips.example.dk>")
    assert message["Reply-To"] == "ips@koege.dk"
    assert "Æble, øl og å." in message.get_body(("plain",)).get_content()
    assert "<b>æøå</b>" in message.get_body(("html",)).get_content()


def test_smtp_login():
    with SmtpServer(login=("ips", "hemmelig")) as server:
        sender_for(server.config(), "email").send(MAIL)
        assert server.messages[0]["login"] == "ips"
        with pytest.raises(DeliveryError) as refused:
            sender_for(server.config() | {"SMTP_PASSWORD": "forkert"}, "email").send(MAIL)
        assert refused.value.permanent


def test_smtp_rejections_and_outages(smtp_server):
    sender = sender_for(smtp_server.config(), "email")
    smtp_server.rejected.add("deltager@example.dk")
    with pytest.raises(DeliveryError) as rejected:
        sender.send(MAIL)
    assert rejected.value.permanent and "550" in rejected.value.reason
    smtp_server.rejected.clear()
    smtp_server.busy = True
    with pytest.raises(DeliveryError) as busy:
        sender.send(MAIL)
    assert not busy.value.permanent
    down = {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": free_port(),
        "SMTP_SECURITY": "none",
    }
    with pytest.raises(DeliveryError) as unreachable:
        sender_for(down, "email").send(MAIL)
    assert not unreachable.value.permanent
    assert smtp_server.messages == []


def test_console_senders_log_the_whole_message(caplog):
    with caplog.at_level(logging.INFO, logger="survey_app.delivery"):
        first = sender_for({}, "sms").send(SMS)
        second = sender_for({}, "email").send(MAIL)
    assert first.startswith("console-") and first != second
    assert "+4520123456" in caplog.text and "æøå ÆØÅ" in caplog.text
    assert "Hvad synes du om din IPS-støtte?" in caplog.text
