"""The dashboard's filters: read from the query string, so every view has a URL to share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice


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
    questionnaire = SelectField(_l("Questionnaire"), default="csq8")
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
