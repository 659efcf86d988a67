"""Two app servers on one PostgreSQL database, as docs/production.md sets them up: participants
answering through both at once, each phone's requests going to either server in turn, while two
``send-due`` runs start at the same moment. No acknowledged answer is lost or stored twice, every
total is right, and every SMS reaches the gateway exactly once."""

from __future__ import annotations

import re
import secrets
from collections import Counter

import pytest

from survey_app.db import connect, migrate
from tests.functional.test_faults import (
    ALL_DAY,
    Load,
    check_database,
    due_participants,
    messages,
    prepare,
    references,
    send_due,
    wait_until,
)
from tests.gunicorn import Phone, app_environment, running_gunicorn
from tests.postgres_server import postgres_cluster_fixture  # noqa: F401  (the fixture postgres_cluster)
from tests.servers import SmsGateway

pytestmark = pytest.mark.slow  # gunicorn servers: left out of the everyday run


class EitherServer(Phone):
    """A phone whose requests go to one server, then the other (one cookie jar: the load balancer
    does not keep a phone on one server)."""

    def __init__(self, ports: list[int], start: int):
        super().__init__(ports[0])
        self.ports, self.turn = ports, start

    def request(self, method, path, form=None):
        self.port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        return super().request(method, path, form)


def test_two_servers_on_one_postgresql_lose_no_answer_and_send_nothing_twice(postgres_cluster, tmp_path):
    url = postgres_cluster.new_database()
    migrate(url)
    with SmsGateway() as gateway:
        key = secrets.token_urlsafe(32)
        envs = [
            app_environment(
                tmp_path / name, DATABASE=url, SECRET_KEY=key, SMS_WINDOW=ALL_DAY, **gateway.config()
            )
            for name in ("a", "b")
        ]
        for env in envs:
            (tmp_path / env["SURVEY_APP_INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
        links = prepare(envs[0], 24)
        due_participants(envs[0], 12)
        gateway.delay = 0.05  # each SMS takes a moment, so the two runs overlap
        with (
            running_gunicorn(envs[0], tmp_path / "a.log", workers=2) as first,
            running_gunicorn(envs[1], tmp_path / "b.log", workers=2) as second,
        ):
            load = Load(first.port, links, threads=6)
            for number, journey in enumerate(load.journeys):
                journey.phone = EitherServer([first.port, second.port], number)
            load.start()
            load.wait_for(40)
            runs = [send_due(env, tmp_path / f"send-due-{n}.log") for n, env in enumerate(envs)]
            assert [run.wait(90) for run in runs] == [0, 0], [
                (tmp_path / f"send-due-{n}.log").read_text() for n in range(2)
            ]
            outputs = [(tmp_path / f"send-due-{n}.log").read_text() for n in range(2)]
            # One run planned and sent the twelve; the other found it running and stood aside, or
            # came after it and found nothing left.
            created = [int(m) for out in outputs for m in re.findall(r"Oprettet: (\d+) invitationer", out)]
            skipped = sum("denne kørsel springes over" in out for out in outputs)
            assert sorted(created) in ([12], [0, 12]) and len(created) + skipped == 2, outputs
            load.wait_for(len(links) * 8, timeout=120)
            load.stop()
            assert not load.failures, load.failures[:3]
        wait_until(lambda: len(gateway.requests) >= 12, what="twelve SMS at the gateway")
    check_database(url, load.journeys)
    assert all(journey.finished for journey in load.journeys)
    states = messages(url)
    invitations_sent = {mid for mid, (status, _) in states.items() if status == "sent"}
    assert len(invitations_sent) == 12, states
    # Every SMS once at the gateway, whichever run sent it.
    assert references(gateway) == Counter(dict.fromkeys(invitations_sent, 1))
    db = connect(url)
    try:
        assert (
            db.execute("SELECT COUNT(*) FROM message GROUP BY dedupe_key HAVING COUNT(*) > 1").fetchall()
            == []
        )
        assert (
            db.execute("SELECT COUNT(*) FROM invitation WHERE completed_at IS NOT NULL").fetchone()[0] >= 24
        )
    finally:
        db.close()
