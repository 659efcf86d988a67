"""Channels that deliver one message: the console, SMTP, and an SMS gateway over HTTP.

Chosen by configuration (``app.config`` or any mapping):

- ``SMS_BACKEND``: ``console`` (default; writes the SMS to the log) or ``http``.
- ``SMS_GATEWAY_URL``: where the ``http`` backend POSTs each SMS (https in
  production). The request is JSON in the shape the REST APIs of Danish SMS
  providers take: ``{"sender", "message", "recipients": [{"msisdn":
  4512345678}], "reference"}``.
- ``SMS_GATEWAY_TOKEN``: sent as ``Authorization: Token <token>``.
- ``SMS_SENDER``: the name the phone shows, at most 11 characters (longer
  names are cut, as the networks would refuse them); default ``IPS``.
- ``MAIL_BACKEND``: ``console`` (default; writes the e-mail to the log) or ``smtp``.
- ``SMTP_HOST`` (default ``localhost``) and ``SMTP_PORT``: 587 by default,
  465 when ``SMTP_SECURITY`` is ``ssl``.
- ``SMTP_SECURITY``: ``starttls`` (default), ``ssl`` (TLS from the first
  byte), or ``none`` for a relay on the same machine and for tests.
  Anything else is refused rather than falling back to plain text.
- ``SMTP_USERNAME`` / ``SMTP_PASSWORD``: the sender logs in only when a
  username is set.
- ``MAIL_FROM``: e.g. ``IPS-undersøgelsen <noreply@example.dk>``; its
  domain also names the Message-ID.
- ``MAIL_REPLY_TO``: optional, where participants' replies should go.
- ``SEND_TIMEOUT``: seconds to wait for the gateway or the mail server (10) at each
  step; a whole send may take at most twice that (see ``_Deadline``).

A sender returns the provider's id for the message (or ``None`` if the
provider gave none) or raises :class:`DeliveryError`, saying whether trying
again later can help. Nothing here retries or falls back to the other
channel: the outbox (``messaging``) decides that, and it caps the retries,
so an answer we cannot classify is safest called temporary.

A timeout is temporary, but the gateway may have taken the message before
the answer was lost; a retry can then send it twice. The ``reference``
(our message id) travels with every SMS so such cases can be traced at the
provider.

No Flask here: the caller passes its configuration.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import logging
import re
import smtplib
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

from .. import clock

log = logging.getLogger("survey_app.delivery")

_DANISH_MOBILE = re.compile(r"^\+45\d{8}$")
# The request itself is wrong (bad number, bad token, wrong URL): the same request will fail again.
_PERMANENT_HTTP = frozenset({400, 401, 403, 404, 410, 422})
_SMTP_SECURITY = ("starttls", "ssl", "none")
_REASON_LENGTH = 300


@dataclass(frozen=True)
class Outgoing:
    """One message to one person, ready to send."""

    channel: str  # "sms" or "email"
    recipient: str  # "+4512345678" or an e-mail address
    body: str  # plain text
    subject: str | None = None  # e-mail only
    html: str | None = None  # e-mail only: an HTML alternative to the body
    reference: str | None = None  # our message id, for tracing at the provider


class DeliveryError(Exception):
    """Sending failed.

    ``permanent``: retrying the same message cannot help (a bad number, a
    refused address, a refused login, a sender that is not configured).
    Otherwise try again later (a timeout, a 5xx or 429 answer, no
    connection). ``reason`` is a short technical English text for the
    outbox's error column: staff read it, participants never do.
    """

    def __init__(self, reason: str, *, permanent: bool):
        super().__init__(reason)
        self.reason = reason[:_REASON_LENGTH]
        self.permanent = permanent

    def __repr__(self) -> str:
        return f"DeliveryError({self.reason!r}, permanent={self.permanent})"


class Sender(Protocol):
    """What :func:`sender_for` returns."""

    name: str

    def send(self, message: Outgoing, on_handover: Callable[[], None] | None = None) -> str | None:
        """Deliver ``message``; the provider's id for it. Raises :class:`DeliveryError`.

        ``on_handover`` is called once the connection to the provider is up
        and just before the message itself is written to it: a run killed
        before that point has certainly not delivered the message.
        """
        ...


_console_numbers = itertools.count(1)


class ConsoleSender:
    """Development and demonstrations: the message goes to the log instead of a phone or mailbox.

    Never fails, so the whole flow (planning, sending, retries aside) can be
    tried without a gateway or a mail server.
    """

    def __init__(self, channel: str):
        self.name = f"console-{channel}"

    def send(self, message: Outgoing, on_handover: Callable[[], None] | None = None) -> str:
        if on_handover:
            on_handover()
        provider_id = f"console-{next(_console_numbers)}"
        log.info(
            "%s %s to %s%s%s:\n%s%s",
            message.channel.upper(),
            provider_id,
            message.recipient,
            f" (reference {message.reference})" if message.reference else "",
            f"\nSubject: {message.subject}" if message.subject else "",
            message.body,
            f"\n--- HTML alternative ---\n{message.html}" if message.html else "",
        )
        return provider_id


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET (or not at all): report the 3xx instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Deadline:
    """A limit on a whole send, not just on each read.

    A socket timeout bounds every single read, so a server that answers one
    byte at a time could hold a send (and a consultant's request, and a
    gunicorn worker) for minutes. When the limit passes, the watched
    connection's socket is shut down, which ends the read in progress with
    an error; the send then fails as temporary and is retried later.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._connection = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, connection) -> None:
        """Watch a connection object; its ``sock`` attribute is read when the time is up."""
        self._connection = connection

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(self._connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()


def _watched_http(base: type[http.client.HTTPConnection], deadline: _Deadline, on_handover):
    """``base`` watched by ``deadline``, calling ``on_handover`` once connected (after TLS), before the request."""

    class Connection(base):
        def connect(self):
            deadline.watch(self)
            super().connect()
            if on_handover is not None:
                on_handover()

    return Connection


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline, on_handover):
        super().__init__()
        self._connection = _watched_http(http.client.HTTPConnection, deadline, on_handover)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline, on_handover):
        super().__init__()
        self._connection = _watched_http(http.client.HTTPSConnection, deadline, on_handover)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


