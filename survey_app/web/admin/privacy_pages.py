"""The admin's page for the privacy notice participants read (``privacy.py``), one language at a time.

Danish is required; an empty text in another language shows participants the Danish one. Every
save is audited. The page lists the ``[...]`` fields the data controller has not filled in yet and
shows the notice as participants see it, with the retention times from the settings.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import clock, privacy
from ...context import get_db
from ...languages import DEFAULT_LANGUAGE, LANGUAGES, UserError
from ..auth import current_actor, role_required
from ..forms import show_error
from . import bp
from .forms import PrivacyNoticeForm


@bp.route("/privatliv", methods=["GET", "POST"])
@role_required("admin")
def privacy_notice():
    db = get_db()
    language = request.args.get("sprog", DEFAULT_LANGUAGE)  # ?sprog=en edits the English text
    if language not in LANGUAGES:
        abort(404)
    own = privacy.own_notice(db, language)
    form = PrivacyNoticeForm(data=None if request.method == "POST" else {"text": own.body if own else ""})
    if form.validate_on_submit():
        try:
            privacy.save_notice(db, language, form.text.data or "", actor=current_actor(), now=clock.now())
        except UserError as error:
            show_error(form, error, "text")
        else:
            flash(_("The privacy notice (%(language)s) is saved.", language=LANGUAGES[language]))
            return redirect(
                url_for(".privacy_notice", sprog=None if language == DEFAULT_LANGUAGE else language), code=303
            )
    shown = privacy.notice(db, language)
    return render_template(
        "admin/privacy_notice.html",
        form=form,
        language=language,
        own=own,
        versions=[(code, privacy.own_notice(db, code)) for code in LANGUAGES],
        unfilled=privacy.unfilled(shown.body),
        shown=shown,
        preview=privacy.blocks(privacy.shown_text(shown, current_app.config)),
        placeholder=privacy.RETENTION_PLACEHOLDER,
    ), 422 if form.errors else 200
