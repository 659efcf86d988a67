"""The forms' own checks, called in a request context (the pages' tests post them over HTTP)."""

from wtforms.fields.choices import SelectChoice

from survey_app.context import get_db
from survey_app.web.consultant.forms import ParticipantForm

PARTICIPANT = {
    "code": "X-1",
    "baseline": "2026-01-05",
    "phone": "20123456",
    "channel": "sms",
    "language": "da",
    "consent": "y",
}


def participant_form(app, municipality, *, also_offered=()):
    """The Næstved (370) consultant's form, posted with ``municipality``; ``also_offered``: choices
    beyond the consultant's own, as if the list and the rule had parted."""
    with app.test_request_context(method="POST", data=PARTICIPANT | {"municipality": municipality}):
        app.preprocess_request()  # as a request does: WTForms' own messages in Danish
        form = ParticipantForm(db=get_db(), municipalities={"370"}, meta={"csrf": False})
        form.municipality.choices += [SelectChoice(code, code) for code in also_offered]
        return form.validate(), list(form.municipality.errors)


def test_a_consultant_registers_only_in_their_own_municipalities(app):
    assert participant_form(app, "370") == (True, [])
    # Offered by mistake, another municipality is still refused.
    assert participant_form(app, "259", also_offered=["259"]) == (False, ["Vælg en af dine kommuner."])
    # Not offered (a crafted post), it gets the choice's message alone.
    assert participant_form(app, "259") == (False, ["Vælg en af mulighederne på listen."])
