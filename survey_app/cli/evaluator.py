"""The evaluator's commands: reports and exports."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext

from .. import (
    audit,
    context,
    exports,
    fidelity,
    formatting,
    importing,
    reporting,
    safe_csv,
)
from ..context import (
    fidelity_scales,
    get_db,
)
from ..db import transaction
from ..exports.syntax import SYNTAXES, syntax_text
from ..languages import N_
from ..questionnaires import PARTICIPANT_QUESTIONNAIRE
from ..reporting import cube, disclosure
from .shared import DanishError, counted, parse_date_option, questionnaire_or_fail

# The table's headings: the msgids of the dashboard's column headings, translated like the page.
REPORT_COLUMNS = (
    ("group", N_("Group")),
    ("eligible", N_("Eligible")),
    ("invited", N_("Invited")),
    ("opened", N_("Opened")),
    ("partial", N_("Partial")),
    ("completed", N_("Completed")),
    ("response_rate", N_("Response rate")),
    ("rr_ci", N_("CI")),
    ("csq_n", "N"),
    ("csq_mean", N_("Mean")),
    ("csq_ci", N_("CI")),
    ("csq_sd", "SD"),
)

# The CSV's rates, means and intervals as the table shows them (Danish, rates with one decimal);
# ``--format json`` keeps every figure unrounded for further analysis.
RATE_KEYS = ("response_rate", "response_rate_2", "rr_ci_low", "rr_ci_high")
SCORE_KEYS = ("csq_mean", "csq_sd", "csq_ci_low", "csq_ci_high")


# Options the report and the funnel share.
region_basis_option = click.option(
    "--region-basis",
    type=click.Choice(reporting.REGION_BASES),
    default="baseline",
    show_default=True,
    help="Region as of each participant's baseline date, or as of today.",
)
no_suppress_option = click.option(
    "--no-suppress",
    is_flag=True,
    help="Show small counts too (for your own analysis; written to the audit log).",
)


@click.command("report")
@with_appcontext
@click.option(
    "--by",
    "by",
    required=True,
    help="Grouping of the rows: region, cluster, municipality, period (quarter of the course start),"
    " fidelity-band (the municipality's fidelity review closest to the follow-up date) or org-item-N"
    " (the answer to item N of the organisation questionnaire round closest to it), channel (the first"
    " contact's channel) or contact (the last contact before the completion).",
)
@click.option(
    "--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--period",
    default="",
    help="Course starts in this year (2025), half-year (2025H1) or quarter (2025K3); default: all.",
)
@click.option("--from", "start", help="First baseline date included, YYYY-MM-DD (only with --no-suppress).")
@click.option("--to", "end", help="Last baseline date included, YYYY-MM-DD (only with --no-suppress).")
@click.option("--questionnaire", "questionnaire_id", default=PARTICIPANT_QUESTIONNAIRE, show_default=True)
@region_basis_option
@no_suppress_option
def report_command(by, output, period, start, end, questionnaire_id, region_basis, no_suppress):
    """Response rates and scores per region, cluster, municipality or period (Tabel 3).

    Counts below SUPPRESSION_THRESHOLD (5) are hidden ("<5"), figures that
    would reveal one are hidden too ("×"), and rates and means computed from
    a hidden figure ("–"); the marks are written in the table and in CSV
    cells. JSON is a list of objects with the keys group, eligible, invited,
    opened, partial, completed, response_rate, csq_n, csq_mean, csq_sd, csq_ci_low,
    csq_ci_high, rr_ci_low, rr_ci_high (95 % intervals), response_rate_2, csq_median
    (hidden ones null), suppressed and hidden (the mark of each hidden key);
    the last object is the Total, which alone has csq_mean_adjusted and
    csq_n_effective (the non-response-adjusted mean and its effective sample
    size; null in the groups and when the mean is hidden). Day-level ranges (--from/--to) only with
    --no-suppress.
    """
    questionnaire = questionnaire_or_fail(questionnaire_id)
    if not cube.valid_period(period):
        raise DanishError("--period skal være et år (2025), et halvår (2025H1) eller et kvartal (2025K3).")
    if (start or end) and not no_suppress:
        raise DanishError(
            "--from og --to kan kun bruges med --no-suppress: to perioder, der kun adskiller sig med få dage,"
            " ville afsløre de deltagere, der startede i de dage. Brug --period."
        )
    known = context.report_groupings()
    if by not in known:
        raise DanishError(f"Ukendt gruppering {by!r}. Mulige: {', '.join(known)}.")
    query = context.report_query(
        questionnaire.id,
        period=period,
        start=parse_date_option(start, "--from"),
        end=parse_date_option(end, "--to"),
        region_basis=region_basis,
    )
    if query.start and query.end and query.start > query.end:
        raise DanishError("--from skal ligge før --to.")
    db = get_db()
    try:
        result = context.build_report(query, by, suppress=not no_suppress, adjust=output == "json")
    except reporting.PeriodNotOffered as error:
        offered = ", ".join(period for period in error.offered if period) or "ingen"
        raise DanishError(
            f"Perioden {error.period} kan ikke vælges: ingen deltagere med forløbsstart i den har nået"
            f" opfølgningen. Mulige perioder: {offered}."
        ) from None
    if no_suppress:
        with transaction(db):
            audit.record(
                db,
                "report_unsuppressed",
                actor="cli",
                detail={
                    "by": by,
                    "questionnaire": questionnaire.id,
                    "period": period,
                    "from": start,
                    "to": end,
                    "region_basis": region_basis,
                },
            )
    rows = result.json_rows()
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif output == "csv":
        buffer = io.StringIO()
        writer = safe_csv.writer(buffer, lineterminator="\n")  # a group named "=…" stays text
        columns = [key for key in rows[0] if key != "hidden"]
        writer.writerow(columns)
        for row in rows:
            marks = row["hidden"]
            writer.writerow([marks.get(column) or _csv_cell(column, row[column]) for column in columns])
        click.echo(buffer.getvalue(), nl=False)
    else:
        _echo_report_table(result, rows, questionnaire)


def _csv_cell(key: str, value):
    if key in RATE_KEYS:
        return formatting.rate(value, hidden="")
    if key in SCORE_KEYS:
        return formatting.number(value, 2, hidden="")
    if key == "csq_median":
        return formatting.number(value, 1, hidden="")
    return value


def _echo_report_table(result, rows: list[dict], questionnaire) -> None:
    hidden = formatting.hidden_text(result.threshold)

    def cell(row, key):
        value = row.get(key)
        if key == "group":
            return str(value)
        if key in ("rr_ci", "csq_ci"):
            low, high = f"{key}_low", f"{key}_high"
            mark = row["hidden"].get(low) or row["hidden"].get(high)
            kind = "rate" if key == "rr_ci" else "number"
            return mark or formatting.interval(row[low], row[high], kind, hidden="–")
        if key == "response_rate":
            return formatting.rate(value, hidden="–")
        if key in ("csq_mean", "csq_sd"):
            return formatting.number(value, 2, hidden="–")
        return formatting.count(value, hidden=hidden)

    table = [[gettext(title) for _, title in REPORT_COLUMNS]]
    table += [[row["hidden"].get(key) or cell(row, key) for key, _ in REPORT_COLUMNS] for row in rows]
    for reference in questionnaire.references:
        label = reference.label.get("da")
        table.append(
            [
                label,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                formatting.number(reference.mean, 2),
                "",
                formatting.number(reference.sd, 2, hidden=""),
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(REPORT_COLUMNS))]
    for line in table:
        click.echo(
            "  ".join(
                text.ljust(width) if i == 0 else text.rjust(width)
                for i, (text, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
    if result.suppressed and any(row["suppressed"] for row in rows):
        click.echo(
            f"\n{hidden}: færre end {result.threshold} deltagere. ×: skjult, selv om tallet er mindst"
            f" {result.threshold}, fordi det ville afsløre en mindre gruppe. –: beregnet af et skjult tal."
        )


@click.command("export")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), help="File format.")
@click.option(
    "--syntax",
    type=click.Choice(sorted(SYNTAXES)),
    help="Instead of data: an R, SPSS or Stata script that prints Tabel 3 from the participant-level export.",
)
@click.option("--questionnaire", "questionnaire_id", default=PARTICIPANT_QUESTIONNAIRE, show_default=True)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The file to write."
)
@click.option("--excel-da", is_flag=True, help="CSV for Danish Excel: semicolon and decimal comma.")
@click.option(
    "--level",
    type=click.Choice(exports.LEVELS),
    default=exports.INVITATION,
    show_default=True,
    help="One row per invitation, or one per eligible participant.",
)
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="--level participant: after the eligible, every other registered participant not withdrawn.",
)
def export_command(fmt, syntax, questionnaire_id, out, excel_da, level, include_all):
    """Export one row per invitation (no contact details) with a Danish codebook.

    CSV is UTF-8 with BOM, its codebook written beside it as
    <name>_kodebog.csv; xlsx has the sheets Data and Kodebog; sav (SPSS) and
    dta (Stata) carry variable and value labels and need the extra
    'stats' (pip install -e '.[stats]'). Withdrawn participants are left out.
    """
    if syntax is not None:
        if fmt is not None:
            raise DanishError("Brug enten --format eller --syntax, ikke begge.")
        try:
            out.write_text(syntax_text(syntax), encoding="utf-8")
        except OSError as error:
            raise DanishError(f"Kan ikke skrive {out}: {error.strerror or error}.") from None
        click.echo(f"Syntaks til Tabel 3 skrevet til {out}.")
        return
    if fmt is None:
        raise DanishError("Angiv --format (csv, xlsx, sav eller dta) eller --syntax (r, sps eller do).")
    questionnaire = questionnaire_or_fail(questionnaire_id)
    if excel_da and fmt != "csv":
        raise DanishError("--excel-da gælder kun --format csv.")
    if include_all and level != exports.PARTICIPANT:
        raise DanishError("--all gælder kun --level participant.")
    db = get_db()
    source = questionnaire
    if level == exports.PARTICIPANT:
        source = context.participant_export(questionnaire, include_all=include_all)
    try:
        rows = exports.write_export(db, source, fmt, out, excel_da=excel_da)
    except exports.ExportError as error:
        raise DanishError(str(error)) from None
    except OSError as error:
        raise DanishError(f"Kan ikke skrive {out}: {error.strerror or error}.") from None
    with transaction(db):
        audit.record(
            db,
            "export",
            actor="cli",
            detail={
                "format": fmt,
                "questionnaire": questionnaire.id,
                "rows": rows,
                "file": out.name,
                "excel_da": excel_da,
                # The invitation level's entry is as it was before the participant level existed.
                **({"level": level, "all": include_all} if level == exports.PARTICIPANT else {}),
            },
        )
    click.echo(f"{rows} rækker skrevet til {out}.")
    if fmt == "csv":
        click.echo(f"Kodebog skrevet til {exports.codebook_path(out)}.")


@click.group("fidelity", cls=AppGroup)
def fidelity_command():
    """Fidelity reviews of the municipalities' IPS services."""


