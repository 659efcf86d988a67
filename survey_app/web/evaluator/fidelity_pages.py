"""The evaluator's fidelity pages: record, edit, delete and import reviews; fidelity over time.

Checking and storing live in ``survey_app.fidelity`` (no Flask), so the
form, the CSV upload and the ``fidelity import`` command apply the same
rules. Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import itertools
from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from flask_wtf import FlaskForm

from ... import charts, clock, context, fidelity, formatting, importing, places, safe_csv
from ...context import fidelity_scales, get_db
from ...languages import UserError
from ...reporting import danish_sort_key, disclosure
from ..auth import current_actor, role_required
from ..forms import show_error
from ..i18n import current_language
from . import bp
from .figures import render_with_figures
from .forms import ReviewForm, ReviewUploadForm, item_field, review_form

MAX_LINES_PER_CHART = 6  # charts.SERIES_STYLES: each line keeps its own colour, marker and dash


def _municipality_name(code: str) -> str:
    return places.municipality_name(get_db(), code) or code


def _score_text(value) -> str:
    return formatting.number(value, 2, locale=current_language())


# --- the list -------------------------------------------------------------------------------------


@bp.get("/fidelitet")
@role_required("evaluator")
def fidelity_reviews():
    """Every review: municipality, date, scale, total, IPS-25 equivalent and band; filter by municipality."""
    db = get_db()
    chosen = (request.args.get("kommune") or "").strip()
    everything = fidelity.list_reviews(db)
    reviews = [review for review in everything if not chosen or review.municipality_code == chosen]
    reviews.sort(
        key=lambda review: (danish_sort_key(review.municipality_name), review.review_date, review.scale)
    )
    reviewed = {review.municipality_code: review.municipality_name for review in everything}
    choices = sorted(reviewed.items(), key=lambda pair: danish_sort_key(pair[1]))
    return render_template(
        "evaluator/fidelity_list.html",
        reviews=reviews,
        total_count=len(everything),
        choices=choices,
        chosen=chosen,
        chosen_name=_municipality_name(chosen) if chosen else None,
        scales=fidelity_scales(),
        score_text=_score_text,
    )


# --- recording, editing, deleting -----------------------------------------------------------------


@bp.route("/fidelitet/ny", methods=["GET", "POST"])
@role_required("evaluator")
def fidelity_new():
    """Record a review: first the scale (a GET form, so it works without JavaScript), then the items."""
    scales = fidelity_scales()
    scale = scales.get(request.args.get("skala", ""))
    municipality = (request.args.get("kommune") or "").strip()
    if scale is None:
        if request.method == "POST":
            abort(404)
        return render_template("evaluator/fidelity_scale.html", scales=scales, municipality=municipality)
    form = review_form(
        scale,
        data=None if request.method == "POST" else {"municipality": municipality},
        db=get_db(),
        scales=scales,
    )
    if form.validate_on_submit():
        db, row = get_db(), form.checked
        try:
            fidelity.insert_review(db, row, scale=scale, actor=current_actor())
        except UserError as error:
            show_error(form, error, "review_date")
        else:
            flash(_saved_message(row, scale))
            return redirect(url_for(".fidelity_reviews", kommune=row["municipality_code"]), code=303)
    return _render_form(form, scale, None)


def _render_form(form: ReviewForm, scale: fidelity.Scale, review: fidelity.Review | None):
    """The form again, with every problem listed above it and kept beside its field (422)."""
    errors = form.error_summary()
    page = render_template(
        "evaluator/fidelity_form.html",
        form=form,
        scale=scale,
        review=review,
        errors=errors,
        today_iso=clock.today().isoformat(),
    )
    return page, 422 if errors else 200


def _saved_message(row: dict, scale: fidelity.Scale) -> str:
    name = _municipality_name(row["municipality_code"])
    band = fidelity.band_for(row["ips25_equivalent"], context.fidelity_bands())
    return gettext(
        "The review is saved: %(municipality)s, %(date)s, %(scale)s, total %(total)s, "
        "IPS-25 equivalent %(equivalent)s (%(band)s).",
        municipality=name,
        date=format_date(date.fromisoformat(row["review_date"]), "d. MMM yyyy"),
        scale=scale.name,
        total=row["total"],
        equivalent=_score_text(row["ips25_equivalent"]),
        band=band.text(current_language()),
    )


def _review_or_404(review_id: int) -> tuple[fidelity.Review, fidelity.Scale]:
    review = fidelity.get_review(get_db(), review_id)
    if review is None or review.scale not in fidelity_scales():
        abort(404)
    return review, fidelity_scales()[review.scale]


@bp.route("/fidelitet/<int:review_id>", methods=["GET", "POST"])
@role_required("evaluator")
def fidelity_edit(review_id: int):
    """Change a review's municipality, date, reviewers or scores (its scale stays)."""
    review, scale = _review_or_404(review_id)
    data = None
    if request.method != "POST":
        data = {
            "municipality": review.municipality_code,
            "review_date": review.review_date.isoformat(),
            "reviewers": review.reviewers or "",
        } | {item_field(item_id): str(score) for item_id, score in review.scores.items()}
    form = review_form(scale, data=data, db=get_db(), scales=fidelity_scales(), review_id=review_id)
    if form.validate_on_submit():
        db, row = get_db(), form.checked
        try:
            fidelity.update_review(db, review, row, scale=scale, actor=current_actor())
        except UserError as error:
            show_error(form, error, "review_date")
        else:
            flash(_saved_message(row, scale))
            return redirect(url_for(".fidelity_reviews", kommune=row["municipality_code"]), code=303)
    return _render_form(form, scale, review)


