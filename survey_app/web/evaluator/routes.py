"""Routes of the evaluator's pages: the dashboard (Tabel 3), municipality reports, non-response.

Every figure comes from ``reporting.report``, the same function as the
``report`` command, with small cells hidden. Pages show no contact details
and no single participant's answers.
"""

from __future__ import annotations

import importlib.util
import tempfile
from datetime import date
from pathlib import Path

from flask import Response, abort, current_app, g, render_template, request, send_file, stream_with_context
from flask_babel import format_date, get_locale, gettext

from ... import charts, clock, context, exports, formatting, places, reporting, scheduling
from ...context import connection_cache, get_db
from ...db import data_version, transaction
from ...exports.syntax import SYNTAXES, syntax_text
from ...questionnaires import PARTICIPANT_QUESTIONNAIRE, localise
from ...reporting import contacts, cube
from ..auth import log_action, role_required
from ..i18n import current_language
from . import bp
from .figures import render_with_figures
from .forms import FilterForm


def _questionnaires() -> dict:
    """Questionnaires with a total score (the ones these reports are about)."""
    return {
        key: questionnaire
        for key, questionnaire in context.all_questionnaires().items()
        if questionnaire.total == "sum"
    }


def _filters() -> tuple[FilterForm, bool]:
    form = FilterForm(request.args)
    questionnaires = _questionnaires()
    language = current_language()
    form.questionnaire.choices = [
        (key, localise(q.title, language)) for key, q in sorted(questionnaires.items())
    ]
    form.period.choices = [("", gettext("The whole time"))]
    valid = form.questionnaire.validate(form) if request.args else True
    if not valid:
        form.questionnaire.data = form.questionnaire.default
    periods = _cube("total", form).periods
    form.period.choices = [(period, period_label(period)) for period in periods]
    valid = form.validate() if request.args else True
    if not valid:
        # Show the errors, and the figures for the defaults meanwhile.
        for field in (form.by, form.questionnaire, form.region_basis, form.period):
            if field.errors:
                field.data = field.default
    return form, valid


def period_label(period: str) -> str:
    """ "" → "Hele perioden", "2025", "1. halvår 2025", "3. kvartal 2025"."""
    if not period:
        return gettext("The whole time")
    if len(period) == 4:
        return period
    if period[4] == "H":
        return gettext("Half-year %(number)s %(year)s", number=period[5], year=period[:4])
    return gettext("Quarter %(number)s %(year)s", number=period[5], year=period[:4])


def _threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def _query(form: FilterForm, **more) -> reporting.Query:
    return context.report_query(
        form.questionnaire.data,
        period=form.period.data or "",
        region_basis=more.pop("region_basis", form.region_basis.data),
        **more,
    )


def _cube(by: str, form: FilterForm, region_basis: str | None = None):
    """The grouping's solved cube. Kept with this thread's connection until anyone changes the
    data (or the day, the settings or the questionnaire change), so that moving between periods
    and groupings costs nothing; and once per request in any case."""
    basis = region_basis or form.region_basis.data or "baseline"
    questionnaire_id = form.questionnaire.data or PARTICIPANT_QUESTIONNAIRE
    questionnaire = _questionnaires().get(questionnaire_id)
    db = get_db()
    request_cache = g.setdefault("report_cubes", {})
    key = (
        by,
        questionnaire_id,
        questionnaire.version if questionnaire else None,
        basis,
        clock.today(),
        _threshold(),
        int(current_app.config["FOLLOWUP_WEEKS"]),
        str(get_locale() or "da"),
    )
    if key in request_cache:
        return request_cache[key]
    kept = connection_cache(db)
    version = data_version(db)
    if kept.get("version") != version:
        kept.clear()
        kept["version"] = version
    if key not in kept:
        query = context.report_query(questionnaire_id, region_basis=basis)
        spine_key = ("total", *key[1:])
        spine = _cube("total", form, basis) if by != "total" else None
        kept[key] = context.solve_report(query, by, spine=spine if spine_key in kept else None)
    request_cache[key] = kept[key]
    return kept[key]


