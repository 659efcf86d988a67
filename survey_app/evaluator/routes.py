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

from flask import Response, abort, current_app, render_template, request, send_file, stream_with_context
from flask_babel import format_date, get_locale, gettext

from .. import charts, clock, exports, formatting, reporting, statistics
from ..auth import log_action, role_required
from ..db import get_db, transaction
from ..statistics import shown_distribution
from . import bp
from .forms import FilterForm


def _questionnaires() -> dict:
    """Questionnaires with a total score (the ones these reports are about)."""
    return {
        key: questionnaire
        for key, questionnaire in current_app.extensions["questionnaires"].items()
        if questionnaire.total == "sum"
    }


def _filters() -> tuple[FilterForm, bool]:
    form = FilterForm(request.args)
    questionnaires = _questionnaires()
    form.questionnaire.choices = [(key, q.title["da"]) for key, q in sorted(questionnaires.items())]
    valid = form.validate() if request.args else True
    if not valid:
        # Show the errors, and the figures for the defaults meanwhile.
        for field in (form.by, form.questionnaire, form.region_basis):
            if field.errors:
                field.data = field.default
        if form.start.errors or form.end.errors:
            form.start.data = form.end.data = None
    return form, valid


def _threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def _query(form: FilterForm, **more) -> reporting.Query:
    return reporting.Query(
        questionnaire_id=form.questionnaire.data,
        as_of=clock.today(),
        followup_weeks=int(current_app.config["FOLLOWUP_WEEKS"]),
        start=form.start.data,
        end=form.end.data,
        region_basis=form.region_basis.data,
        **more,
    )


def _report(query: reporting.Query, by: str, *, items: bool = False, **more) -> reporting.Report:
    return reporting.report(
        get_db(),
        query,
        by,
        threshold=_threshold(),
        items=items,
        questionnaire=_questionnaires().get(query.questionnaire_id),
        translate=gettext,
        **more,
    )


def _locale() -> str:
    return str(get_locale() or "da")


@bp.app_template_filter("count_cell")
def count_cell(value) -> str:
    return formatting.count(value, locale=_locale(), hidden=formatting.hidden_text(_threshold()))


@bp.app_template_filter("percent_cell")
def percent_cell(value, digits: int = 1) -> str:
    return formatting.percent(value, digits, locale=_locale())


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
            rate=percent_cell(total_rate, 0),
        ),
        id_prefix=id_prefix,
        format_value=lambda value: percent_cell(value, 0),
        max_value=1.0,
        reference=(gettext("All"), total_rate) if total_rate is not None else None,
        hidden_text=formatting.hidden_text(_threshold()),
    )


def _score_chart(result: reporting.Report):
    questionnaire = result.questionnaire
    if questionnaire is None or questionnaire.score_range is None:
        return None
    low, high = questionnaire.score_range
    total = result.total
    scores = total.figures.scores if total.figures else {}
    if total.values["csq_n"] is None:
        bins = [(str(score), None) for score in range(low, high + 1)]
    else:
        bins = [
            (str(score), n) for score, n in shown_distribution(scores, range(low, high + 1), _threshold())
        ]
    return charts.histogram(
        bins,
        title=gettext("Total scores of complete responses"),
        description=gettext(
            "How many complete responses had each total score from %(low)d to %(high)d; "
            "mean %(mean)s, median %(median)s.",
            low=low,
            high=high,
            mean=number_cell(total.values["csq_mean"]),
            median=number_cell(total.values["csq_median"], 1),
        ),
        id_prefix="scores",
        format_value=lambda value: formatting.count(value, locale=_locale()),
        x_label=gettext("Total score"),
        y_label=gettext("Responses"),
        hidden_text=formatting.hidden_text(_threshold()),
    )


def _item_rows(result: reporting.Report) -> list[dict]:
    """Each scored item's mean and answer distribution, over all complete responses."""
    questionnaire = result.questionnaire
    total = result.total
    if questionnaire is None or total.figures is None:
        return []
    hidden = total.values["csq_n"] is None
    rows = []
    for item in (item for item in questionnaire.items if item.scored):
        distribution = total.figures.items.get(item.id, {})
        options = sorted(item.options, key=lambda option: option.score)
        shown = dict(shown_distribution(distribution, [option.score for option in options], _threshold()))
        rows.append(
            {
                "item": item,
                "mean": None if hidden else statistics.mean(distribution),
                "options": [(option, None if hidden else shown[option.score]) for option in options],
            }
        )
    return rows


@bp.get("/")
@role_required("evaluator")
def home():
    """Tabel 3 with response rates: the chosen grouping, the total and the reference rows."""
    form, valid = _filters()
    query = _query(form)
    result = _report(query, form.by.data, items=True)
    by_municipality = result if form.by.data == "municipality" else _report(query, "municipality")
    return render_template(
        "evaluator/home.html",
        form=form,
        valid=valid,
        result=result,
        threshold=_threshold(),
        rate_chart=_rate_chart(by_municipality, gettext("Response rate by municipality"), "rates"),
        score_chart=_score_chart(result),
        item_rows=_item_rows(result),
        municipalities=[
            (row.figures.key, row.values["group"]) for row in by_municipality.group_rows if row.figures
        ],
        args=form.query_args(),
        today=clock.today(),
        exports=_export_labels(),
        stats_available=_stats_available(),
    )


