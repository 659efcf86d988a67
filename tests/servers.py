"""Real servers on 127.0.0.1 for tests of sending: an SMTP server and an SMS gateway.

Both record what they receive and can be told to fail, so the tests see
exactly what would have reached a phone or a mailbox, and exercise the
real sockets, timeouts and error answers instead of a mocked library.

Use them as context managers (``with SmsGateway() as gateway: ...``) or
through the fixtures ``sms_gateway`` and ``smtp_server`` at the end of
this module. Each has ``config()``: the settings that point
``survey_app.delivery`` at it, to merge into an app's configuration.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A port nothing listens on right now (also handy for "server down" tests)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    """aiosmtpd's hooks: refuse on demand at RCPT, record at DATA."""

    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        if address in self.server.rejected:
            return "550 5.1.1 No such mailbox"
        if self.server.busy:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": message,
                "raw": envelope.content,
                "login": session.auth_data,
            }
        )
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on a free port of 127.0.0.1.

    ``messages`` holds what arrived, one dict each: ``from`` and ``to``
    (the envelope), ``message`` (parsed with the modern e-mail policy, so
    headers and bodies come out decoded), ``raw`` (bytes) and ``login``
    (the user name that logged in, or None).

    ``login=("user", "password")`` requires AUTH (over plain text, as a
    relay on the same machine might allow). Add an address to ``rejected``
    to answer 550 for it, or set ``busy`` to answer 451 to every recipient.
    """

    def __init__(self, login: tuple[str, str] | None = None):
        self.port = free_port()
        self.messages: list[dict] = []
        self.rejected: set[str] = set()
        self.busy = False
        self.login = login
        kwargs = {}
        if login:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

    def reject(self, address: str) -> None:
        """Answer ``550`` when ``address`` is given as a recipient."""
        self.rejected.add(address)

    def config(self) -> dict:
        settings = {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": "none",
        }
        if self.login:
            settings |= {"SMTP_USERNAME": self.login[0], "SMTP_PASSWORD": self.login[1]}
        return settings

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class SmsGateway:
    """An HTTP server taking SMS the way the provider's REST API would.

    ``requests`` holds what arrived, one dict each: ``path``, ``headers``,
    ``body`` (bytes) and ``json`` (parsed, or None if it was not JSON).
    Every request is answered ``200 {"ids": [n]}`` with n counting from 1,
    unless ``fail_next`` queued another answer. ``delay`` (seconds) holds
    each answer back, to test timeouts.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.forced: list[tuple[int, dict | str]] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                with gateway._lock:
                    gateway.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body, "json": parsed}
                    )
                    if gateway.forced:
                        status, payload = gateway.forced.pop(0)
                    else:
                        status, payload = 200, {"ids": [len(gateway.requests)]}
                    delay = gateway.delay
                if delay:
                    time.sleep(delay)
                is_json = not isinstance(payload, str)
                data = (json.dumps(payload) if is_json else payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json" if is_json else "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except ConnectionError:
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/mtsms"

    def fail_next(self, status: int, payload: dict | str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` and ``payload`` (JSON, or text if a str)."""
        with self._lock:
            self.forced += [
                (status, payload if payload is not None else {"message": f"forced {status}"})
            ] * times

    def config(self) -> dict:
        return {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": self.url, "SMS_GATEWAY_TOKEN": "test-token"}

    @property
    def texts(self) -> list[tuple[str, str]]:
        """(number, text) of every SMS received."""
        return [(f"+{r['json']['recipients'][0]['msisdn']}", r["json"]["message"]) for r in self.requests]

    def __enter__(self):
        # A short poll interval: shutdown() waits for the loop to notice, which is 0.5 s by default.
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """A server on 127.0.0.1 that never answers: a hung SMS gateway or mail server.

    It takes connections but never reads or answers them, not even with
    SMTP's greeting, so a client waits until its own timeout. ``connections``
    counts the connections taken. With ``accepting=False`` it takes none:
    its queue of waiting connections is kept full, so a client hangs while
    still connecting, as with a host that drops packets.

    ``sms_config()`` and ``smtp_config()`` point the app at it.
    """

    def __init__(self, accepting: bool = True):
        self.accepting = accepting
        self.connections = 0
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16 if accepting else 0)
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = threading.Event()

    def sms_config(self) -> dict:
        return {
            "SMS_BACKEND": "http",
            "SMS_GATEWAY_URL": f"http://127.0.0.1:{self.port}/mtsms",
            "SMS_GATEWAY_TOKEN": "test-token",
        }

    def smtp_config(self) -> dict:
        return {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": "none",
        }

    def _fill_queue(self) -> None:
        # Linux queues backlog + 1 connections; once full, new ones are not answered at all.
        for _ in range(8):
            probe = socket.socket()
            probe.settimeout(0.2)
            try:
                probe.connect(("127.0.0.1", self.port))
            except OSError:
                probe.close()
                return
            self._held.append(probe)
        raise RuntimeError("the connection queue does not fill up")

    def _serve(self) -> None:
        self._listener.settimeout(0.02)
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._held.append(connection)  # kept open, never read
            self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        pass  # never

    def __enter__(self):
        if self.accepting:
            self._thread = threading.Thread(target=self._serve, daemon=True)
            self._thread.start()
        else:
            self._fill_queue()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self.accepting:
            self._thread.join()
        for held in self._held:
            held.close()
        self._listener.close()


class TricklingServer(SilentServer):
    """A server that answers a byte at a time, then not at all: an overloaded or tarpitting one.

    Every connection gets ``data`` one byte every ``interval`` seconds, so
    no single read waits long, however long the whole answer takes.
    """

    def __init__(self, data: bytes, interval: float):
        super().__init__(accepting=True)
        self.data = data
        self.interval = interval

    def _answer(self, connection: socket.socket) -> None:
        def trickle():
            for byte in self.data:
                if self._stop.wait(self.interval):
                    return
                try:
                    connection.send(bytes([byte]))
                except OSError:
                    return

        threading.Thread(target=trickle, daemon=True).start()


@pytest.fixture
def smtp_server():
    """A running :class:`SmtpServer` without AUTH."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def sms_gateway():
    """A running :class:`SmsGateway`."""
    with SmsGateway() as gateway:
        yield gateway