def _report(query: reporting.Query, by: str, form: FilterForm, *, items: bool = False) -> reporting.Report:
    return context.build_report(query, by, items=items, cube=_cube(by, form, query.region_basis))


def _locale() -> str:
    return str(get_locale() or "da")


@bp.app_template_filter("count_cell")
def count_cell(value) -> str:
    return formatting.count(value, locale=_locale(), hidden=formatting.hidden_text(_threshold()))


@bp.app_template_filter("percent_cell")
def percent_cell(value, digits: int = formatting.RATE_DIGITS) -> str:
    return formatting.percent(value, digits, locale=_locale())


@bp.app_template_filter("interval_cell")
def interval_cell(values: dict, prefix: str) -> str:
    """A row's 95 % confidence interval: ``"rr"`` (the response rate's) or ``"csq"`` (the mean's)."""
    kind = "rate" if prefix == "rr" else "number"
    return formatting.interval(
        values[f"{prefix}_ci_low"], values[f"{prefix}_ci_high"], kind, locale=_locale()
    )


@bp.app_template_filter("number_cell")
def number_cell(value, digits: int = 2) -> str:
    return formatting.number(value, digits, locale=_locale())


def _rate_chart(result: reporting.Report, title: str, id_prefix: str):
    total_rate = result.total.values["response_rate"]
    rows = [(row.values["group"], row.values["response_rate"]) for row in result.group_rows]
    return charts.bar_chart(
        rows,
        title=title,
        description=gettext(
            "Response rate (completed of eligible) for %(count)d groups; all together %(rate)s.",
            count=len(rows),
            rate=percent_cell(total_rate),
        ),
        id_prefix=id_prefix,
        format_value=lambda value: percent_cell(value),
        max_value=1.0,
        reference=(gettext("All"), total_rate) if isinstance(total_rate, float) else None,
        hidden_text=formatting.hidden_text(_threshold()),
    )


def _score_chart(result: reporting.Report):
    """The total scores' histogram; none when there is nothing to draw but hidden columns (the page
    says so instead). Its columns are one score wide from a few hundred responses and wider before
    (``cube.bin_width_for``), so that a few dozen responses still show their shape."""
    questionnaire = result.questionnaire
    if questionnaire is None or questionnaire.score_range is None or not result.scores:
        return None
    if not any(isinstance(n, int) and n > 0 for _, n in result.scores):
        return None
    low, high = questionnaire.score_range
    total = result.total
    width = result.scores[0][0][1] - result.scores[0][0][0] + 1
    if width == 1:
        description = gettext(
            "How many complete responses had each total score from %(low)d to %(high)d; "
            "mean %(mean)s, median %(median)s.",
            low=low,
            high=high,
            mean=number_cell(total.values["csq_mean"]),
            median=number_cell(total.values["csq_median"], 1),
        )
    else:
        description = gettext(
            "How many complete responses had a total score in each span of %(width)d points from"
            " %(low)d to %(high)d; mean %(mean)s, median %(median)s.",
            width=width,
            low=low,
            high=high,
            mean=number_cell(total.values["csq_mean"]),
            median=number_cell(total.values["csq_median"], 1),
        )
    return charts.histogram(
        [(score_label(column), n) for column, n in result.scores],
        title=gettext("Total scores of complete responses"),
        description=description,
        id_prefix="scores",
        format_value=lambda value: formatting.count(value, locale=_locale()),
        x_label=gettext("Total score"),
        y_label=gettext("Responses"),
        hidden_text=formatting.hidden_text(_threshold()),
    )


def score_label(column: tuple[int, int]) -> str:
    """A histogram column's scores: "27" or "28–32"."""
    low, high = column
    return str(low) if low == high else f"{low}–{high}"


def month_label(month: str) -> str:
    """``2025-04`` → "apr. 2025" (in the page's language)."""
    return format_date(date(int(month[:4]), int(month[5:]), 1), "MMM yyyy")