def _watched_smtp(base: type[smtplib.SMTP], deadline: _Deadline):
    class Connection(base):
        def _get_socket(self, host, port, timeout):
            deadline.watch(self)
            return super()._get_socket(host, port, timeout)

    return Connection


class HttpSmsSender:
    """An SMS gateway's REST API, with the standard library only."""

    name = "sms-http"

    def __init__(self, config: Mapping):
        self.url = config.get("SMS_GATEWAY_URL") or ""
        self.token = config.get("SMS_GATEWAY_TOKEN") or ""
        self.sender = str(config.get("SMS_SENDER") or "IPS")[:11]
        self.timeout = float(config.get("SEND_TIMEOUT") or 10)
        if not self.url.startswith(("https://", "http://")):
            raise DeliveryError(f"SMS_GATEWAY_URL is not an http(s) URL: {self.url!r}", permanent=True)

    def send(self, message: Outgoing, on_handover: Callable[[], None] | None = None) -> str | None:
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
        deadline = _Deadline(2 * self.timeout)
        opener = urllib.request.build_opener(
            _NoRedirects,
            _WatchedHTTPHandler(deadline, on_handover),
            _WatchedHTTPSHandler(deadline, on_handover),
        )
        try:
            with deadline, opener.open(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            permanent = error.code in _PERMANENT_HTTP or 300 <= error.code < 400
            raise DeliveryError(
                f"gateway answered {error.code}: {_error_text(error)}", permanent=permanent
            ) from None
        except urllib.error.URLError as error:  # raised while connecting
            if isinstance(error.reason, TimeoutError):
                raise DeliveryError("gateway did not answer in time", permanent=False) from None
            raise DeliveryError(f"gateway unreachable: {error.reason}", permanent=False) from None
        except TimeoutError:  # raised while waiting for the answer
            raise DeliveryError("gateway did not answer in time", permanent=False) from None
        except (http.client.HTTPException, OSError) as error:
            if deadline.expired:
                raise DeliveryError(
                    f"gateway too slow: no answer within {2 * self.timeout:g} s", permanent=False
                ) from None
            # Connection reset or closed mid-answer: the gateway may or may not have the SMS.
            raise DeliveryError(
                f"gateway connection failed: {type(error).__name__} {error}".strip(), permanent=False
            ) from None
        return _first_id(body)


def _first_id(body: bytes) -> str | None:
    """The provider's id from a 2xx answer: the first of ``ids``, if it gave any."""
    try:
        ids = json.loads(body or b"{}").get("ids")
    except (ValueError, AttributeError):
        return None
    if isinstance(ids, list) and ids and ids[0] is not None:
        return str(ids[0])
    return None


def _error_text(error: urllib.error.HTTPError) -> str:
    """The gateway's own explanation: ``message`` from a JSON answer, or the answer's text."""
    try:
        body = error.read()
    except (OSError, http.client.HTTPException):
        body = b""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and (data.get("message") or data.get("error")):
        text = str(data.get("message") or data.get("error"))
    return (text or error.reason or "no explanation")[:200]


class SmtpSender:
    """A mail server over SMTP, with STARTTLS or TLS unless told the relay is local."""

    name = "smtp"

    def __init__(self, config: Mapping):
        self.security = str(config.get("SMTP_SECURITY") or "starttls").lower()
        if self.security not in _SMTP_SECURITY:
            raise DeliveryError(
                f"SMTP_SECURITY must be one of {', '.join(_SMTP_SECURITY)}, not {self.security!r}",
                permanent=True,
            )
        self.host = config.get("SMTP_HOST") or "localhost"
        self.port = int(config.get("SMTP_PORT") or (465 if self.security == "ssl" else 587))
        self.username = config.get("SMTP_USERNAME")
        self.password = config.get("SMTP_PASSWORD") or ""
        self.sender = config.get("MAIL_FROM") or "IPS-undersøgelsen <noreply@localhost>"
        self.reply_to = config.get("MAIL_REPLY_TO")
        self.timeout = float(config.get("SEND_TIMEOUT") or 10)

    def recipient(self, message: Outgoing) -> str:
        """The bare address; a recipient that is not exactly one address is refused."""
        try:
            address = Address(addr_spec=(message.recipient or "").strip())
        except (ValueError, IndexError, HeaderParseError) as error:
            raise DeliveryError(
                f"not an e-mail address: {message.recipient!r} ({error})", permanent=True
            ) from None
        if not address.username or not address.domain:
            raise DeliveryError(f"not an e-mail address: {message.recipient!r}", permanent=True)
        return address.addr_spec

    def _message(self, message: Outgoing, recipient: str) -> EmailMessage:
        email = EmailMessage()
        try:
            email["Subject"] = message.subject or ""
            email["From"] = self.sender
            email["To"] = recipient
            if self.reply_to:
                email["Reply-To"] = self.reply_to
        except ValueError as error:  # a line break in a header: never let it add headers
            raise DeliveryError(f"invalid e-mail header: {error}", permanent=True) from None
        email["Date"] = format_datetime(clock.local(clock.now()))
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or None
        email["Message-ID"] = make_msgid(domain=domain)
        # Quoted-printable: safe through any relay, and still readable in the raw source.
        email.set_content(message.body, cte="quoted-printable")
        if message.html:
            email.add_alternative(message.html, subtype="html", cte="quoted-printable")
        return email

    def _connect(self, deadline: _Deadline) -> smtplib.SMTP:
        if self.security == "ssl":
            return _watched_smtp(smtplib.SMTP_SSL, deadline)(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        connection = _watched_smtp(smtplib.SMTP, deadline)(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                connection.starttls(context=ssl.create_default_context())
            except BaseException:
                connection.close()
                raise
        return connection

    def send(self, message: Outgoing, on_handover: Callable[[], None] | None = None) -> str:
        recipient = self.recipient(message)
        email = self._message(message, recipient)
        deadline = _Deadline(2 * self.timeout)
        try:
            with deadline:
                connection = self._connect(deadline)
                try:
                    if self.username:
                        connection.login(self.username, self.password)
                    if on_handover:
                        on_handover()
                    connection.send_message(email, to_addrs=[recipient])
                finally:
                    _quit(connection)
        except smtplib.SMTPRecipientsRefused as error:
            # 5xx: the address does not exist; 4xx (greylisting, a full mailbox): try later.
            permanent = all(code >= 500 for code, _ in error.recipients.values())
            raise DeliveryError(f"mail server refused: {_smtp_text(error)}", permanent=permanent) from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(
                f"mail server refused the login: {error.smtp_code} {_smtp_text(error)}",
                permanent=error.smtp_code >= 500,
            ) from None
        except smtplib.SMTPResponseException as error:
            # The sender, the content or the greeting refused (SMTPSenderRefused, SMTPDataError, ...).
            raise DeliveryError(
                f"mail server answered {error.smtp_code}: {_smtp_text(error)}",
                permanent=error.smtp_code >= 500,
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            # No STARTTLS, no AUTH, or no SMTPUTF8 for a non-ASCII address: the same next time.
            raise DeliveryError(f"mail server cannot: {error}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as error:
            if deadline.expired:
                raise DeliveryError(
                    f"mail server too slow: no answer within {2 * self.timeout:g} s", permanent=False
                ) from None
            raise DeliveryError(
                f"mail server unreachable: {type(error).__name__} {error}".strip(), permanent=False
            ) from None
        return email["Message-ID"]


def _quit(connection: smtplib.SMTP) -> None:
    """Say goodbye, but a failing QUIT must not turn an accepted message into a failure (and a resend)."""
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _smtp_text(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{who}: {code} {text.decode('utf-8', 'replace')}"
            for who, (code, text) in error.recipients.items()
        )
    text = getattr(error, "smtp_error", b"")
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text or error)


def sender_for(config: Mapping, channel: str) -> Sender:
    """The sender the configuration chooses for ``channel`` ("sms" or "email").

    A configuration that cannot work (an unknown backend, no gateway URL)
    raises a permanent :class:`DeliveryError`, so the outbox records it
    against the message like any other failure.
    """
    if channel == "sms":
        backend = config.get("SMS_BACKEND") or "console"
        if backend == "http":
            return HttpSmsSender(config)
    elif channel == "email":
        backend = config.get("MAIL_BACKEND") or "console"
        if backend == "smtp":
            return SmtpSender(config)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    if backend != "console":
        raise DeliveryError(f"unknown {channel} backend {backend!r}", permanent=True)
    return ConsoleSender(channel)
