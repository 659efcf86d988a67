"""Load test: many participants answering on phones without JavaScript while staff work.

Starts the app under gunicorn on 127.0.0.1 (sync workers, a fresh instance
folder and database in a temporary directory, configured by ``SURVEY_APP_*``
variables as in production), prepares participants with links through the
app's own functions, consultants and an evaluator, and then, for a bounded
time:

- ``--users`` simulated participants at once, each going through a whole
  journey as a phone without JavaScript would: the link (welcome page),
  Start (a form with the CSRF token; the session is a cookie), then for
  each question ``GET /svar`` and the answer (a random option of the
  page's form) after a think time, until the thank-you; then the next
  participant. Journeys still under way when the time is up stop where
  they are, as half-finished responses do;
- consultants loading their home page (``/konsulent/``) and evaluators the
  dashboard (``/evaluering/``, the region report) again and again, after
  logging in at ``/login``.

It prints completed surveys, errors by kind (an unexpected HTTP status, a
timeout, a failed connection; the target is none) and the latency of each
kind of request (p50/p95/p99). Then it checks the database: every answer a
simulated participant was told was saved (its POST got its 303) is stored
exactly once with the score chosen, nothing is stored that was not sent,
and every completed invitation has the right total.

Last, throughput at saturation, in alternating rounds: the same journeys
without think time against the app, and ``GET /`` against a bare Flask
hello-world under the same gunicorn settings, both driven by
``bench/answer.py``'s light blocking client (one request at a time per
process). It prints the ratio of answers/s to hello-world requests/s
(target >= 0.5; without JavaScript every answer is a POST and the GET of
the next question, so requests/s is shown too).

The participants' and staff's load is asyncio over raw HTTP/1.1 (a
connection per request, as sync workers close them) in a few processes,
so that it stays light; it still shares the machine's cores with the
servers. Exit status 1 when a request failed or the database check found
a problem.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import answer as single  # noqa: E402  (bench/answer.py: its servers and HTTP client)

PASSWORD = "bench load test 2026"
# Every staff member's authenticator app (they log in with a code after the password).
TOTP_SECRET = "BENCHLOADTESTBENCHLOADTESTBENCH2"
# Region Sjælland: Køge, Stevns, Faxe, Odsherred, Ringsted, Kalundborg, Holbæk, Slagelse.
MUNICIPALITIES = ["259", "336", "320", "306", "329", "326", "316", "330"]

CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')
ITEM = re.compile(rb'name="item" value="([^"]+)"')
OPTION = re.compile(rb'name="value" value="(\d+)"')
THANK_YOU = b"Tak for dine svar!"


# -- preparing the data ------------------------------------------------------------------


def prepare(env: dict, count: int, consultants: int, evaluators: int) -> tuple[list, list]:
    """Participants with links, and staff, through the app's own functions.

    Returns ``[(link path, invitation id)]`` and ``[(role, e-mail)]``.
    """
    os.environ.update(env)
    from survey_app import accounts, audit, create_app, invitations, participants, two_factor
    from survey_app.context import get_db

    with contextlib.redirect_stderr(io.StringIO()):  # the first start's hints are for people
        app = create_app()
    questionnaire = app.extensions["questionnaires"]["csq8"]
    links, staff = [], []
    with app.app_context():
        db = get_db()
        accounts.create_user(
            db, actor=audit.SEED, email="admin@bench.example.dk", role="admin", password=PASSWORD
        )
        for number in range(consultants):
            email = f"konsulent{number + 1}@bench.example.dk"
            codes = MUNICIPALITIES[number::consultants] if consultants < len(MUNICIPALITIES) else []
            codes = codes or [MUNICIPALITIES[number % len(MUNICIPALITIES)]]
            user = accounts.create_user(
                db, actor=audit.SEED, email=email, role="consultant", municipalities=codes, password=PASSWORD
            )
            two_factor.enrol(db, user["id"], TOTP_SECRET, actor=audit.SEED)
            staff.append(("consultant", email))
        for number in range(evaluators):
            email = f"evaluator{number + 1}@bench.example.dk"
            user = accounts.create_user(
                db, actor=audit.SEED, email=email, role="evaluator", password=PASSWORD
            )
            two_factor.enrol(db, user["id"], TOTP_SECRET, actor=audit.SEED)
            staff.append(("evaluator", email))
        for number in range(count):
            participant = participants.add_participant(
                db,
                code=f"LOAD-{number:06d}",
                municipality_code=MUNICIPALITIES[number % len(MUNICIPALITIES)],
                baseline=date(2025, 5, 1),
                consent=True,
                actor=audit.SEED,
            )
            invitation, _ = invitations.create_invitation(
                db, participant, questionnaire, valid_days=56, actor=audit.SEED
            )
            links.append(
                ("/s/" + invitations.token_for(app.config["SECRET_KEY"], invitation), invitation["id"])
            )
    return links, staff


# -- the load generator: raw HTTP over asyncio ----------------------------------------------


class Failed(Exception):
    """A request that failed (already counted in the client's error table)."""


class Client:
    """One process's requests: HTTP/1.1, a connection each, timings and errors recorded by kind."""

    def __init__(self, port: int, timeout: float):
        self.port = port
        self.timeout = timeout
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.requests = 0

    async def _exchange(self, raw: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(raw)
            return await reader.read()  # to the end: the server closes the connection
        finally:
            writer.close()

    async def request(
        self, kind: str, method: str, path: str, cookies: dict, expect: int, form: dict | None = None
    ) -> bytes:
        """The response body; raises :class:`Failed` unless the status is ``expect``."""
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        began = time.perf_counter()
        self.requests += 1
        try:
            response = await asyncio.wait_for(self._exchange(raw), self.timeout)
        except TimeoutError:
            self.errors[f"{kind}: timeout"] += 1
            raise Failed("timeout") from None
        except OSError as error:
            self.errors[f"{kind}: connection ({type(error).__name__})"] += 1
            raise Failed("connection") from None
        self.latencies[kind].append(time.perf_counter() - began)
        head, _, content = response.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(status_line.split()[1])
        except (IndexError, ValueError):
            self.errors[f"{kind}: connection (no HTTP answer)"] += 1
            raise Failed("connection") from None
        chunked = False
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "set-cookie":
                key, _, rest = value.strip().partition("=")
                cookies[key] = rest.split(";", 1)[0]
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if status != expect:
            self.errors[f"{kind}: HTTP {status} (expected {expect})"] += 1
            raise Failed("status")
        return _unchunk(content) if chunked else content


def _unchunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body, data = body + data[:size], data[size + 2 :]
    return body


class Journey:
    """What one simulated participant did: what they chose, and what they were told was saved."""

    def __init__(self, path: str, invitation_id: int):
        self.path, self.invitation_id = path, invitation_id
        self.acknowledged: dict[str, int] = {}
        self.unacknowledged: dict[str, list[int]] = defaultdict(list)
        self.completed = False

    def summary(self) -> tuple:
        return (self.invitation_id, self.acknowledged, dict(self.unacknowledged), self.completed)


async def participant(
    client: Client, links: list, stop_at: float, think: tuple[float, float], ramp_up: float, rng, done: list
):
    """Journeys one after another until the time is up or no link is left."""

    async def pause():
        if think[1] > 0:
            await asyncio.sleep(rng.uniform(*think))

    await asyncio.sleep(rng.uniform(0, ramp_up))

    while links and time.monotonic() < stop_at:
        path, invitation_id = links.pop()
        journey = Journey(path, invitation_id)
        done.append(journey)
        cookies: dict[str, str] = {}
        try:
            page = await client.request("welcome", "GET", path, cookies, 200)
            await pause()
            token = CSRF.search(page).group(1).decode()
            await client.request("start", "POST", path, cookies, 303, {"csrf_token": token})
            while time.monotonic() < stop_at:
                page = await client.request("question", "GET", "/svar", cookies, 200)
                item = ITEM.search(page)
                if item is None:
                    journey.completed = THANK_YOU in page
                    if not journey.completed:
                        client.errors["question: neither a question nor the thank-you"] += 1
                    break
                item = item.group(1).decode()
                score = rng.choice([int(value) for value in OPTION.findall(page)])
                token = CSRF.search(page).group(1).decode()
                await pause()
                if time.monotonic() >= stop_at:
                    break
                try:
                    await client.request(
                        "answer",
                        "POST",
                        "/svar",
                        cookies,
                        303,
                        {"csrf_token": token, "item": item, "value": score},
                    )
                except Failed:
                    journey.unacknowledged[item].append(score)
                    raise
                journey.acknowledged[item] = score
        except Failed:
            await asyncio.sleep(0.1)  # this participant gives up; the next one starts


async def staff_member(client: Client, role: str, email: str, stop_at: float, every: float, rng):
    from survey_app import two_factor  # the code their app would show

    kind, path = ("consultant home", "/konsulent/") if role == "consultant" else ("dashboard", "/evaluering/")
    cookies: dict[str, str] = {}
    try:
        page = await client.request("login", "GET", "/login", cookies, 200)
        token = CSRF.search(page).group(1).decode()
        form = {"csrf_token": token, "email": email, "password": PASSWORD}
        await client.request("login", "POST", "/login", cookies, 303, form)
        page = await client.request("login", "GET", "/login/kode", cookies, 200)
        token = CSRF.search(page).group(1).decode()
        code = two_factor.code_at(TOTP_SECRET, two_factor.current_step(datetime.now(UTC)))
        await client.request(
            "login", "POST", "/login/kode", cookies, 303, {"csrf_token": token, "code": code}
        )
    except Failed:
        return
    while time.monotonic() < stop_at:
        with contextlib.suppress(Failed):  # counted in the error table
            await client.request(kind, "GET", path, cookies, 200)
        await asyncio.sleep(rng.uniform(0.5 * every, 1.5 * every))


def generator(task: dict, results) -> None:
    """One load-generating process: its share of users, on one event loop."""

    async def run():
        client = Client(task["port"], task["timeout"])
        rng = random.Random(task["seed"])
        while time.time() < task["start_at"]:
            await asyncio.sleep(0.005)
        stop_at = time.monotonic() + task["duration"]
        done: list[Journey] = []
        links = list(task["links"])
        users = [
            participant(
                client, links, stop_at, task["think"], task["ramp_up"], random.Random(rng.random()), done
            )
            for _ in range(task["users"])
        ]
        users += [
            staff_member(client, role, email, stop_at, task["staff_every"], random.Random(rng.random()))
            for role, email in task["staff"]
        ]
        began = time.monotonic()
        await asyncio.gather(*users)
        elapsed = time.monotonic() - began
        results.put(
            {
                "latencies": dict(client.latencies),
                "errors": client.errors,
                "requests": client.requests,
                "elapsed": elapsed,
                "journeys": [journey.summary() for journey in done],
                "links_used_up": not links,
            }
        )

    asyncio.run(run())


def drive(port: int, args, *, users: int, duration: float, think, links, staff, server) -> dict:
    """Run ``users`` (split over ``--processes``) for ``duration`` seconds; merged results."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = min(args.processes, users)
    start_at = time.time() + 1.0
    tasks = [
        {
            "port": port,
            "timeout": args.timeout,
            "seed": args.seed * 1000 + number,
            "start_at": start_at,
            "duration": duration,
            "users": users // processes + (1 if number < users % processes else 0),
            "think": think,
            "ramp_up": args.ramp_up,
            "links": list(links[number::processes]),
            "staff": list(staff) if number == 0 else [],
            "staff_every": args.staff_every,
        }
        for number in range(processes)
    ]
    workers = [context.Process(target=generator, args=(task, results)) for task in tasks]
    for worker in workers:
        worker.start()
    cpu = None
    if server is not None:
        time.sleep(max(0.0, start_at - time.time()))
        cpu_start = single.server_cpu_seconds(server)
    outcomes = [results.get() for _ in workers]
    if server is not None:
        cpu = single.server_cpu_seconds(server) - cpu_start
    for worker in workers:
        worker.join()
    merged = {
        "latencies": defaultdict(list),
        "errors": Counter(),
        "requests": 0,
        "journeys": [],
        "elapsed": max(outcome["elapsed"] for outcome in outcomes),
        "links_used_up": any(outcome["links_used_up"] for outcome in outcomes),
        "cpu": cpu,
    }
    for outcome in outcomes:
        for name, values in outcome["latencies"].items():
            merged["latencies"][name] += values
        merged["errors"] += outcome["errors"]
        merged["requests"] += outcome["requests"]
        merged["journeys"] += outcome["journeys"]
    return merged


# -- saturation: bench/answer.py's blocking client, as for its hello-world ------------------------


def saturated_client(port: int, links: list, seed: int, start_at: float, stop_at: float, results) -> None:
    """One client process: whole journeys back to back, without think time."""
    connection = single.Connection(port)
    rng = random.Random(seed)
    done: list[Journey] = []
    requests, errors = 0, Counter()

    def call(raw: bytes, expect: int, what: str):
        nonlocal requests
        requests += 1
        status, headers, body = connection.request(raw)
        if status != expect:
            errors[f"{what}: HTTP {status} (expected {expect})"] += 1
            raise Failed("status")
        return headers, body

    while time.time() < start_at:
        time.sleep(0.001)
    while links and time.time() < stop_at:
        path, invitation_id = links.pop()
        journey = Journey(path, invitation_id)
        done.append(journey)
        try:
            headers, page = call(single.get_request(path), 200, "welcome")
            cookie = single.session_cookie(headers)
            token = CSRF.search(page).group(1).decode()
            headers, _ = call(single.post_request(path, f"csrf_token={token}", cookie), 303, "start")
            cookie = single.session_cookie(headers)
            while time.time() < stop_at:
                headers, page = call(single.get_request("/svar", cookie), 200, "question")
                item = ITEM.search(page)
                if item is None:
                    journey.completed = THANK_YOU in page
                    break
                item = item.group(1).decode()
                score = rng.choice([int(value) for value in OPTION.findall(page)])
                token = CSRF.search(page).group(1).decode()
                form = f"csrf_token={token}&item={item}&value={score}"
                try:
                    headers, _ = call(single.post_request("/svar", form, cookie), 303, "answer")
                except (Failed, OSError):
                    journey.unacknowledged[item].append(score)
                    raise
                journey.acknowledged[item] = score
                if "set-cookie" in headers:
                    cookie = single.session_cookie(headers)
        except OSError as error:
            errors[f"connection ({type(error).__name__})"] += 1
        except Failed:
            pass
    results.put((requests, errors, [journey.summary() for journey in done], not links))


def saturate(port: int, clients: int, duration: float, links: list, server) -> dict:
    """Journeys/s, requests/s and answers/s of ``clients`` processes for ``duration`` seconds."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0
    processes = [
        context.Process(
            target=saturated_client,
            args=(port, links[number::clients], number, start_at, start_at + duration, results),
        )
        for number in range(clients)
    ]
    for process in processes:
        process.start()
    time.sleep(max(0.0, start_at - time.time()))
    cpu_start = single.server_cpu_seconds(server)
    outcomes = [results.get() for _ in processes]
    cpu = single.server_cpu_seconds(server) - cpu_start
    for process in processes:
        process.join()
    answers = sum(len(journey[1]) for outcome in outcomes for journey in outcome[2])
    return {
        "requests": sum(outcome[0] for outcome in outcomes) / duration,
        "answers": answers / duration,
        "errors": sum((outcome[1] for outcome in outcomes), Counter()),
        "journeys": [journey for outcome in outcomes for journey in outcome[2]],
        "links_used_up": any(outcome[3] for outcome in outcomes),
        "cpu_per_answer": cpu / max(answers, 1),
    }


# -- reporting and checking ------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_latencies(latencies: dict[str, list[float]]) -> None:
    print(f"  {'latency (ms)':<18}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    order = ["welcome", "start", "question", "answer", "login", "consultant home", "dashboard"]
    for kind in sorted(latencies, key=lambda k: order.index(k) if k in order else len(order)):
        values = latencies[kind]
        row = [percentile(values, share) * 1000 for share in (0.5, 0.95, 0.99)] + [max(values) * 1000]
        print(f"  {kind:<18}{len(values):>7}" + "".join(f"{value:>9.1f}" for value in row))


def check_database(database_path: str, journeys: list[tuple], items: int) -> list[str]:
    """Problems found: an acknowledged answer missing, stored twice or with another score; a wrong total."""
    problems = []
    from survey_app.db import connect

    database = connect(database_path)
    try:
        doubles = database.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM answer GROUP BY invitation_id, item_id HAVING COUNT(*) > 1) AS doubled"
        ).fetchone()[0]
        if doubles:
            problems.append(f"{doubles} answers stored more than once")
        for invitation_id, acknowledged, unacknowledged, completed in journeys:
            stored = dict(
                database.execute(
                    "SELECT item_id, score FROM answer WHERE invitation_id = ?", [invitation_id]
                ).fetchall()
            )
            for item, score in acknowledged.items():
                if stored.get(item) != score:
                    problems.append(
                        f"invitation {invitation_id} {item}: chose {score}, stored {stored.get(item)}"
                    )
            for item, score in stored.items():
                if item not in acknowledged and score not in unacknowledged.get(item, []):
                    problems.append(f"invitation {invitation_id} {item}: stored {score}, never sent")
            completed_at, total = database.execute(
                "SELECT completed_at, total_score FROM invitation WHERE id = ?", [invitation_id]
            ).fetchone()
            if len(stored) == items:
                if completed_at is None or total != sum(stored.values()):
                    problems.append(
                        f"invitation {invitation_id}: total {total}, answers add up to {sum(stored.values())}"
                    )
                if len(acknowledged) == items and total != sum(acknowledged.values()):
                    problems.append(
                        f"invitation {invitation_id}: total {total} is not the sum of the choices"
                    )
            elif completed_at is not None or total is not None:
                problems.append(f"invitation {invitation_id}: completed with {len(stored)} answers")
            if completed and completed_at is None:
                problems.append(f"invitation {invitation_id}: thank-you shown but not completed")
    finally:
        database.close()
    return problems


def print_errors(errors: Counter) -> None:
    if not errors:
        print("  errors: none")
        return
    print(f"  errors: {sum(errors.values())}")
    for kind, count in errors.most_common():
        print(f"    {count:>6}  {kind}")


def parse_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    values = (float(low), float(high or low))
    if not 0 <= values[0] <= values[1]:
        raise argparse.ArgumentTypeError(f"not a range of seconds: {text!r}")
    return values


def warm_up(port: int, links: list) -> None:
    """Until every worker has booted and answered a journey's pages once (not counted)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if single.Connection(port).request(single.get_request("/"))[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the app did not answer within 60 s")
        time.sleep(0.1)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.5
    clients = [
        context.Process(
            target=saturated_client, args=(port, links[n::4], n, start_at, start_at + 2.0, results)
        )
        for n in range(4)
    ]
    for client in clients:
        client.start()
    for _ in clients:
        results.get()
    for client in clients:
        client.join()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: .venv/bin/python bench/load.py  (about 1.5 minutes with the defaults)",
    )
    parser.add_argument("--users", type=int, default=200, help="participants answering at once (default 200)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument(
        "--participants", type=int, default=1000, help="participants with links for the load (default 1000)"
    )
    parser.add_argument(
        "--think",
        type=parse_range,
        default=(0.5, 2.0),
        metavar="MIN-MAX",
        help="seconds a participant takes before pressing a button, drawn evenly (default 0.5-2)",
    )
    parser.add_argument(
        "--ramp-up",
        type=float,
        default=5.0,
        help="seconds over which the participants begin, at random moments (default 5; 0: all at once)",
    )
    parser.add_argument(
        "--consultants", type=int, default=3, help="consultants loading /konsulent/ (default 3)"
    )
    parser.add_argument(
        "--evaluators", type=int, default=1, help="evaluators loading /evaluering/ (default 1)"
    )
    parser.add_argument(
        "--staff-every",
        type=float,
        default=2.0,
        help="mean seconds between a staff member's page loads (default 2)",
    )
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn workers (default 3, as in the README)"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1)")
    parser.add_argument(
        "--processes", type=int, default=2, help="processes generating the load of --users (default 2)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before a request counts as timed out"
    )
    parser.add_argument(
        "--saturation-rounds",
        type=int,
        default=3,
        help="rounds of hello-world then journeys without think time (default 3; 0 skips the comparison)",
    )
    parser.add_argument(
        "--saturation-duration", type=float, default=5.0, help="seconds per app and round (default 5)"
    )
    parser.add_argument(
        "--saturation-clients",
        type=int,
        default=8,
        help="client processes at saturation, each one request at a time (default 8, as bench/answer.py)",
    )
    parser.add_argument(
        "--saturation-participants",
        type=int,
        default=2000,
        help="further participants with links for the saturation rounds (default 2000)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the simulated choices")
    parser.add_argument(
        "--database",
        help="also run on PostgreSQL, after SQLite, in the same run: an empty database's"
        " postgresql://... address, or 'postgresql' for a throw-away cluster of Debian's PostgreSQL",
    )
    args = parser.parse_args()
    database = args.database
    cluster = None
    if database == "postgresql":
        cluster, database = throwaway_postgresql()
    try:
        results = [run(args, None)]
        if database:
            results.append(run(args, database))
    finally:
        if cluster is not None:
            cluster.stop()
    if len(results) == 2:
        print("\nSQLite and PostgreSQL in this run:")
        print(f"  {'':<36}{'SQLite':>12}{'PostgreSQL':>12}")
        for key in results[0]["summary"]:
            values = [result["summary"].get(key) for result in results]
            print(
                f"  {key:<36}"
                + "".join(
                    f"{value:>12.2f}" if isinstance(value, float) else f"{value!s:>12}" for value in values
                )
            )
    if any(result["failed"] for result in results):
        sys.exit(1)


def throwaway_postgresql():
    """A new cluster of Debian's PostgreSQL with its default durability (fsync and synchronous
    commit on), on a Unix socket in a temporary directory, and an empty database on it."""
    from tests.postgres_server import PostgresCluster, postgres_programs

    programs = postgres_programs()
    if programs is None:
        raise SystemExit("--database postgresql needs Debian's postgresql (apt-get install postgresql)")
    cluster = PostgresCluster(programs, durable=True).start()
    return cluster, cluster.new_database()


def run(args, database: str | None) -> dict:
    """One load run on a fresh database: SQLite in a temporary folder, or ``database``; its figures."""
    summary: dict = {}
    with tempfile.TemporaryDirectory(prefix="survey-load-") as tmp:
        tmp_path = Path(tmp)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SURVEY_APP_")},
            "SURVEY_APP_INSTANCE_PATH": str(tmp_path / "instance"),
            "SURVEY_APP_SECRET_KEY": secrets.token_urlsafe(32),
        }
        database_path = str(tmp_path / "instance" / "survey.db")
        if database:
            env["SURVEY_APP_DATABASE"] = database_path = database
        print(f"\n=== {'PostgreSQL' if database else 'SQLite'} ===", flush=True)
        warm = 200
        saturation = args.saturation_participants if args.saturation_rounds else 0
        total = warm + args.participants + saturation
        print(
            f"Preparing {total} participants with links, {args.consultants} consultants and"
            f" {args.evaluators} evaluators ...",
            flush=True,
        )
        began = time.monotonic()
        links, staff = prepare(env, total, args.consultants, args.evaluators)
        print(f"  ({time.monotonic() - began:.1f} s)")
        warm_links = links[:warm]
        load_links = links[warm : warm + args.participants]
        saturation_links = links[warm + args.participants :]
        from survey_app import PROJECT_ROOT
        from survey_app.questionnaires import load_file

        items = len(load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml").items)

        (tmp_path / "hello.py").write_text(single.HELLO_APP)
        survey_port = single.free_port()
        survey = single.start_gunicorn("wsgi:app", ROOT, survey_port, args, env)
        hello = None
        failed = False
        try:
            warm_up(survey_port, warm_links)
            print(
                f"Configuration: gunicorn {args.worker_class}, {args.workers} workers x {args.threads} threads;"
                f" {os.cpu_count()} cores, shared by the servers and the load generator",
                flush=True,
            )
            print(
                f"\nLoad: {args.users} participants at once (beginning over {args.ramp_up:g} s;"
                f" think {args.think[0]:g}-{args.think[1]:g} s),"
                f" {args.consultants} consultants and {args.evaluators} evaluators"
                f" (a page every ~{args.staff_every:g} s), {args.duration:g} s;"
                f" {args.processes} load processes (asyncio)",
                flush=True,
            )
            load = drive(
                survey_port,
                args,
                users=args.users,
                duration=args.duration,
                think=args.think,
                links=load_links,
                staff=staff,
                server=survey,
            )
            journeys = load["journeys"]
            completed = sum(1 for journey in journeys if journey[3])
            answers = sum(len(journey[1]) for journey in journeys)
            elapsed = load["elapsed"]
            print(
                f"  surveys completed: {completed} of {len(journeys)} begun"
                f" ({len(journeys) - completed} stopped half-way when the time was up or after an error)"
            )
            print(
                f"  requests: {load['requests']} in {elapsed:.1f} s ({load['requests'] / elapsed:.0f}/s);"
                f" answers saved: {answers} ({answers / elapsed:.0f}/s);"
                f" server CPU: {load['cpu']:.1f} s ({load['cpu'] / elapsed:.2f} of {os.cpu_count()} cores)"
            )
            if load["links_used_up"]:
                print("  (every prepared link was used: raise --participants for a longer run)")
            print_errors(load["errors"])
            print_latencies(load["latencies"])
            failed = bool(load["errors"])
            summary = {
                "completed": completed,
                "requests/s": load["requests"] / elapsed,
                "answers/s": answers / elapsed,
                "cores": load["cpu"] / elapsed,
                "answer p50 ms": percentile(load["latencies"]["answer"], 0.5) * 1000,
                "answer p95 ms": percentile(load["latencies"]["answer"], 0.95) * 1000,
                "dashboard p50 ms": percentile(load["latencies"].get("dashboard") or [0], 0.5) * 1000,
                "errors": sum(load["errors"].values())
                if isinstance(load["errors"], dict)
                else len(load["errors"]),
            }

            ratios = []
            if args.saturation_rounds:
                hello_port = single.free_port()
                hello = single.start_gunicorn("hello:app", tmp_path, hello_port, args, env)
                clients = args.saturation_clients
                print(
                    f"\nSaturation: {clients} client processes without think time (bench/answer.py's client),"
                    f" {args.saturation_rounds} rounds of {args.saturation_duration:g} s per app",
                    flush=True,
                )
                single.drive("hello", hello_port, clients, 1.0)  # warm-up, not counted
                per_round = len(saturation_links) // args.saturation_rounds
                for number in range(args.saturation_rounds):
                    hello_rate, _ = single.drive("hello", hello_port, clients, args.saturation_duration)
                    fresh = saturation_links[number * per_round : (number + 1) * per_round]
                    busy = saturate(survey_port, clients, args.saturation_duration, fresh, survey)
                    journeys += busy["journeys"]
                    ratios.append((busy["answers"] / hello_rate, busy["requests"] / hello_rate))
                    note = (
                        "  (links ran out: raise --saturation-participants)" if busy["links_used_up"] else ""
                    )
                    print(
                        f"  round {number + 1}: hello-world {hello_rate:5.0f} req/s | journeys"
                        f" {busy['requests']:5.0f} req/s = {busy['answers']:4.0f} answers/s"
                        f" ({busy['cpu_per_answer'] * 1000:.2f} ms server CPU per answer and its next page)"
                        f" | ratio answers/hello {ratios[-1][0]:.2f}, requests/hello {ratios[-1][1]:.2f}{note}",
                        flush=True,
                    )
                    if busy["errors"]:
                        print_errors(busy["errors"])
                        failed = True

            print("\nDatabase check:")
            problems = check_database(database_path, journeys, items)
            acknowledged = sum(len(journey[1]) for journey in journeys)
            if problems:
                failed = True
                print(f"  {len(problems)} PROBLEMS, e.g.:")
                for problem in problems[:20]:
                    print(f"    {problem}")
            else:
                print(
                    f"  all {acknowledged} acknowledged answers of {len(journeys)} participants are stored once"
                    f" with the score chosen; nothing is stored that was not sent;"
                    f" {sum(1 for j in journeys if j[3])} completed invitations carry the right total"
                )
            summary["database problems"] = len(problems)
            if ratios:
                answer_ratio = statistics.median(r[0] for r in ratios)
                summary["saturated answers/s ÷ hello req/s"] = answer_ratio
                request_ratio = statistics.median(r[1] for r in ratios)
                verdict = "meets" if answer_ratio >= 0.5 else "MISSES"
                print(
                    f"\nRatio of answers/s to hello-world requests/s (median of rounds): {answer_ratio:.2f}"
                    f" ({verdict} the target of 0.5). Without JavaScript an answer is a POST and the GET of"
                    f" the next question; journey requests/s to hello-world requests/s: {request_ratio:.2f}."
                )
        finally:
            for process in (survey, hello):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
        return {"summary": summary, "failed": failed}


if __name__ == "__main__":
    main()