bp.add_app_template_global(month_label, "month_label")


def _trend_tick(index: int, month: str) -> str:
    """The trend's axis: the year at each January, and the first month with its year."""
    first_day = date(int(month[:4]), int(month[5:]), 1)
    if index == 0 and first_day.month != 1:
        return format_date(first_day, "MMM yyyy")
    return month[:4] if first_day.month == 1 else ""


def _trend_chart(trend):
    """The national response rate by month of the course start; none until two months have a rate."""
    if trend.shown_rates < 2:
        return None
    points = [
        (index, month["response_rate"] if isinstance(month["response_rate"], float) else None)
        for index, month in enumerate(trend.months)
    ]
    hidden = sum(value is None for _, value in points)
    return charts.line_chart(
        [(gettext("Response rate"), points)],
        title=gettext("Response rate by month of the course start"),
        description=gettext(
            "The response rate of everyone whose course started in each month from %(first)s to %(last)s."
            " Months hidden for too few participants, which break the line: %(hidden)d.",
            first=month_label(trend.months[0].month),
            last=month_label(trend.months[-1].month),
            hidden=hidden,
        ),
        id_prefix="trend",
        format_value=lambda value: percent_cell(value, 0),
        y_min=0,
        y_max=1,
        x_labels=[_trend_tick(index, month.month) for index, month in enumerate(trend.months)],
    )


def _contact_section(query: reporting.Query, form: FilterForm) -> dict:
    """What brings the answers: the rows by first channel and by the contact before the completion,
    and the cumulative curve of completions (drawn only when the total's completions are shown and
    at least the threshold)."""
    by_channel = _report(query, "channel", form)
    by_contact = _report(query, "contact", form)
    reminder_days = scheduling.Schedule.from_config(current_app.config).reminder_days
    curve = contacts.completion_curve(get_db(), query, reminder_days)
    completed = _report(query, "total", form).total.values["completed"]
    chart = None
    if isinstance(completed, int) and completed >= max(_threshold(), 1):
        days = range(curve.last_day + 1)
        chart = charts.line_chart(
            [(gettext("Completed"), list(enumerate(curve.points)))],
            title=gettext("Completions by days since the invitation"),
            description=gettext(
                "How many had completed by each day after the first contact, %(count)d in all;"
                " the dashed lines are the reminder days.",
                count=curve.completed,
            ),
            id_prefix="contact-curve",
            format_value=lambda value: formatting.count(value, locale=_locale()),
            y_min=0,
            y_max=max(curve.points[-1], 1),
            x_labels=[str(day) if day % 7 == 0 or day in reminder_days else "" for day in days],
            x_marks=[
                (day, gettext("Reminder %(number)d", number=number))
                for number, day in enumerate(curve.reminder_days, 1)
                if day <= curve.last_day
            ],
        )
    return {
        "by_channel": by_channel,
        "by_contact": by_contact,
        "curve": curve if chart else None,
        "chart": chart,
    }


@bp.get("/")
@role_required("evaluator")
def home():
    """Tabel 3 with response rates: the chosen grouping, the total and the reference rows."""
    form, valid = _filters()
    query = _query(form)
    result = _report(query, form.by.data, form, items=True)
    result.adjusted = reporting.adjusted.adjusted(get_db(), query)
    by_municipality = result if form.by.data == "municipality" else _report(query, "municipality", form)
    trend = reporting.trend.trend(get_db(), query, _cube("total", form), threshold=_threshold())
    rate_chart = _rate_chart(by_municipality, gettext("Response rate by municipality"), "rates")
    score_chart = _score_chart(result)
    trend_chart = _trend_chart(trend)
    contact = _contact_section(query, form)
    figures = {
        "rates": rate_chart,
        "scores": score_chart,
        "trend": trend_chart,
        "contact-curve": contact["chart"],
    }
    return render_with_figures(
        "evaluator/home.html",
        figures,
        form=form,
        valid=valid,
        result=result,
        threshold=_threshold(),
        rate_chart=rate_chart,
        score_chart=score_chart,
        trend=trend,
        trend_chart=trend_chart,
        item_rows=result.item_rows,
        municipalities=[
            (row.figures.key, row.values["group"]) for row in by_municipality.group_rows if row.figures
        ],
        args=form.query_args(),
        today=clock.today(),
        exports=_export_labels(),
        stats_available=_stats_available(),
        contact=contact,
    )


