"""Real servers on 127.0.0.1 for tests of sending: an SMTP server and an SMS gateway.

Both record what they receive and can be told to fail, so the tests see
exactly what would have reached a phone or a mailbox.
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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
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
                "login": session.auth_data,
            }
        )
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on a free port; ``messages`` holds what arrived, parsed."""

    def __init__(self, login: tuple[str, str] | None = None):
        self.port = free_port()
        self.messages: list[dict] = []
        self.rejected: set[str] = set()
        self.busy = False
        self.login = login
        kwargs = {}
        if login:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
                "auth_required": True,  # over plain text on loopback only, as a local relay would
            }
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            )
            == self.login
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

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
    """An HTTP server taking SMS as the gateway would; ``requests`` holds what arrived."""

    def __init__(self):
        self.requests: list[dict] = []
        self.forced: list[tuple[int, dict]] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if gateway.delay:
                    time.sleep(gateway.delay)
                with gateway._lock:
                    gateway.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "json": json.loads(body or b"null"),
                        }
                    )
                    status, payload = (
                        gateway.forced.pop(0) if gateway.forced else (200, {"ids": [len(gateway.requests)]})
                    )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/mtsms"

    def fail_next(self, status: int, payload: dict | None = None, times: int = 1) -> None:
        self.forced += [(status, payload or {"message": f"forced {status}"})] * times

    def config(self) -> dict:
        return {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": self.url, "SMS_GATEWAY_TOKEN": "test-token"}

    @property
    def texts(self) -> list[tuple[str, str]]:
        """(number, text) of every SMS received."""
        return [(f"+{r['json']['recipients'][0]['msisdn']}", r["json"]["message"]) for r in self.requests]

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def sms_gateway():
    with SmsGateway() as gateway:
        yield gateway
