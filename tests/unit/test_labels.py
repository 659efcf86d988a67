"""Every value staff can read has a label: audit actions, their detail keys, message kinds and statuses.

The actions and detail keys are read from the code (every ``audit.record`` and ``log_action`` call),
the kinds and statuses from the outbox table's CHECK constraints of a freshly migrated database, so
a new action, key, kind or status without a label fails here.
"""

from __future__ import annotations

import ast
import re

import pytest

from survey_app import PROJECT_ROOT, labels
from survey_app.db import connect, migrate

PACKAGE = PROJECT_ROOT / "survey_app"


def _calls():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                function = node.func
                name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
                yield path, name, node


def recorded_actions() -> dict[str, str]:
    """Every action written to the audit log, with a file that writes it."""
    found = {}
    for path, name, node in _calls():
        if name == "record" and len(node.args) >= 2:
            action = node.args[1]
        elif name == "log_action" and node.args:
            action = node.args[0]
        else:
            continue
        if isinstance(action, ast.Constant) and isinstance(action.value, str):
            found.setdefault(action.value, str(path.relative_to(PROJECT_ROOT)))
        else:
            # log_action passes its own argument on; every other call names its action.
            assert path.name == "__init__.py" and "auth" in path.parts, f"{path}: action is not a literal"
    return found


def _dict_keys(node) -> set[str]:
    return {key.value for key in getattr(node, "keys", []) if isinstance(key, ast.Constant)}


def detail_keys() -> set[str]:
    """Keys of every details dict written in a call, plus those of the functions that build them."""
    keys = set()
    builders = {"describe", "import_detail"}
    for _path, name, node in _calls():
        if name in ("record", "log_action"):
            for keyword in node.keywords:
                if keyword.arg == "detail":
                    keys |= _dict_keys(keyword.value)
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in builders:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Dict):
                        keys |= _dict_keys(inner.value)
            # detail = {...}; detail["x"] = ... beside a record call
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "detail" for t in node.targets
            ):
                keys |= _dict_keys(node.value)
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "detail"
                        and isinstance(target.slice, ast.Constant)
                    ):
                        keys.add(target.slice.value)
    return keys


def test_the_scan_finds_the_actions_it_should():
    actions = recorded_actions()
    # A few written in each way: a domain function, a view's log_action, a command.
    assert {"link_created", "fidelity_reviews_imported", "template_changed", "password_link_created"} <= set(
        actions
    )
    assert {"report_unsuppressed", "link_shown", "login_failed"} <= set(actions)
    assert len(actions) >= 25


def test_every_recorded_action_has_a_label():
    missing = {
        action: where for action, where in recorded_actions().items() if action not in labels.AUDIT_ACTION
    }
    assert not missing, f"add these to labels.AUDIT_ACTION: {missing}"


def test_every_detail_key_has_a_label():
    keys = detail_keys()
    assert {"added", "unchanged", "municipalities", "deadline", "fields", "before", "changed_items"} <= keys
    missing = sorted(keys - set(labels.DETAIL_KEY) - labels.HIDDEN_DETAIL_KEYS)
    assert not missing, f"add these to labels.DETAIL_KEY: {missing}"


def _allowed(schema: str, column: str) -> set[str]:
    match = re.search(rf"CHECK \({column} IN \(([^)]*)\)\)", schema)
    assert match, f"no CHECK on {column}"
    return set(re.findall(r"'([^']+)'", match.group(1)))


@pytest.fixture(scope="module")
def message_schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("labels") / "survey.db"
    migrate(path)
    db = connect(path)
    try:
        return db.execute("SELECT sql FROM sqlite_master WHERE name = 'message'").fetchone()[0]
    finally:
        db.close()


def test_every_message_kind_and_status_the_outbox_allows_has_a_label(message_schema):
    kinds, statuses = _allowed(message_schema, "kind"), _allowed(message_schema, "status")
    assert {"invitation", "round_reminder"} <= kinds and {"pending", "cancelled"} <= statuses
    assert kinds <= set(labels.MESSAGE_KIND), kinds - set(labels.MESSAGE_KIND)
    assert statuses <= set(labels.MESSAGE_STATUS), statuses - set(labels.MESSAGE_STATUS)
    assert set(labels.CHANNEL) == _allowed(message_schema, "channel")


def test_round_and_participant_values_have_labels():
    from survey_app import rounds
    from survey_app.participants import CHECKED_FIELDS

    assert {rounds.ANSWERED, rounds.OPENED, rounds.NOT_OPENED} == set(labels.ROUND_TEAM_STATUS)
    assert set(CHECKED_FIELDS) <= set(labels.PARTICIPANT_FIELD)


def test_details_become_labelled_items_in_a_fixed_order():
    items = labels.detail_items('{"unchanged": 1, "added": 3, "municipality_name": "Køge", "zz_new": 2}')
    assert [(item.key, item.label, item.kind, item.value) for item in items] == [
        ("added", "Added", labels.NUMBER, 3),
        ("unchanged", "Unchanged", labels.NUMBER, 1),
        ("zz_new", "zz new", labels.TEXT, 2),
    ]
    nested = labels.detail_items({"before": {"total": 80}})
    assert nested[0].kind == labels.NESTED and nested[0].value[0].value == 80
    assert labels.detail_items("not json") == "not json"
    assert labels.detail_items(None) == [] and labels.detail_items("") == []


def test_targets_split_into_kind_and_references():
    assert labels.split_target("participant:12:P-001") == ("participant", ["12", "P-001"])
    assert labels.split_target("user:3") == ("user", ["3"])
    assert labels.split_target(None) is None
