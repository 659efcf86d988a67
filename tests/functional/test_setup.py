"""Start-up: instance config with a generated secret, migrations, refusing weak secrets."""

import os
import re
import secrets
import sqlite3
import subprocess
import sys

import pytest

from survey_app import PROJECT_ROOT, create_app

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out


def run_app_in(instance: str, env_extra=None):
    """Start the real app factory in a child process, with its own instance folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_APP_")}
    env |= {"SURVEY_APP_INSTANCE_PATH": instance, **(env_extra or {})}
    code = (
        "from survey_app import create_app; app = create_app();"
        "print(app.config['DATABASE']); print(app.config['LINK_VALID_DAYS'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT
    )


def test_first_start_creates_secret_config_and_database(tmp_path):
    instance = tmp_path / "instance"
    first = run_app_in(str(instance))
    assert first.returncode == 0, first.stderr
    assert "Første start" in first.stderr
    config = (instance / "config.py").read_text()
    assert "SECRET_KEY = '" in config
    assert oct((instance / "config.py").stat().st_mode & 0o777) == "0o600"
    secret = re.search(r"^SECRET_KEY = '([^']+)'$", config, re.M).group(1)
    assert len(secret) >= 60
    database = first.stdout.splitlines()[0]
    assert database == str(instance / "survey.db")
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"participant", "invitation", "answer", "municipality"} <= tables
        assert conn.execute("SELECT count(*) FROM municipality").fetchone()[0] == 98
    second = run_app_in(str(instance))
    assert second.returncode == 0 and "Første start" not in second.stderr
    assert (instance / "config.py").read_text() == config  # the key is not replaced


def test_another_instance_gets_another_secret(tmp_path):
    run_app_in(str(tmp_path / "a"))
    run_app_in(str(tmp_path / "b"))
    assert (tmp_path / "a" / "config.py").read_text() != (tmp_path / "b" / "config.py").read_text()


def test_environment_overrides_instance_config(tmp_path):
    result = run_app_in(str(tmp_path / "i"), env_extra={"SURVEY_APP_LINK_VALID_DAYS": "30"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "30"


def documented_example_keys() -> set[str]:
    """Every value given to SECRET_KEY in README.md, docs/ and deploy/ (env lines and config.py lines)."""
    files = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "Dockerfile"]
    files += [
        path for folder in ("docs", "deploy") for path in (PROJECT_ROOT / folder).rglob("*") if path.is_file()
    ]
    found = set()
    for path in files:
        if path.exists():
            text = path.read_text(encoding="utf-8")
            found |= set(re.findall(r"SECRET_KEY\s*=\s*['\"]?([^\s'\"]+)", text))
    return found


def test_the_documented_example_keys_are_found():
    assert "replace-with-a-generated-key" in documented_example_keys()  # deploy/env.example


@pytest.mark.parametrize(
    "secret",
    [
        "dev",
        "",
        None,
        "secret",
        "x" * 31,
        " Replace-With-A-Generated-Key ",
        *sorted(documented_example_keys()),
    ],
)
@pytest.mark.parametrize("testing", [False, True])
def test_a_missing_short_or_published_secret_is_refused(tmp_path, secret, testing):
    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        create_app({"TESTING": testing, "SECRET_KEY": secret, "DATABASE": str(tmp_path / "db.sqlite")})
    assert "secrets.token_urlsafe(32)" in str(refused.value)  # says how to make a good one
    assert not (tmp_path / "db.sqlite").exists()  # refused before anything is created


def test_the_env_example_placeholder_does_not_start_the_app(tmp_path):
    """The attack: a server started with deploy/env.example's key as it stands."""
    result = run_app_in(
        str(tmp_path / "i"), env_extra={"SURVEY_APP_SECRET_KEY": "replace-with-a-generated-key"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "token_urlsafe" in result.stderr
    assert not (tmp_path / "i" / "survey.db").exists()


def test_a_generated_key_of_32_characters_starts_the_app(tmp_path):
    app = create_app({"SECRET_KEY": secrets.token_urlsafe(24), "DATABASE": str(tmp_path / "db.sqlite")})
    assert len(app.config["SECRET_KEY"]) == 32


def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO participant (code, municipality_code, baseline_date, created_at)"
            " VALUES ('X', '999', '2025-01-01', '2025-01-01')"
        )


def test_region_as_of_a_date(db):
    sql = (
        "SELECT region.name FROM municipality_region JOIN region ON region.id = region_id"
        " WHERE municipality_code = ? AND municipality_region.valid_from <= ?"
        " AND (municipality_region.valid_to IS NULL OR municipality_region.valid_to >= ?)"
    )
    assert [r["name"] for r in db.query(sql, ["259", "2026-12-31", "2026-12-31"])] == ["Region Sjælland"]
    assert [r["name"] for r in db.query(sql, ["259", "2027-01-01", "2027-01-01"])] == ["Region Østdanmark"]
    assert [r["name"] for r in db.query(sql, ["851", "2027-06-01", "2027-06-01"])] == ["Region Nordjylland"]


def test_bad_questionnaire_file_fails_at_start(tmp_path):
    shipped = tmp_path / "questionnaires"
    shipped.mkdir()
    text = (PROJECT_ROOT / "questionnaires" / "csq8.toml").read_text(encoding="utf-8")
    (shipped / "csq8.toml").write_text(
        text.replace('{ score = 3, label = { da = "God"', '{ score = 2, label = { da = "God"'),
        encoding="utf-8",
    )
    with pytest.raises(Exception) as raised:
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x" * 32,
                "DATABASE": str(tmp_path / "db.sqlite"),
                "QUESTIONNAIRES_DIR": str(shipped),
            }
        )
    assert f"{shipped / 'csq8.toml'}: item csq_1: scores must cover 1..4" in str(raised.value)
