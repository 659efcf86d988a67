"""Debian's ``redis-server`` on 127.0.0.1, started and stopped by the test that needs it.

Production shares the rate-limit counters of several servers through Redis
(``RATELIMIT_STORAGE_URI=redis://…``, see ``survey_app/web/limits.py``);
these tests run that against a real Redis, not a fake of the client.

:class:`RedisServer` runs ``redis-server`` on a free port of 127.0.0.1 with
nothing written to disk (no RDB snapshots, no append-only file), in a
directory of its own, and waits until it answers ``PING``. Use it as a
context manager or through the fixture ``redis_server``. Locally the
fixture skips when ``redis-server`` (Debian's ``redis-server`` package) or
the Python ``redis`` client (the ``test`` extra) is missing; in CI
(``CI=true``) either is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.servers import free_port

REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_program() -> str | None:
    """Debian's redis-server (``REDIS_SERVER`` may point elsewhere), None when not installed."""
    program = os.environ.get("REDIS_SERVER") or REDIS_SERVER
    return program if os.access(program, os.X_OK) else shutil.which("redis-server")


def ping(port: int, timeout: float = 1) -> bool:
    """True when a Redis on 127.0.0.1:``port`` answers PING (plain RESP over a socket, no client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(b"*1\r\n$4\r\nPING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` process; :meth:`stop` ends it (and :meth:`start` may start it again)."""

    def __init__(self, directory: Path, program: str = REDIS_SERVER):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.program = program
        self.port = free_port()
        self.log_path = self.directory / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def config(self) -> dict:
        """The settings that put an app's rate-limit counters in this Redis."""
        return {"RATELIMIT_STORAGE_URI": self.url}

    def start(self, timeout: float = 10) -> RedisServer:
        command = [
            self.program,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--save", "",  # no snapshots
            "--appendonly", "no",
            "--dir", str(self.directory),
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log()}")
            if ping(self.port):
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _missing(what: str, install: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and the Redis tests must run in CI ({install})")
    pytest.skip(f"{what} is not installed ({install}); Redis tests skipped locally")


@pytest.fixture(name="redis_server")
def redis_server_fixture(tmp_path_factory):
    """A running :class:`RedisServer` with an empty database, stopped after the test."""
    program = redis_server_program()
    if program is None:
        _missing("redis-server", "apt-get install redis-server")
    try:
        import redis  # noqa: F401  (Flask-Limiter's Redis storage needs it)
    except ImportError:
        _missing("The Python package redis", "pip install -e '.[test]'")
    with RedisServer(tmp_path_factory.mktemp("redis"), program) as server:
        yield server
