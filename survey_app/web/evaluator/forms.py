"""The evaluator's forms: the dashboard's filters, read from the query string so every view has a
URL to share; a fidelity review, and a CSV file of reviews."""

from __future__ import annotations

from collections.abc import Mapping

import sqlite_utils
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ... import fidelity, places
from ...questionnaires import PARTICIPANT_QUESTIONNAIRE
from ..forms import show_error
from ..i18n import current_language


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    by = SelectField(
        _l("Group by"),
        choices=[
            SelectChoice("region", _l("Region")),
            SelectChoice("cluster", _l("Cluster")),
            SelectChoice("municipality", _l("Municipality")),
            SelectChoice("period", _l("Quarter of course start")),
        ],
        default="region",
    )
    # A fixed set of periods (filled in by the view from the data), never a free day-level range:
    # two ranges a day apart would give away the participants of that day (see ``cube``).
    period = SelectField(_l("Course start"), default="", validate_choice=True)
    questionnaire = SelectField(_l("Questionnaire"), default=PARTICIPANT_QUESTIONNAIRE)
    region_basis = RadioField(
        _l("Region"),
        choices=[
            SelectChoice("baseline", _l("as of the course start")),
            SelectChoice("current", _l("as of today")),
        ],
        default="baseline",
    )

    def query_args(self) -> dict:
        """The chosen filters as URL parameters (for links to other views)."""
        args = {
            "by": self.by.data,
            "questionnaire": self.questionnaire.data,
            "region_basis": self.region_basis.data,
        }
        if self.period.data:
            args["period"] = self.period.data
        return args


# --- fidelity reviews -----------------------------------------------------------------------------

FACTS = ("municipality", "review_date", "reviewers")  # the fields every scale's review has


def item_field(item_id: str) -> str:
    """The name of an item's field."""
    return f"item_{item_id}"


class ReviewForm(FlaskForm):
    """A review's facts and, added per scale by :func:`review_form`, one field per item.

    The fields have no validators of their own: :meth:`validate` runs ``fidelity.check_review``
    on ``db``, so the form and the CSV import give the same Danish messages, and leaves the
    checked row in :attr:`checked`. ``review_id``: the review being edited.
    """

    municipality = SelectField(_l("Municipality"), validate_choice=False)
    review_date = StringField(_l("Date of the review"))
    reviewers = StringField(_l("Reviewers (optional)"))

    def __init__(
        self,
        *args,
        db: sqlite_utils.Database,
        scale: fidelity.Scale,
        scales: Mapping[str, fidelity.Scale],
        review_id: int | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.db, self.scale, self.scales, self.review_id = db, scale, scales, review_id
        self.checked: dict | None = None
        self.municipality.choices = [SelectChoice("", gettext("Choose a municipality"))] + [
            SelectChoice(code, name) for code, name in places.municipality_choices(db)
        ]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        raw = fidelity.ReviewInput(
            municipality=self.municipality.data or "",
            review_date=self.review_date.data or "",
            scale=self.scale.id,
            reviewers=self.reviewers.data,
            scores={item.id: self[item_field(item.id)].data for item in self.scale.items},
        )
        self.checked, errors = fidelity.check_review(
            self.db, raw, self.scales, review_id=self.review_id, language=current_language()
        )
        for name, error in errors.items():
            show_error(self, error, name if name in FACTS else item_field(name))
        return self.checked is not None

    def error_summary(self) -> list[tuple[str, str]]:
        """``(field id, message)`` of every problem, in the order of the form."""
        return [(f.id, message) for f in self if f.name != "csrf_token" for message in f.errors]


def review_form(scale: fidelity.Scale, **kwargs) -> ReviewForm:
    """The form of a review of ``scale``: a select of the scale's scores for each of its items."""
    language = current_language()
    choices = [SelectChoice("", gettext("Choose"))] + [
        SelectChoice(str(score), str(score)) for score in range(scale.min_score, scale.max_score + 1)
    ]
    fields = {
        item_field(item.id): SelectField(
            item.label(language), choices=choices, validate_choice=False, default=""
        )
        for item in scale.items
    }
    return type(f"ReviewForm_{scale.id}", (ReviewForm,), fields)(scale=scale, **kwargs)


class ReviewUploadForm(FlaskForm):
    """A CSV file of reviews (``fidelity.parse_csv``)."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file."))])