@fidelity_command.command("import")
@click.argument("file", type=click.File("rb"))
def import_command(file):
    """Import fidelity reviews from a CSV FILE: all rows or none.

    One review per row. Columns: kommune (code or name), dato, skala
    (IPS-25 or IPS-15), bedømmere, then one column per item id (s1, s2, …);
    comma or semicolon separated, UTF-8 or Excel's Windows-1252. A row equal
    to a stored review is left alone, so importing a file twice changes
    nothing.
    """
    db = get_db()
    result = fidelity.parse_csv(db, file.read(fidelity.MAX_CSV_BYTES + 1), fidelity_scales())
    if result.errors:
        for line in importing.error_report(result.errors, gettext):
            click.echo(f"Fejl: {line}", err=True)
        click.echo("Intet er importeret. Ret linjerne og kør kommandoen igen.", err=True)
        sys.exit(1)
    fidelity.import_reviews(db, result, actor=audit.COMMAND)
    click.echo(
        f"{counted(len(result.added), 'måling', 'målinger')} importeret,"
        f" {len(result.unchanged)} fandtes allerede uændret."
    )


@click.command("funnel")
@with_appcontext
@click.option("--questionnaire", "questionnaire_id", default=PARTICIPANT_QUESTIONNAIRE, show_default=True)
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@region_basis_option
@no_suppress_option
def funnel_command(questionnaire_id, output, region_basis, no_suppress):
    """Drop-off: per question, how many reached it, answered it and stopped there.

    In total, per region and per municipality, over the whole time, with the
    report's disclosure control. JSON is a list of objects (the total, the
    regions, the municipalities) with the keys level, key, group, opened,
    completed, items (position, item, reached, answered, stopped), suppressed
    and hidden (the mark of each hidden count: opened, reached_N, ...).
    """
    questionnaire = questionnaire_or_fail(questionnaire_id)
    query = context.report_query(questionnaire.id, region_basis=region_basis)
    result = context.build_funnel(query, suppress=not no_suppress)
    if no_suppress:
        db = get_db()
        with transaction(db):
            audit.record(
                db,
                "report_unsuppressed",
                actor="cli",
                detail={"command": "funnel", "questionnaire": questionnaire.id, "region_basis": region_basis},
            )
    rows = result.json_rows()
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    hidden = formatting.hidden_text(result.threshold)

    def shown(value) -> str:
        return value.text if disclosure.is_hidden(value) else formatting.count(value, hidden=hidden)

    headings = [gettext("Question"), gettext("Reached"), gettext("Gave an answer"), gettext("Stopped here")]
    for group in result.groups:
        click.echo(
            f"{group.name}: {gettext('Opened')} {shown(group.opened)}, {gettext('Completed')} {shown(group.completed)}"
        )
        table = [headings] + [
            [str(step.position), shown(step.reached), shown(step.answered), shown(step.stopped)]
            for step in group.steps
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(headings))]
        for line in table:
            click.echo("  " + "  ".join(text.rjust(width) for text, width in zip(line, widths, strict=True)))
        click.echo("")
    if result.suppressed and any(row["suppressed"] for row in rows):
        click.echo(
            f"{hidden}: færre end {result.threshold} deltagere. ×: skjult, selv om tallet er mindst"
            f" {result.threshold}, fordi det ville afsløre en mindre gruppe."
        )
