"""The channels, against real local servers: what arrives, and how failures are told apart."""

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
import time_machine

from survey_app.logs import mask, mask_tokens_in_logs
from survey_app.messaging.channels import DeliveryError, Outgoing, sender_for
from tests.servers import SmtpServer, free_port

SMS = Outgoing(channel="sms", recipient="+4520123456", body="Hej fra Køge Kommune: æøå ÆØÅ", reference="17")


def send_sms(config, message=SMS):
    return sender_for(config, "sms").send(message)


def sms_failure(config, message=SMS) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send_sms(config, message)
    return caught.value


def test_sms_reaches_the_gateway_as_json_with_token(sms_gateway):
    assert send_sms(sms_gateway.config()) == "1"
    assert send_sms(sms_gateway.config() | {"SMS_SENDER": "Køge Kommune"}) == "2"
    first, second = sms_gateway.requests
    assert first["path"] == "/mtsms"
    assert first["headers"]["Authorization"] == "Token test-token"
    assert first["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert "Hej fra Køge Kommune: æøå ÆØÅ".encode() in first["body"]
    assert first["json"] == {
        "sender": "IPS",
        "message": "Hej fra Køge Kommune: æøå ÆØÅ",
        "recipients": [{"msisdn": 4520123456}],
        "reference": "17",
    }
    assert second["json"]["sender"] == "Køge Kommun"  # networks take at most 11 characters


def test_a_gateway_answer_without_ids_is_still_sent(sms_gateway):
    sms_gateway.fail_next(202, {"status": "queued"})
    assert send_sms(sms_gateway.config()) is None
    assert len(sms_gateway.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_busy_or_broken_gateways_are_temporary(sms_gateway, status):
    sms_gateway.fail_next(status, {"message": "try later"})
    failure = sms_failure(sms_gateway.config())
    assert failure.permanent is False
    assert failure.reason == f"gateway answered {status}: try later"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_refused_requests_are_permanent_with_the_gateways_reason(sms_gateway, status):
    sms_gateway.fail_next(status, {"message": "invalid msisdn"})
    failure = sms_failure(sms_gateway.config())
    assert failure.permanent is True
    assert failure.reason == f"gateway answered {status}: invalid msisdn"


def test_a_plain_text_error_is_kept_but_cut_short(sms_gateway):
    sms_gateway.fail_next(400, "Bad sender name " + "x" * 500)
    failure = sms_failure(sms_gateway.config())
    assert failure.permanent
    assert failure.reason.startswith("gateway answered 400: Bad sender name xxx")
    assert len(failure.reason) == len("gateway answered 400: ") + 200


def test_a_slow_gateway_is_temporary(sms_gateway):
    sms_gateway.delay = 1.5
    started = time.monotonic()
    failure = sms_failure(sms_gateway.config() | {"SEND_TIMEOUT": 0.5})
    assert time.monotonic() - started < 1.4
    assert failure.permanent is False
    assert failure.reason == "gateway did not answer in time"
    # The gateway did get it: why a retry after a timeout can send the SMS twice.
    assert len(sms_gateway.requests) == 1


def test_a_gateway_that_is_down_is_temporary():
    closed = {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": f"http://127.0.0.1:{free_port()}/mtsms"}
    failure = sms_failure(closed)
    assert failure.permanent is False
    assert failure.reason.startswith("gateway unreachable:")
    assert "refused" in failure.reason.lower()


@pytest.mark.parametrize("number", ["+4612345678", "4520123456", "20123456", "+45 20 12 34 56", "+452012345"])
def test_a_number_that_is_not_danish_is_refused_before_any_request(sms_gateway, number):
    failure = sms_failure(sms_gateway.config(), Outgoing(channel="sms", recipient=number, body="x"))
    assert failure.permanent
    assert failure.reason == f"not a Danish mobile number: {number!r}"
    assert sms_gateway.requests == []


@pytest.mark.parametrize(
    "config, reason",
    [
        ({"SMS_BACKEND": "http"}, "SMS_GATEWAY_URL is not an http(s) URL: ''"),
        ({"SMS_BACKEND": "http", "SMS_GATEWAY_URL": "gateway.example.dk"}, "not an http(s) URL"),
        ({"SMS_BACKEND": "carrier-pigeon"}, "unknown sms backend 'carrier-pigeon'"),
    ],
)
def test_a_configuration_that_cannot_work_is_a_permanent_failure(config, reason):
    failure = sms_failure(config)
    assert failure.permanent and reason in failure.reason


MAIL = Outgoing(
    channel="email",
    recipient="deltager@example.dk",
    subject="Hvad synes du om din IPS-støtte? Æble, øl og å",
    body="Hej\n\nSvar her: https://ips.example.dk/s/abc?x=1\n\nÆble, øl og å.",
    html='<p>Hej <b>æøå</b> <a href="https://ips.example.dk/s/abc?x=1">svar her</a></p>',
    reference="42",
)
FROM = {"MAIL_FROM": "IPS-undersøgelsen <noreply@ips.example.dk>", "MAIL_REPLY_TO": "ips@koege.dk"}


def mail_failure(config, message=MAIL) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        sender_for(config, "email").send(message)
    return caught.value


def test_email_arrives_with_text_and_html_and_danish_letters(smtp_server):
    with time_machine.travel(datetime(2025, 6, 2, 8, 30, tzinfo=UTC), tick=False):
        message_id = sender_for(smtp_server.config() | FROM, "email").send(MAIL)
    [received] = smtp_server.messages
    assert received["from"] == "noreply@ips.example.dk"
    assert received["to"] == ["deltager@example.dk"]
    message = received["message"]
    assert message["From"] == "IPS-undersøgelsen <noreply@ips.example.dk>"
    assert message["To"] == "deltager@example.dk"
    assert message["Reply-To"] == "ips@koege.dk"
    assert message["Subject"] == "Hvad synes du om din IPS-støtte? Æble, øl og å"
    assert message["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@ips.example.dk>")
    # The date comes from the application's clock, in Danish time.
    assert message["Date"] == "Mon, 02 Jun 2025 10:30:00 +0200"
    assert parsedate_to_datetime(message["Date"]) == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    # Lines end in CRLF on the wire, as e-mail text should.
    assert plain.get_content().splitlines() == MAIL.body.splitlines()
    assert plain.get_content_charset() == "utf-8"
    assert message.get_body(("html",)).get_content().rstrip() == MAIL.html
    # Nothing needs an 8-bit clean relay: headers and bodies travel as ASCII.
    assert received["raw"].isascii()


def test_without_html_the_email_is_plain_text(smtp_server):
    sender_for(smtp_server.config(), "email").send(
        Outgoing(channel="email", recipient="a@example.dk", subject="Påmindelse", body="Kun tekst: æøå")
    )
    [received] = smtp_server.messages
    message = received["message"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content().rstrip() == "Kun tekst: æøå"
    assert message["Subject"] == "Påmindelse"
    assert message["Reply-To"] is None
    assert received["from"] == "noreply@localhost"


def test_smtp_login():
    with SmtpServer(login=("ips", "hemmelig")) as server:
        sender_for(server.config(), "email").send(MAIL)
        assert [m["login"] for m in server.messages] == ["ips"]
        wrong = mail_failure(server.config() | {"SMTP_PASSWORD": "forkert"})
        assert wrong.permanent and wrong.reason.startswith("mail server refused the login: 535")
        anonymous = server.config()
        del anonymous["SMTP_USERNAME"]
        not_logged_in = mail_failure(anonymous)
        assert not_logged_in.permanent and "530" in not_logged_in.reason
        assert len(server.messages) == 1


def test_a_rejected_address_is_permanent(smtp_server):
    smtp_server.reject("deltager@example.dk")
    failure = mail_failure(smtp_server.config())
    assert failure.permanent
    assert failure.reason == "mail server refused: deltager@example.dk: 550 5.1.1 No such mailbox"
    assert smtp_server.messages == []


def test_a_busy_mail_server_is_temporary(smtp_server):
    smtp_server.busy = True
    failure = mail_failure(smtp_server.config())
    assert failure.permanent is False
    assert "451 4.3.0 Try again later" in failure.reason
    smtp_server.busy = False
    sender_for(smtp_server.config(), "email").send(MAIL)
    assert len(smtp_server.messages) == 1


def test_a_mail_server_that_is_down_is_temporary():
    down = {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": free_port(),
        "SMTP_SECURITY": "none",
    }
    failure = mail_failure(down)
    assert failure.permanent is False
    assert failure.reason.startswith("mail server unreachable: ConnectionRefusedError")


def test_starttls_is_required_unless_switched_off(smtp_server):
    failure = mail_failure(smtp_server.config() | {"SMTP_SECURITY": "starttls"})
    assert failure.permanent and "STARTTLS" in failure.reason
    typo = mail_failure(smtp_server.config() | {"SMTP_SECURITY": "tls"})
    assert typo.permanent and "SMTP_SECURITY must be one of starttls, ssl, none" in typo.reason
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hej\nBcc: alle@example.dk"},
        {"recipient": "deltager@example.dk\nBcc: alle@example.dk"},
        {"recipient": "a@b@example.dk"},
        {"recipient": "deltager@example.dk, anden@example.dk"},
        {"recipient": ""},
    ],
)
def test_what_would_change_the_headers_or_recipients_is_refused(smtp_server, changes):
    from dataclasses import replace

    failure = mail_failure(smtp_server.config(), replace(MAIL, **changes))
    assert failure.permanent
    assert smtp_server.messages == []


def test_console_senders_log_the_whole_message_but_the_link_token(caplog):
    mask_tokens_in_logs()  # as every app does when it starts
    with caplog.at_level(logging.INFO, logger="survey_app.delivery"):
        first = sender_for({}, "sms").send(SMS)
        second = sender_for({"MAIL_BACKEND": "console"}, "email").send(MAIL)
    assert first.startswith("console-") and second.startswith("console-") and first != second
    sms_record, mail_record = caplog.records
    assert sms_record.name == "survey_app.delivery" and sms_record.levelno == logging.INFO
    assert first in sms_record.getMessage() and "+4520123456" in sms_record.getMessage()
    assert "reference 17" in sms_record.getMessage()
    assert sms_record.getMessage().endswith("Hej fra Køge Kommune: æøå ÆØÅ")
    logged = mail_record.getMessage()
    assert "deltager@example.dk" in logged
    assert "Subject: Hvad synes du om din IPS-støtte? Æble, øl og å" in logged
    assert mask(MAIL.body) in logged and mask(MAIL.html) in logged
    assert "https://ips.example.dk/s/***?x=1" in logged and "/s/abc" not in logged


def test_sender_names_and_unknown_channels(smtp_server, sms_gateway):
    assert sender_for({}, "sms").name == "console-sms"
    assert sender_for({}, "email").name == "console-email"
    assert sender_for(sms_gateway.config(), "sms").name == "sms-http"
    assert sender_for(smtp_server.config(), "email").name == "smtp"
    with pytest.raises(ValueError):
        sender_for({}, "fax")


def test_a_redirect_is_not_followed(sms_gateway):
    # urllib would repeat a redirected POST as a GET without the SMS: report it instead.
    sms_gateway.fail_next(302, {"message": "moved"})
    failure = sms_failure(sms_gateway.config())
    assert failure.permanent and failure.reason == "gateway answered 302: moved"
    assert len(sms_gateway.requests) == 1


def test_tls_from_the_first_byte(smtp_server):
    assert sender_for({"MAIL_BACKEND": "smtp", "SMTP_SECURITY": "ssl"}, "email").port == 465
    assert sender_for({"MAIL_BACKEND": "smtp"}, "email").port == 587
    # The test server speaks plain SMTP, so the handshake fails: nothing is sent in the clear.
    failure = mail_failure(smtp_server.config() | {"SMTP_SECURITY": "ssl"})
    assert failure.permanent is False and "SSL" in failure.reason
    assert smtp_server.messages == []
