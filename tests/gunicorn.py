"""The app under gunicorn, as production runs it, for tests that kill and restart servers.

:class:`Gunicorn` starts ``gunicorn wsgi:app`` (sync workers) on a free
port of 127.0.0.1 with the app configured by ``SURVEY_APP_*`` variables
only (:func:`app_environment`), waits until a worker answers, and can kill
a worker or the master with SIGKILL. Each server runs in a session of its
own, so :meth:`Gunicorn.stop` can end every process it started, workers
left behind by a killed master included. Use it through
:func:`running_gunicorn`, which always stops it.

:class:`Phone` is a phone without JavaScript: plain HTTP/1.1, one
connection per request (sync workers close them anyway), its own cookies,
redirects not followed.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
# The scripts of the environment running the tests (README's `.venv`, or any other).
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
FLASK = BIN / "flask"


def app_environment(directory: Path, **settings) -> dict[str, str]:
    """The environment for gunicorn or ``flask --app survey_app``: a fresh instance folder and database.

    ``settings`` become ``SURVEY_APP_<NAME>`` (e.g. ``SMS_BACKEND="http"``);
    ``SURVEY_APP_*`` variables of the calling environment are left out.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("SURVEY_APP_")}
    env |= {
        "SURVEY_APP_INSTANCE_PATH": str(directory / "instance"),
        "SURVEY_APP_DATABASE": str(directory / "survey.db"),
        "SURVEY_APP_SECRET_KEY": secrets.token_urlsafe(32),
        "SURVEY_APP_BASE_URL": "http://127.0.0.1",
    }
    env |= {f"SURVEY_APP_{name}": str(value) for name, value in settings.items()}
    return env


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _state(pid: int) -> str | None:
    """The process's state letter (R running, S sleeping, Z zombie, ...), None once gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def alive(pid: int) -> bool:
    """True while the process runs (a zombie waiting to be reaped does not count)."""
    return _state(pid) not in (None, "Z")


class Gunicorn:
    """One gunicorn master with sync workers; ``port`` may be given to restart on the same one."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        workers: int = 3,
        port: int | None = None,
        options: tuple[str, ...] = (),
    ):
        self.env = env
        self.options = options
        self.log_path = log_path
        self.workers = workers
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self._groups: list[int] = []

    def start(self, timeout: float = 30) -> Gunicorn:
        command = [
            str(GUNICORN),
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", "sync",
            "--graceful-timeout", "2",
            "--log-level", "warning",
            *self.options,
            "wsgi:app",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._groups.append(self.process.pid)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        """Until a worker answers ``GET /`` with 200 (the master binds the port before workers boot)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                if Phone(self.port, timeout=2).get("/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def worker_pids(self) -> list[int]:
        return [pid for pid in _children(self.process.pid) if alive(pid)]

    def wait_for_workers(self, count: int | None = None, timeout: float = 30) -> list[int]:
        """The workers' pids, once ``count`` (default: all) are running."""
        count = count or self.workers
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) >= count:
                return pids
            time.sleep(0.05)
        raise RuntimeError(f"only {self.worker_pids()} of {count} workers running:\n{self.log()}")

    def kill_worker(self) -> int:
        """SIGKILL a worker, one busy with a request if possible (the master starts another); its pid."""
        deadline = time.monotonic() + 1
        pids = self.wait_for_workers(1)
        while time.monotonic() < deadline:
            busy = [pid for pid in self.worker_pids() if _state(pid) == "R"]  # not waiting in select()
            if busy:
                pids = busy
                break
            time.sleep(0.001)
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def kill_master(self) -> list[int]:
        """SIGKILL the master alone; returns its workers, which go on running for a while."""
        workers = self.worker_pids()
        self.process.kill()
        self.process.wait()
        return workers

    def stop(self) -> None:
        """End every process this server started: master, workers, orphaned workers."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for group in self._groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)


@contextlib.contextmanager
def running_gunicorn(env: dict[str, str], log_path: Path, **options):
    server = Gunicorn(env, log_path, **options)
    try:
        yield server.start()
    finally:
        server.stop()


# -- a phone without JavaScript -------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ITEM = re.compile(r'name="item" value="([^"]+)"')
OPTION = re.compile(r'name="value" value="(\d+)"')


class Phone:
    """Plain HTTP to 127.0.0.1 with a cookie jar; raises OSError (incl. timeouts) like a socket."""

    def __init__(self, port: int, timeout: float = 15):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except http.client.HTTPException as error:  # e.g. RemoteDisconnected is also an OSError
            raise ConnectionError(f"{type(error).__name__}: {error}") from None
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> tuple[int, dict, str]:
        return self.request("POST", path, form)


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "page has no CSRF token"
    return match.group(1)


def question(page: str) -> tuple[str, list[int]] | None:
    """The current question's item id and option scores on a chat page; None on the thank-you."""
    item = ITEM.search(page)
    if item is None:
        return None
    return item.group(1), [int(score) for score in OPTION.findall(page)]