def _region_of(municipality_code: str):
    today = clock.today().isoformat()
    return (
        get_db()
        .execute(
            "SELECT region.id, region.name FROM municipality_region JOIN region ON region.id = municipality_region.region_id"
            " WHERE municipality_region.municipality_code = ? AND municipality_region.valid_from <= ?"
            " AND (municipality_region.valid_to IS NULL OR municipality_region.valid_to >= ?)",
            [municipality_code, today, today],
        )
        .fetchone()
    )


@bp.get("/kommune/<code>")
@role_required("evaluator")
def municipality(code: str):
    """One municipality's printable report: month by month, beside its region and the country."""
    row = get_db().execute("SELECT code, name FROM municipality WHERE code = ?", [code]).fetchone()
    if row is None:
        abort(404)
    form, valid = _filters()
    region_id, region_name = _region_of(code)
    base = _query(form)
    # Region as of today here: the municipality is compared with the region it belongs to now.
    current = reporting.Query(**{**base.__dict__, "region_basis": "current"})
    own = _report(reporting.Query(**{**current.__dict__, "municipalities": (code,)}), "month")
    region = _report(reporting.Query(**{**current.__dict__, "region_id": region_id}), "month")
    country = _report(current, "month")
    region_by_month = {row.figures.key: row for row in region.group_rows}
    country_by_month = {row.figures.key: row for row in country.group_rows}
    months = [
        {
            "key": row.figures.key,
            "label": _month_label(row.figures.key),
            "own": row,
            "region": region_by_month.get(row.figures.key),
            "country": country_by_month.get(row.figures.key),
        }
        for row in own.group_rows
    ]
    return render_template(
        "evaluator/municipality.html",
        form=form,
        name=row[1],
        code=code,
        region_name=region_name,
        own=own,
        region=region,
        country=country,
        months=months,
        threshold=_threshold(),
        questionnaire=_questionnaires().get(form.questionnaire.data),
        today=clock.today(),
    )


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return format_date(date(int(year), int(month), 1), "MMMM yyyy")


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
        tables.append(
            (
                title,
                _report(
                    query,
                    by,
                    counts=("eligible", "completed", "not_completed"),
                    complements=(("eligible", "completed", "not_completed"),),
                ),
            )
        )
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
    questionnaire = current_app.extensions["questionnaires"].get(request.args.get("questionnaire", "csq8"))
    if questionnaire is None:
        abort(404)
    return questionnaire


def _file_name(questionnaire, suffix: str) -> str:
    return f"{questionnaire.id}_{clock.today().isoformat()}{suffix}"


@bp.get("/eksport/<fmt>")
@role_required("evaluator")
def export(fmt: str):
    """Download one row per invitation (pseudonymous; no contact details), written to the audit log."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    questionnaire = _questionnaire_or_404()
    kind, excel_da, mimetype = EXPORT_FORMATS[fmt]
    if kind in ("sav", "dta") and not _stats_available():
        abort(404)
    db = get_db()
    name = _file_name(questionnaire, exports.SUFFIXES[kind])
    with transaction(db):
        log_action("export", detail={"format": fmt, "questionnaire": questionnaire.id, "file": name}, db=db)
    if kind == "csv":
        response = Response(
            stream_with_context(exports.iter_csv(db, questionnaire, excel_da=excel_da)), mimetype=mimetype
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        exports.write_export(db, questionnaire, kind, path)
        handle = open(path, "rb")  # noqa: SIM115  (send_file closes it when the response is sent)
    return send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/eksport/kodebog.csv")
@role_required("evaluator")
def codebook():
    """The codebook of the CSV export: variables, Danish labels and value labels."""
    questionnaire = _questionnaire_or_404()
    name = _file_name(questionnaire, exports.CODEBOOK_SUFFIX + ".csv")
    response = Response(exports.codebook_csv(questionnaire), mimetype=exports.MEDIA_TYPES["csv"])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/sammenhaenge")
@role_required("evaluator")
def associations():
    """Response rate and CSQ-8 by the fidelity band and by each organisation answer of the participant's municipality."""
    form, valid = _filters()
    query = _query(form)
    organisation = current_app.extensions["questionnaires"].get("organisation")
    tables = [
        (
            gettext("Fidelity band"),
            gettext("Fidelity review closest to the follow-up date"),
            _report(query, "fidelity-band"),
        )
    ]
    for by in reporting.ORG_ITEMS:
        item_id = "org_" + by.rsplit("-", 1)[1]
        item = organisation.item(item_id) if organisation else None
        title = gettext("Organisation, question %(number)s", number=by.rsplit("-", 1)[1])
        tables.append((title, item.text if item else None, _report(query, by)))
    return render_template(
        "evaluator/associations.html",
        form=form,
        valid=valid,
        tables=tables,
        threshold=_threshold(),
        args=form.query_args(),
    )