@bp.get("/kommune/<code>")
@role_required("evaluator")
def municipality(code: str):
    """One municipality's printable report: quarter by quarter, beside its region and the country.

    Every figure is a cell of the dashboard's own views (the municipality row, its region as of
    today, the total), so this page can show nothing that the dashboard hides.
    """
    name = places.municipality_name(get_db(), code)
    if name is None:
        abort(404)
    form, valid = _filters()
    region_id, region_name = places.region_of(get_db(), code, clock.today()) or (None, "")
    query = _query(form, region_basis="current")
    own_cube = _cube("municipality", form, "current")
    region_cube = _cube("region", form, "current")
    country_cube = _cube("total", form, "current")

    def row_of(cube, group, period):
        return reporting.cell_row(cube, group, period)

    period = query.period
    own = row_of(own_cube, code, period)
    region = row_of(region_cube, region_id, period) if region_id in region_cube.groups else None
    country = row_of(country_cube, cube.TOTAL, period)
    # One level below the chosen period (years of the whole time, half-years of a year, quarters
    # of a half-year): a municipality's few participants a quarter would mostly read "<5".
    quarters = cube.children_of(period, country_cube.periods) or [period]
    rows = [
        {
            "key": quarter,
            "label": period_label(quarter),
            "own": row_of(own_cube, code, quarter),
            "region": row_of(region_cube, region_id, quarter) if region_id in region_cube.groups else None,
            "country": row_of(country_cube, cube.TOTAL, quarter),
        }
        for quarter in quarters
    ]
    breakdown = (
        gettext("Year by year")
        if not period
        else gettext("Half-year by half-year")
        if len(period) == 4
        else gettext("Quarter by quarter")
    )
    return render_template(
        "evaluator/municipality.html",
        form=form,
        name=name,
        code=code,
        region_name=region_name,
        own=own,
        region=region,
        country=country,
        months=rows,
        breakdown=breakdown,
        threshold=_threshold(),
        questionnaire=_questionnaires().get(form.questionnaire.data),
        today=clock.today(),
    )


@bp.get("/bortfald")
@role_required("evaluator")
def non_response():
    """Completed and not completed by region, gender and birth decade: how selected are the responders?"""
    form, valid = _filters()
    query = _query(form)
    tables = []
    for by, title in (
        ("region", gettext("Region")),
        ("gender", gettext("Gender")),
        ("birth_decade", gettext("Born")),
    ):
        tables.append((title, _report(query, by, form)))
    return render_template(
        "evaluator/non_response.html",
        form=form,
        valid=valid,
        tables=tables,
        threshold=_threshold(),
        args=form.query_args(),
    )


