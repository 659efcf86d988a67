"""The layers of the package hold: domain and pure code import neither Flask nor the edges.

``web/`` (everything that needs a request), ``cli/`` (the commands) and ``context.py`` (what the
running app gives both) are the edges; ``__init__.py`` builds the app from them. Every other module
takes the database and the questionnaires as arguments, so it runs in a test, a command or a
benchmark alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from survey_app import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "survey_app"
EDGES = ("survey_app.web", "survey_app.cli", "survey_app.context", "survey_app.send_due")
FRAMEWORK = ("flask", "flask_babel", "flask_login", "flask_limiter", "flask_wtf", "werkzeug", "wtforms")
# Werkzeug's password hashing needs no request: accounts.py stores passwords with it.
ALLOWED = ("werkzeug.security",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_edge(name: str) -> bool:
    return name == "survey_app" or any(name == edge or name.startswith(edge + ".") for edge in EDGES)


def imported(path: Path, name: str | None = None) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, as absolute names
    (``name``: the module the file is read as, by default the one it is)."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            source = node.module
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            found.add(source)
            found |= {f"{source}.{alias.name}" for alias in node.names}
    return found


DOMAIN = sorted(path for path in PACKAGE.rglob("*.py") if not is_edge(module_name(path)))


def wrong_imports(path: Path, name: str | None = None) -> list[str]:
    return sorted(
        found
        for found in imported(path, name)
        if (found.split(".")[0] in FRAMEWORK and not found.startswith(ALLOWED))
        or (found != "survey_app" and found.startswith("survey_app") and is_edge(found))
    )


def test_the_layers_are_where_the_tree_says():
    names = {module_name(path) for path in DOMAIN}
    assert {"survey_app.participants", "survey_app.reporting.cube", "survey_app.messaging.outbox"} <= names
    assert not names & {"survey_app.web.participant.routes", "survey_app.cli.admin", "survey_app.context"}


@pytest.mark.parametrize("path", DOMAIN, ids=module_name)
def test_domain_and_pure_modules_import_no_flask_and_no_edge(path):
    assert not wrong_imports(path), f"{module_name(path)} imports {wrong_imports(path)}"


def test_the_check_finds_a_flask_import_and_an_edge_import(tmp_path):
    probe = tmp_path / "cube.py"
    source = (PACKAGE / "reporting" / "cube.py").read_text()
    assert not wrong_imports(PACKAGE / "reporting" / "cube.py")
    probe.write_text(
        source
        + "\n\ndef late():\n    from flask import current_app\n    from ..web import auth\n    from .. import context\n"
    )
    assert wrong_imports(probe, "survey_app.reporting.cube") == [
        "flask",
        "flask.current_app",
        "survey_app.context",
        "survey_app.web",
        "survey_app.web.auth",
    ]


def test_only_benchmarks_and_tests_make_data_without_an_audit_row():
    """``audit.SEED`` writes no audit row: the product's own code never passes it."""
    users = sorted(module_name(path) for path in PACKAGE.rglob("*.py") if "SEED" in path.read_text())
    assert users == ["survey_app.audit"]
