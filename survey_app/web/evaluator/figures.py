"""Every chart on the evaluators' pages as an SVG file of its own: ``?figur=<name>`` on the page's
own address (with its filters) answers with that chart instead of the page, so the file shows
exactly what the page shows, hidden cells included, for a report or a slide."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from markupsafe import Markup

from ... import chart_files, clock
from . import bp

ARGUMENT = "figur"

# The file's name begins with what the chart shows (a chart's name, or its name before "-<number>").
FILE_NAMES = {
    "rates": "svarprocent-kommuner",
    "scores": "scorefordeling",
    "contact-curve": "besvarelser-dage-efter-invitation",
    "trend": "svarprocent-maaned",
    "funnel": "frafald",
    "fidelity": "fidelitet-over-tid",
}


def file_name(name: str) -> str:
    """``scores`` → ``scorefordeling-csq8-2025K1-2026-12-02.svg``: what, which questionnaire and period,
    and the day, so that no two downloads share a name."""
    stem, _, number = name.rpartition("-") if name.rpartition("-")[2].isdigit() else (name, "", "")
    parts = [FILE_NAMES.get(stem, stem)]
    if number:
        parts.append(number)
    for key in ("questionnaire", "period"):
        value = request.args.get(key, "")
        if value and value.replace("-", "").isalnum():
            parts.append(value)
    parts.append(clock.today().isoformat())
    return "-".join(parts) + ".svg"


def svg_response(chart: Markup, name: str) -> Response:
    response = Response(chart_files.standalone(chart), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(name)}"'
    # The file carries its own stylesheet; it may not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def render_with_figures(template: str, figures: dict[str, Markup | None], **context):
    """The page, or with ``?figur=<name>`` the chart ``figures[name]`` as a file (404 when the page
    has no such chart, e.g. because every figure in it is hidden)."""
    name = request.args.get(ARGUMENT)
    if name is not None:
        chart = figures.get(name)
        if chart is None:
            abort(404)
        return svg_response(chart, name)
    return render_template(template, **context)


@bp.app_template_global()
def figure_url(name: str) -> str:
    """This page's address with its filters, asking for the chart ``name``."""
    args = {key: value for key, value in request.args.items() if key != ARGUMENT}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **{ARGUMENT: name})
