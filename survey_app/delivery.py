"""Channels that deliver one message: the console, SMTP, and an SMS gateway over HTTP.

Chosen by configuration (``app.config`` or any mapping):

- ``SMS_BACKEND``: ``console`` (default; logs the message) or ``http``:
  ``SMS_GATEWAY_URL``, ``SMS_GATEWAY_TOKEN``, ``SMS_SENDER`` (at most 11
  characters, default ``IPS``). The request is a JSON POST in the shape the
  REST APIs of Danish SMS providers take: ``{"sender", "message",
  "recipients": [{"msisdn": 4512345678}], "reference"}`` with
  ``Authorization: Token <token>``.
- ``MAIL_BACKEND``: ``console`` (default) or ``smtp``: ``SMTP_HOST``,
  ``SMTP_PORT`` (587), ``SMTP_SECURITY`` (``starttls``, ``ssl`` or ``none``
  for a local relay), ``SMTP_USERNAME`` / ``SMTP_PASSWORD`` (login only
  when a username is set), ``MAIL_FROM``, ``MAIL_REPLY_TO``.
- ``SEND_TIMEOUT``: seconds to wait for a gateway or mail server (10).

A sender returns the provider's id for the message, or raises
:class:`DeliveryError`, saying whether trying again later can help. No
Flask here: the outbox (``messaging``) decides what to do with failures.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger("survey_app.delivery")

_DANISH_MOBILE = re.compile(r"^\+45\d{8}$")
_PERMANENT_HTTP = {400, 401, 403, 404, 410, 422}


@dataclass(frozen=True)
class Outgoing:
    channel: str  # "sms" or "email"
    recipient: str  # "+4512345678" or an e-mail address
    body: str
    subject: str | None = None
    html: str | None = None
    reference: str | None = None  # our message id, for tracing at the provider


class DeliveryError(Exception):
    """Sending failed. ``permanent``: retrying the same message cannot help."""

    def __init__(self, reason: str, *, permanent: bool):
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


class ConsoleSender:
    """Development: the message goes to the log, and is kept in the outbox to read."""

    _numbers = itertools.count(1)

    def __init__(self, channel: str):
        self.name = f"console-{channel}"

    def send(self, message: Outgoing) -> str:
        log.info(
            "%s to %s%s:\n%s",
            message.channel.upper(),
            message.recipient,
            f" ({message.subject})" if message.subject else "",
            message.body,
        )
        return f"console-{next(self._numbers)}"


class HttpSmsSender:
    name = "sms-http"

    def __init__(self, config: Mapping):
        self.url = config.get("SMS_GATEWAY_URL")
        self.token = config.get("SMS_GATEWAY_TOKEN") or ""
        self.sender = (config.get("SMS_SENDER") or "IPS")[:11]
        self.timeout = float(config.get("SEND_TIMEOUT", 10))
        if not self.url:
            raise DeliveryError("SMS_GATEWAY_URL is not set", permanent=True)

    def send(self, message: Outgoing) -> str | None:
        if not _DANISH_MOBILE.match(message.recipient or ""):
            raise DeliveryError(f"not a Danish mobile number: {message.recipient!r}", permanent=True)
        payload = {
            "sender": self.sender,
            "message": message.body,
            "recipients": [{"msisdn": int(message.recipient[1:])}],
            "reference": message.reference,
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Token {self.token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            text = _error_text(error.read())
            permanent = error.code in _PERMANENT_HTTP
            raise DeliveryError(f"gateway answered {error.code}: {text}", permanent=permanent) from None
        except TimeoutError:
            raise DeliveryError("gateway did not answer in time", permanent=False) from None
        except (urllib.error.URLError, OSError) as error:
            raise DeliveryError(
                f"gateway unreachable: {getattr(error, 'reason', error)}", permanent=False
            ) from None
        try:
            ids = json.loads(body or b"{}").get("ids") or []
        except (ValueError, AttributeError):
            ids = []
        return str(ids[0]) if ids else None


def _error_text(body: bytes) -> str:
    try:
        data = json.loads(body)
        text = data.get("message") or data.get("error") or body.decode("utf-8", "replace")
    except (ValueError, AttributeError):
        text = body.decode("utf-8", "replace")
    return str(text)[:200]


class SmtpSender:
    name = "smtp"

    def __init__(self, config: Mapping):
        self.host = config.get("SMTP_HOST") or "localhost"
        self.port = int(config.get("SMTP_PORT") or 587)
        self.security = (config.get("SMTP_SECURITY") or "starttls").lower()
        self.username = config.get("SMTP_USERNAME")
        self.password = config.get("SMTP_PASSWORD") or ""
        self.sender = config.get("MAIL_FROM") or "IPS-undersøgelsen <noreply@localhost>"
        self.reply_to = config.get("MAIL_REPLY_TO")
        self.timeout = float(config.get("SEND_TIMEOUT", 10))

    def _message(self, message: Outgoing) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = message.subject or ""
        email["From"] = self.sender
        email["To"] = message.recipient
        if self.reply_to:
            email["Reply-To"] = self.reply_to
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip("> ") or None)
        email.set_content(message.body)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: Outgoing) -> str:
        email = self._message(message)
        try:
            if self.security == "ssl":
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with connection:
                if self.security == "starttls":
                    connection.starttls(context=ssl.create_default_context())
                if self.username:
                    connection.login(self.username, self.password)
                connection.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            # 5xx: the address does not exist; 4xx (greylisting, full mailbox): try later.
            permanent = all(code >= 500 for code, _ in error.recipients.values())
            raise DeliveryError(f"mail server refused: {_smtp_text(error)}", permanent=permanent) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError) as error:
            raise DeliveryError(f"mail server refused: {_smtp_text(error)}", permanent=True) from None
        except smtplib.SMTPResponseException as error:
            permanent = 500 <= error.smtp_code < 600
            raise DeliveryError(
                f"mail server answered {error.smtp_code}: {_smtp_text(error)}", permanent=permanent
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"mail server unreachable: {error}", permanent=False) from None
        return email["Message-ID"]


def _smtp_text(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{who}: {code} {text.decode('utf-8', 'replace')}"
            for who, (code, text) in error.recipients.items()
        )
    message = getattr(error, "smtp_error", b"")
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(error)


def sender_for(config: Mapping, channel: str):
    """The sender the configuration chooses for ``channel`` ("sms" or "email")."""
    if channel == "sms":
        backend = config.get("SMS_BACKEND", "console")
        if backend == "http":
            return HttpSmsSender(config)
    elif channel == "email":
        backend = config.get("MAIL_BACKEND", "console")
        if backend == "smtp":
            return SmtpSender(config)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    if backend != "console":
        raise DeliveryError(f"unknown {channel} backend {backend!r}", permanent=True)
    return ConsoleSender(channel)
