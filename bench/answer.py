"""Benchmark: "answer one question" against a bare Flask hello-world, in one run.

Usage: .venv/bin/python bench/answer.py [--rounds 3] [--duration 5] [--clients 8]
       [--worker-class sync] [--workers 3] [--threads 1]

Both apps run under gunicorn on 127.0.0.1 with the same configuration (by
default the one README recommends for production: sync workers behind a
proxy) and are driven by the same clients for the same time, in rounds
that alternate the two apps. "Answer one question" is what a participant's
phone does with JavaScript on: a POST of one answer with its CSRF token,
committed to SQLite, and the next turn of the conversation sent back. Each
request answers a question not answered before (seven per invitation, so
no invitation is completed and every request takes the same path); if a
round's invitations run out, answers are changed instead (still a write).

The clients are separate processes speaking HTTP/1.1 over raw sockets
(keep-alive where the worker class allows it), with every request prepared
in advance, so that as little as possible of the two cores goes to the
load generator. They share the machine with the servers all the same.

Prints, per round, requests/s and the server's CPU time per request for
both apps; the median ratio of requests/s (target >= 0.5); and the weight
of a question page with its stylesheet and script.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELLO_APP = """
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""


# -- a tiny HTTP/1.1 client ---------------------------------------------------


class Connection:
    """Keep-alive HTTP over one socket; requests are prepared bytes."""

    def __init__(self, port: int):
        self.port = port
        self.sock = None
        self.buffer = b""

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            if self.sock is None:
                self._connect()
            try:
                self.sock.sendall(raw)
                return self._read_response()
            except (ConnectionError, OSError):
                self.sock.close()
                self.sock = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read_response(self):
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        length = int(headers.get("content-length", 0))
        while len(self.buffer) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.sock.close()
            self.sock = None
        return status, headers, body


def get_request(path: str, cookie: str = "") -> bytes:
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie_line}\r\n".encode()


def post_request(path: str, body: str, cookie: str = "", extra: str = "") -> bytes:
    data = body.encode()
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie_line}{extra}"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode() + data


CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


def session_cookie(headers: dict[str, str]) -> str:
    return headers["set-cookie"].split(";", 1)[0]


# -- the clients ----------------------------------------------------------------


def answer_requests(port: int, paths: list[str]) -> list[bytes]:
    """Start each invitation (not timed) and prepare one request per question to answer."""
    connection = Connection(port)
    fresh, changes = [], []
    for path in paths:
        _, headers, body = connection.request(get_request(path))
        cookie = session_cookie(headers)
        token = CSRF.search(body).group(1).decode()
        status, headers, _ = connection.request(post_request(path, f"csrf_token={token}", cookie))
        assert status == 303, status
        cookie = session_cookie(headers)
        for number in range(1, 8):
            body = f"csrf_token={token}&item=csq_{number}&value="
            fetch = "X-Requested-With: fetch\r\n"
            fresh.append(post_request("/svar", body + "3", cookie, fetch))
            changes.append(post_request("/svar", body + "4", cookie, fetch))
            changes.append(post_request("/svar", body + "3", cookie, fetch))
    return fresh + changes


def client(kind: str, port: int, paths: list[str], start_at: float, stop_at: float, results):
    connection = Connection(port)
    requests = answer_requests(port, paths) if kind == "answer" else [get_request("/")]
    while time.time() < start_at:
        time.sleep(0.001)
    done = errors = 0
    index = 0
    while time.time() < stop_at:
        status, headers, _body = connection.request(requests[index])
        index = (index + 1) % len(requests)
        if status == 200 and (kind != "answer" or headers.get("x-chat-turn") == "1"):
            done += 1
        else:
            errors += 1
    results.put((done, errors))


