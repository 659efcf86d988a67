"""Command-line interface: ``flask --app survey_app <command>`` (or ``survey-app <command>``).

Commands print in Danish, write nothing when an input is wrong, and exit
with status 1 and a message saying what to fix. One module per audience:
``consultant`` (participants, links), ``admin`` (users, rounds, teams),
``evaluator`` (reports, exports, fidelity reviews) and ``operations``
(the timer's ``send-due``, the outbox, purging, the database, catalogues).
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from . import admin, consultant, evaluator, operations

COMMANDS = (
    consultant.participants_command,
    consultant.invite_command,
    admin.users_command,
    admin.rounds_command,
    admin.teams_command,
    evaluator.report_command,
    evaluator.funnel_command,
    evaluator.export_command,
    evaluator.fidelity_command,
    operations.send_due_command,
    operations.outbox_command,
    operations.purge_contacts_command,
    operations.retention_command,
    operations.init_db_command,
    operations.backup_command,
    operations.translations_command,
)


def init_app(app) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def main() -> None:
    """``survey-app``: the same commands as ``flask --app survey_app``."""
    from .. import create_app

    FlaskGroup(create_app=create_app)()