@bp.route("/fidelitet/<int:review_id>/slet", methods=["GET", "POST"])
@role_required("evaluator")
def fidelity_delete(review_id: int):
    """Delete a review, after a confirmation page."""
    review, scale = _review_or_404(review_id)
    form = FlaskForm()
    if form.validate_on_submit():
        db = get_db()
        fidelity.delete_review(db, review, scale=scale, actor=current_actor())
        flash(
            gettext(
                "The review of %(municipality)s on %(date)s is deleted.",
                municipality=review.municipality_name,
                date=format_date(review.review_date, "d. MMM yyyy"),
            )
        )
        return redirect(url_for(".fidelity_reviews", kommune=review.municipality_code), code=303)
    return render_template(
        "evaluator/fidelity_delete.html", form=form, review=review, scale=scale, score_text=_score_text
    )


# --- import ---------------------------------------------------------------------------------------


@bp.route("/fidelitet/import", methods=["GET", "POST"])
@role_required("evaluator")
def fidelity_import():
    """Import reviews from a CSV file: all rows or none, every bad row listed with its line number."""
    form = ReviewUploadForm()
    result = None
    problems: list[str] = []
    if form.validate_on_submit():
        db = get_db()
        result = fidelity.parse_csv(
            db,
            form.file.data.read(fidelity.MAX_CSV_BYTES + 1),
            fidelity_scales(),
            language=current_language(),
        )
        problems = importing.error_report(result.errors, gettext)
        if not problems:
            fidelity.import_reviews(db, result, actor=current_actor())
    return render_template(
        "evaluator/fidelity_import.html",
        form=form,
        result=result,
        problems=problems,
        scales=fidelity_scales(),
    ), 422 if problems or form.errors else 200


@bp.get("/fidelitet/skabelon/<scale>.csv")
@role_required("evaluator")
def fidelity_template(scale: str):
    """An empty file with one scale's columns (semicolons and BOM, for Danish Excel)."""
    chosen = fidelity_scales().get(scale)
    if chosen is None:
        abort(404)
    return Response(
        fidelity.template_csv(chosen),
        mimetype=safe_csv.MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename=fidelitet-{chosen.id}-skabelon.csv"},
    )


# --- over time ------------------------------------------------------------------------------------


