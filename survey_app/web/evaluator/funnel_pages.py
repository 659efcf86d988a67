"""Drop-off (/evaluering/frafald): per question of a questionnaire, how many of those who opened
their link reached it, answered it and stopped there, in total, per region and per municipality.

The figures are ``reporting.funnel``'s, with the same disclosure control as the dashboard (the
report's own counts keep the marks the dashboard gives them). Only the whole time is offered.
"""

from __future__ import annotations

from flask import current_app, g
from flask_babel import get_locale, gettext

from ... import charts, clock, context, formatting
from ...context import connection_cache, get_db
from ...db import data_version
from ...questionnaires import localise
from ..auth import role_required
from ..i18n import current_language
from . import bp
from .figures import render_with_figures
from .routes import _filters, _questionnaires


def _threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def _funnel(questionnaire_id: str, region_basis: str):
    """The solved funnel, kept with this thread's connection until the data (or the day, the
    settings, the language) change."""
    questionnaire = _questionnaires()[questionnaire_id]
    key = (
        "funnel",
        questionnaire_id,
        questionnaire.version,
        region_basis,
        clock.today(),
        _threshold(),
        int(current_app.config["FOLLOWUP_WEEKS"]),
        str(get_locale() or "da"),
    )
    if key in g.setdefault("funnels", {}):
        return g.funnels[key]
    db = get_db()
    kept = connection_cache(db)
    version = data_version(db)
    if kept.get("version") != version:
        kept.clear()
        kept["version"] = version
    if key not in kept:
        kept[key] = context.build_funnel(context.report_query(questionnaire_id, region_basis=region_basis))
    g.funnels[key] = kept[key]
    return kept[key]


def _chart(group, questions: list[str], index: int):
    """How many of those who opened reached each question, as bars (hidden counts as their mark)."""
    locale = str(get_locale() or "da")
    opened = group.opened if isinstance(group.opened, int) else None
    rows = [(question, step.reached) for question, step in zip(questions, group.steps, strict=True)]
    shown = [value for _, value in rows if isinstance(value, int)]
    top = max([opened or 0, *shown, 1])
    return charts.bar_chart(
        rows,
        title=gettext("Reached each question: %(group)s", group=group.name),
        description=gettext(
            "How many of those who opened the link were shown each of %(count)d questions; %(opened)s opened it.",
            count=len(rows),
            opened=formatting.count(group.opened, locale=locale, hidden=str(group.opened)),
        ),
        id_prefix=f"funnel-{index}",
        format_value=lambda value: formatting.count(value, locale=locale),
        max_value=float(top),
        hidden_text=formatting.hidden_text(_threshold()),
    )


@bp.get("/frafald")
@role_required("evaluator")
def funnel():
    """Where participants stop in the questionnaire."""
    form, valid = _filters()
    questionnaire_id = form.questionnaire.data
    region_basis = form.region_basis.data or "baseline"
    result = _funnel(questionnaire_id, region_basis)
    language = current_language()
    questions = [
        gettext("Question %(number)d", number=position) for position, _ in enumerate(result.items, 1)
    ]
    texts = [localise(item.text, language) for item in result.items]
    sections = [
        (group, _chart(group, questions, index), f"funnel-{index}")
        for index, group in enumerate(result.groups, 1)
    ]
    shown = {
        name: chart
        for group, chart, name in sections
        if any(isinstance(step.reached, int) for step in group.steps)
    }
    return render_with_figures(
        "evaluator/funnel.html",
        shown,
        form=form,
        valid=valid,
        result=result,
        sections=sections,
        questions=list(zip(questions, texts, strict=True)),
        threshold=_threshold(),
        args=form.query_args(),
    )
