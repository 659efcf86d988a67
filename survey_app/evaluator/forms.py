"""The dashboard's filters: read from the query string, so every view has a URL to share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional


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
    start = DateField(_l("Course start from"), validators=[Optional()])
    end = DateField(_l("Course start to"), validators=[Optional()])
    questionnaire = SelectField(_l("Questionnaire"), default="csq8")
    region_basis = RadioField(
        _l("Region"),
        choices=[
            SelectChoice("baseline", _l("as of the course start")),
            SelectChoice("current", _l("as of today")),
        ],
        default="baseline",
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.start.data and self.end.data and self.start.data > self.end.data:
            self.end.errors.append(_l("The end date must not be before the start date."))
            valid = False
        return valid

    def query_args(self) -> dict:
        """The chosen filters as URL parameters (for links to other views)."""
        args = {
            "by": self.by.data,
            "questionnaire": self.questionnaire.data,
            "region_basis": self.region_basis.data,
        }
        if self.start.data:
            args["start"] = self.start.data.isoformat()
        if self.end.data:
            args["end"] = self.end.data.isoformat()
        return args
