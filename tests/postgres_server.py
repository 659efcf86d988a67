"""Debian's PostgreSQL as a throw-away cluster owned by the test run.

:class:`PostgresCluster` makes a new cluster in a directory of its own (``initdb``, C collation so
text compares byte by byte as in SQLite), starts it listening on a Unix socket in that directory
only (no TCP port at all), and removes it when stopped. Nothing it writes needs to survive the
run, so it runs without fsync. PostgreSQL refuses to run as root; tests here run as root, so the
cluster's programs run as Debian's ``postgres`` user, and the directory is given to it.

The fixture ``postgres_cluster`` (one per test session) skips locally when PostgreSQL (Debian's
``postgresql`` package) or psycopg (the ``test`` extra) is missing; in CI (``CI=true``) that is a
failure, never a skip. :meth:`PostgresCluster.new_database` makes an empty database and returns its
``postgresql://`` address for ``DATABASE``.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def postgres_programs() -> Path | None:
    """The directory of Debian's initdb and pg_ctl (the newest version installed), or None."""
    from survey_app.postgres import debian_programs

    return debian_programs()


class PostgresCluster:
    def __init__(self, programs: Path, *, durable: bool = False):
        """``durable``: PostgreSQL's own defaults (fsync, synchronous commit), as a benchmark wants."""
        self.programs = programs
        self.durable = durable
        # Not under pytest's tmp_path: that is private to root, and the cluster runs as postgres.
        self.directory = Path(tempfile.mkdtemp(prefix="survey-app-pg-"))
        self.data = self.directory / "data"
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.programs / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, cwd=self.directory)

    def start(self) -> PostgresCluster:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = f"-k {self.directory} -c listen_addresses='' -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start"
        )
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.directory}"

    def new_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its address."""
        import psycopg

        name = f"t_{secrets.token_hex(6)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
            admin.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                ["runuser", "-u", self.user, "--"] * bool(self.user)
                + [str(self.programs / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
            )
        shutil.rmtree(self.directory, ignore_errors=True)


_shared: dict[str, object] = {}


def shared_database() -> str:
    """A new database for one test, copied from one migrated once per run, on a cluster started
    at the first call and stopped when the run ends (for ``SURVEY_APP_TEST_DATABASE=postgresql``)."""
    import atexit

    from survey_app.db import migrate

    if "cluster" not in _shared:
        programs = postgres_programs()
        if programs is None:
            _missing("PostgreSQL is not installed (apt-get install postgresql)")
        cluster = PostgresCluster(programs).start()
        atexit.register(cluster.stop)
        template = cluster.new_database()
        migrate(template)
        _shared["cluster"], _shared["template"] = cluster, template.split("@/", 1)[1].split("?")[0]
    return _shared["cluster"].new_database(template=_shared["template"])


def _missing(why: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why}, and the PostgreSQL tests must run in CI")
    pytest.skip(f"{why}; PostgreSQL tests skipped locally")


@pytest.fixture(scope="session", name="postgres_cluster")
def postgres_cluster_fixture():
    programs = postgres_programs()
    if programs is None:
        _missing("PostgreSQL is not installed (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("psycopg is not installed (pip install -e '.[test]')")
    cluster = PostgresCluster(programs).start()
    try:
        yield cluster
    finally:
        cluster.stop()