def drive(
    kind: str,
    port: int,
    clients: int,
    duration: float,
    paths: list[str] | None = None,
    server: subprocess.Popen | None = None,
) -> tuple[float, float | None]:
    """Requests/s over ``duration``, and the server's CPU milliseconds per request in that time."""
    results = multiprocessing.Queue()
    per_client = [paths[i::clients] for i in range(clients)] if paths else [[] for _ in range(clients)]
    setup = 2.0 + (len(paths or []) / clients) * 0.01
    start_at = time.time() + setup
    processes = [
        multiprocessing.Process(
            target=client, args=(kind, port, per_client[i], start_at, start_at + duration, results)
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    cpu = None
    if server is not None:
        time.sleep(max(0.0, start_at - time.time()))
        cpu_start = server_cpu_seconds(server)
        time.sleep(max(0.0, start_at + duration - time.time()))
        cpu = server_cpu_seconds(server) - cpu_start
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    done = sum(d for d, _ in outcomes)
    errors = sum(e for _, e in outcomes)
    if errors:
        raise SystemExit(f"{kind}: {errors} requests failed")
    return done / duration, None if cpu is None else cpu / done * 1000


# -- servers ----------------------------------------------------------------------


def server_cpu_seconds(master: subprocess.Popen) -> float:
    """CPU time used so far by a gunicorn master and its workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if master.pid in (pid, ppid):
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(module: str, cwd: Path, port: int, args, env) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--worker-class", args.worker_class,
        "--threads", str(args.threads),
        "--keep-alive", "5",
        "--log-level", "warning",
        module,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=cwd, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gunicorn for {module} did not start")


def prepare_invitations(env: dict, count: int) -> list[str]:
    """Create participants and invitations directly through the app's own functions."""
    os.environ.update(env)
    from survey_app import audit, create_app, invitations, participants
    from survey_app.context import get_db

    app = create_app()
    questionnaire = app.extensions["questionnaires"]["csq8"]
    paths = []
    with app.app_context():
        db = get_db()
        for number in range(count):
            participant = participants.add_participant(
                db,
                code=f"BENCH-{number:06d}",
                municipality_code="259",
                baseline=date(2025, 5, 1),
                consent=True,
                actor=audit.SEED,
            )
            invitation, _ = invitations.create_invitation(
                db, participant, questionnaire, valid_days=56, actor=audit.SEED
            )
            paths.append("/s/" + invitations.token_for(app.config["SECRET_KEY"], invitation))
    return paths


def page_weight(port: int, path: str) -> int:
    connection = Connection(port)
    _, headers, body = connection.request(get_request(path))
    cookie = session_cookie(headers)
    token = CSRF.search(body).group(1).decode()
    _, headers, _ = connection.request(post_request(path, f"csrf_token={token}", cookie))
    _, _, page = connection.request(get_request("/svar", session_cookie(headers)))
    total = len(page)
    for asset in re.findall(rb'(?:src|href)="(/static/[^"]+)"', page):
        status, _, body = connection.request(get_request(asset.decode()))
        assert status == 200
        total += len(body)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per app and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of hello-world then answer")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (both apps)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (both apps)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (both apps)")
    parser.add_argument("--invitations", type=int, default=800, help="invitations prepared per round")
    parser.add_argument(
        "--only", choices=["answer", "hello"], help="drive one app only (e.g. while profiling it)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        tmp_path = Path(tmp)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SURVEY_APP_")},
            "SURVEY_APP_INSTANCE_PATH": str(tmp_path / "instance"),
            "SURVEY_APP_SECRET_KEY": secrets.token_urlsafe(32),
        }
        total = args.invitations * args.rounds + args.clients * 4 + 1
        print(f"Preparing {total} invitations ...", flush=True)
        paths = prepare_invitations(env, total)
        (tmp_path / "hello.py").write_text(HELLO_APP)

        survey_port, hello_port = free_port(), free_port()
        survey = start_gunicorn("wsgi:app", ROOT, survey_port, args, env)
        hello = start_gunicorn("hello:app", tmp_path, hello_port, args, env)
        try:
            weight = page_weight(survey_port, paths.pop())
            print(
                f"Configuration: gunicorn {args.worker_class}, {args.workers} workers x {args.threads} threads;"
                f" {args.clients} clients; {args.rounds} rounds of {args.duration:g} s per app",
                flush=True,
            )
            # A short warm-up of both (imports, connections, caches), not counted.
            if args.only != "answer":
                drive("hello", hello_port, args.clients, 1.0)
            if args.only != "hello":
                drive("answer", survey_port, args.clients, 1.0, paths[-args.clients * 4 :])
            # Rounds alternate the two apps, so a slow spell of a shared
            # machine hits both; each round answers fresh invitations.
            ratios = []
            for number in range(args.rounds):
                fresh = paths[number * args.invitations : (number + 1) * args.invitations]
                line = f"round {number + 1}:"
                results = {}
                for kind, port, server, pool in (
                    ("hello", hello_port, hello, None),
                    ("answer", survey_port, survey, fresh),
                ):
                    if args.only and args.only != kind:
                        continue
                    rps, cpu_ms = drive(kind, port, args.clients, args.duration, pool, server)
                    results[kind] = rps
                    line += f"  {kind} {rps:6.0f} req/s ({cpu_ms:.2f} ms server CPU each)"
                if len(results) == 2:
                    ratios.append(results["answer"] / results["hello"])
                    line += f"  ratio {ratios[-1]:.2f}"
                print(line, flush=True)
            if ratios:
                ratio = statistics.median(ratios)
                verdict = "meets" if ratio >= 0.5 else "MISSES"
                print(f"ratio answer/hello (median of rounds): {ratio:.2f}  ({verdict} the target of 0.5)")
            print(f"question page weight: {weight} bytes (HTML + CSS + JS; target <= 30720)")
        finally:
            for process in (survey, hello):
                process.terminate()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