EXPORT_FORMATS = {
    "csv": ("csv", False, exports.MEDIA_TYPES["csv"]),
    "csv-da": ("csv", True, exports.MEDIA_TYPES["csv"]),
    "xlsx": ("xlsx", False, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "sav": ("sav", False, "application/x-spss-sav"),
    "dta": ("dta", False, "application/x-stata-dta"),
}


def _stats_available() -> bool:
    """Whether the optional SPSS/Stata writers (pyreadstat, pandas) are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("pyreadstat", "pandas"))


def _export_labels() -> list[tuple[str, str]]:
    labels = [
        ("csv", gettext("CSV (Excel, R)")),
        ("csv-da", gettext("CSV for Danish Excel (;)")),
        ("xlsx", gettext("Excel (.xlsx)")),
    ]
    if _stats_available():
        labels += [("sav", gettext("SPSS (.sav)")), ("dta", gettext("Stata (.dta)"))]
    return labels


def _questionnaire_or_404():
    questionnaire = context.questionnaire(request.args.get("questionnaire", PARTICIPANT_QUESTIONNAIRE))
    if questionnaire is None:
        abort(404)
    return questionnaire


# The two levels of the export, by the name the download's address and file carry.
LEVELS = {"invitation": exports.INVITATION, "deltager": exports.PARTICIPANT}


def _level_or_404() -> str:
    level = LEVELS.get(request.args.get("niveau", "invitation"))
    if level is None:
        abort(404)
    return level


def _file_name(questionnaire, suffix: str, level: str = exports.INVITATION, excel_da: bool = False) -> str:
    """One name per download: ``csq8_2026-12-02.csv``, ``csq8_deltagere_2026-12-02_excel-da.csv``, …"""
    part = "_deltagere" if level == exports.PARTICIPANT else ""
    variant = "_excel-da" if excel_da else ""
    return f"{questionnaire.id}{part}_{clock.today().isoformat()}{variant}{suffix}"


def _source(questionnaire, level: str):
    """What the writers export: the questionnaire's invitations, or its participants as of today."""
    return context.participant_export(questionnaire) if level == exports.PARTICIPANT else questionnaire


@bp.get("/eksport/<fmt>")
@role_required("evaluator")
def export(fmt: str):
    """Download one row per invitation or per eligible participant (``?niveau=deltager``), pseudonymous
    and without contact details, written to the audit log."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    questionnaire = _questionnaire_or_404()
    level = _level_or_404()
    kind, excel_da, mimetype = EXPORT_FORMATS[fmt]
    if kind in ("sav", "dta") and not _stats_available():
        abort(404)
    db = get_db()
    name = _file_name(questionnaire, exports.SUFFIXES[kind], level, excel_da)
    detail = {"format": fmt, "questionnaire": questionnaire.id, "file": name}
    if level == exports.PARTICIPANT:
        detail |= {"level": level, "all": False}
    with transaction(db):
        log_action("export", detail=detail, db=db)
    source = _source(questionnaire, level)
    if kind == "csv":
        response = Response(
            stream_with_context(exports.iter_csv(db, source, excel_da=excel_da)), mimetype=mimetype
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        exports.write_export(db, source, kind, path)
        handle = open(path, "rb")  # noqa: SIM115  (send_file closes it when the response is sent)
    return send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/eksport/syntaks/<kind>")
@role_required("evaluator")
def syntax(kind: str):
    """The R script, SPSS syntax or Stata do-file that prints Tabel 3 from the participant-level
    export (no data: not audited, as the command's --syntax)."""
    if kind not in SYNTAXES:
        abort(404)
    response = Response(syntax_text(kind), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{SYNTAXES[kind]}"'
    return response


@bp.get("/eksport/kodebog.csv")
@role_required("evaluator")
def codebook():
    """The codebook of the CSV export (either level): variables, Danish labels and value labels."""
    questionnaire = _questionnaire_or_404()
    level = _level_or_404()
    name = _file_name(questionnaire, exports.CODEBOOK_SUFFIX + ".csv", level)
    response = Response(
        exports.codebook_csv(_source(questionnaire, level)), mimetype=exports.MEDIA_TYPES["csv"]
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/sammenhaenge")
@role_required("evaluator")
def associations():
    """Response rate and CSQ-8 by the fidelity band and by each organisation answer of the participant's municipality."""
    form, valid = _filters()
    query = _query(form)
    organisation = context.questionnaire("organisation")
    tables = [
        (
            gettext("Fidelity band"),
            gettext("Fidelity review closest to the follow-up date"),
            _report(query, "fidelity-band", form),
        )
    ]
    for number, item_id in enumerate(query.org_items, 1):
        title = gettext("Organisation, question %(number)s", number=number)
        text = organisation.item(item_id).text
        tables.append((title, text, _report(query, f"org-item-{number}", form)))
    return render_template(
        "evaluator/associations.html",
        form=form,
        valid=valid,
        tables=tables,
        threshold=_threshold(),
        args=form.query_args(),
    )