def _chart_groups(codes: set[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Municipalities by IPS cluster, else by today's region, at most six to a chart."""
    db = get_db()
    regions, clusters = places.regions_on(db, clock.today()), places.cluster_names(db)
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for code, name in places.municipality_names(db).items():
        if code in codes:
            region = regions[code].name if code in regions else gettext("No region")
            groups.setdefault((region, clusters.get(code) or region), []).append((code, name))
    result = []
    for region, title in sorted(groups, key=lambda key: (danish_sort_key(key[0]), danish_sort_key(key[1]))):
        members = sorted(groups[(region, title)], key=lambda member: danish_sort_key(member[1]))
        parts = [members[i : i + MAX_LINES_PER_CHART] for i in range(0, len(members), MAX_LINES_PER_CHART)]
        for number, part in enumerate(parts, start=1):
            shown = (
                title
                if len(parts) == 1
                else gettext("%(group)s (%(part)s of %(parts)s)", group=title, part=number, parts=len(parts))
            )
            result.append((shown, part))
    return result


def _round_label(round_reviews: list[fidelity.Review]) -> str:
    """The month a round began, short enough for the axis: "mar 21"."""
    return _nowrap(format_date(round_reviews[0].review_date, "MMM yy").replace(".", ""))


def _nowrap(text: str) -> str:
    """Keep a short label on one line in a narrow table column (no-break spaces)."""
    return text.replace(" ", "\u00a0")


@bp.get("/fidelitet/udvikling")
@role_required("evaluator")
def fidelity_over_time():
    """Each municipality's IPS-25 equivalent at each review, as charts by cluster or region and as tables."""
    language = current_language()
    reviews = fidelity.list_reviews(get_db())
    values = [review.ips25_equivalent for review in reviews]
    y_min = 25 if values and min(values) < 50 else 50
    thresholds = [band for band in context.fidelity_bands() if band.threshold is not None]
    groups = []
    for number, (title, members) in enumerate(_chart_groups({r.municipality_code for r in reviews}), start=1):
        codes = [code for code, _ in members]
        rounds = fidelity.review_rounds([r for r in reviews if r.municipality_code in codes])
        labels = [_round_label(round_reviews) for round_reviews in rounds]
        cells = {
            (review.municipality_code, index): review
            for index, round_reviews in enumerate(rounds)
            for review in round_reviews
        }
        series = [
            (
                name,
                [
                    (index, cells[(code, index)].ips25_equivalent)
                    for index in range(len(rounds))
                    if (code, index) in cells
                ],
            )
            for code, name in members
        ]
        chart = charts.line_chart(
            series,
            title=gettext("IPS-25 score over time: %(group)s", group=title),
            description=gettext(
                "IPS-25 score (an IPS-15 total × 1.66) of %(municipalities)s at each review from %(first)s "
                "to %(last)s. Dashed lines at %(thresholds)s points mark where the bands begin. The numbers "
                "are in the table below the chart.",
                municipalities=", ".join(name for _, name in members),
                first=format_date(rounds[0][0].review_date, "MMMM yyyy"),
                last=format_date(max(r.review_date for r in rounds[-1]), "MMMM yyyy"),
                thresholds=", ".join(
                    formatting.number(band.threshold, 0, locale=language) for band in thresholds
                ),
            ),
            id_prefix=f"fidelity-{number}",
            format_value=lambda value: formatting.number(value, 0, locale=language),
            y_min=y_min,
            y_max=125,
            x_labels=labels,
            bands=[(band.threshold, band.short(language)) for band in thresholds],
        )
        rows = [(name, [cells.get((code, index)) for index in range(len(rounds))]) for code, name in members]
        groups.append(
            {"id": f"fidelity-{number}", "title": title, "chart": chart, "labels": labels, "rows": rows}
        )
    latest = fidelity.latest_reviews(reviews)
    threshold = int(current_app.config["SUPPRESSION_THRESHOLD"])
    # Over 100, then over 115, as the national report counts.
    latest_count, tops = top_counts(
        [review.ips25_equivalent for review in latest.values()], list(reversed(thresholds[:2])), threshold
    )
    return render_with_figures(
        "evaluator/fidelity_over_time.html",
        {group["id"]: group["chart"] for group in groups},
        groups=groups,
        reviewed=bool(latest),
        latest_count=latest_count,
        tops=tops,
        threshold=threshold,
        score_text=_score_text,
        scales=fidelity_scales(),
        language=language,
        nowrap=_nowrap,
    )


def top_counts(
    scores: list[float], bands: list[fidelity.Band], threshold: int
) -> tuple[int | disclosure.Hidden, list[dict]]:
    """How many municipalities were reviewed and how many reach each band (``bands`` from the lowest
    up), through the disclosure control of every published figure (``disclosure``).

    The counts nest: reviewed ≥ over 100 ≥ over 115. The municipalities between two of them (at
    most 100 points, over 100 up to 115) are a group too: a reader gets them by subtraction. So
    where such a group is below the threshold it enters the problem as a hidden cell with its
    equation, and the shown counts must not pin it ("×" where they would); where it is not, only
    the inequality holds. A count below the threshold is "<5"."""
    counts = [len(scores), *(sum(1 for score in scores if band.contains_from_below(score)) for band in bands)]
    problem = disclosure.Problem(threshold)
    keys = [
        problem.cell(("reaching", number), count, disclosure.COUNT, 0 if number else 3)
        for number, count in enumerate(counts)
    ]
    for number, (outer, inner) in enumerate(itertools.pairwise(keys)):
        between = problem.value(outer) - problem.value(inner)
        if between < threshold:
            problem.cell(("between", number), between)
            problem.freeze(("between", number), disclosure.SMALL)  # never published
            problem.equal(outer, [inner, ("between", number)])
        else:
            problem.at_least([(1, outer), (-1, inner)])
    problem.solve()
    if any(problem.mark(key) == disclosure.SMALL for key in problem.unresolved):
        for key in keys:
            problem.hide(key)
        problem.solve()
    shown = [
        count if problem.mark(key) is None else disclosure.hidden(problem.mark(key), threshold)
        for key, count in zip(keys, counts, strict=True)
    ]
    return shown[0], [{"band": band, "count": count} for band, count in zip(bands, shown[1:], strict=True)]
