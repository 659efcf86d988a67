"""The admin's pages for support contacts: whom each municipality's participants can contact.

The installation's contact is a setting (``SUPPORT_NAME``, ``SUPPORT_PHONE``, ``SUPPORT_EMAIL``);
a municipality's own contact, set here, comes first (``support.py``). Every change is audited.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import clock, support
from ...context import get_db, support_contact
from ..auth import current_actor, role_required
from ..forms import show_error
from . import bp
from .forms import SupportContactForm


@bp.get("/support")
@role_required("admin")
def support_contacts():
    """Every municipality with its own support contact, and the installation's."""
    return render_template(
        "admin/support_contacts.html",
        contacts=support.support_contacts(get_db()),
        installation=support_contact(None),
    )


@bp.route("/support/<code>", methods=["GET", "POST"])
@role_required("admin")
def support_contact_page(code: str):
    db = get_db()
    current = next((row for row in support.support_contacts(db) if row["code"] == code), None)
    if current is None:
        abort(404)
    form = SupportContactForm(
        data=None
        if request.method == "POST"
        else {"name": current["name"], "phone": current["phone"], "email": current["email"]}
    )
    if form.validate_on_submit():
        try:
            support.set_support_contact(
                db,
                code,
                name=form.name.data,
                phone=form.phone.data,
                email=form.email.data,
                actor=current_actor(),
                now=clock.now(),
            )
        except support.SupportContactError as error:
            show_error(form, error)
        else:
            flash(
                _(
                    "The support contact of %(municipality)s is saved.",
                    municipality=current["municipality_name"],
                )
            )
            return redirect(url_for(".support_contacts"), code=303)
    return render_template(
        "admin/support_contact.html", form=form, contact=current, installation=support_contact(None)
    ), 422 if form.errors else 200
