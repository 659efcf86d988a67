"""The municipality picker: a form's municipality choices grouped by today's region.

``templates/staff/_municipalities.html`` shows them as checkboxes inside one ``<details>`` per
region, which work without JavaScript (the form posts every ticked ``municipalities`` value, as
the old multi-select did); ``static/picker.js`` adds a filter by name or code.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ... import clock, places
from ...context import get_db
from ...reporting import danish_sort_key
from . import bp


@bp.app_template_filter("by_region")
def by_region(choices) -> list[tuple[str, list]]:
    """``[(region name, [choice, …]), …]`` in Danish order; a municipality without a region today
    comes last, under "No region"."""
    regions = places.regions_on(get_db(), clock.today())
    groups: dict[str, list] = {}
    for choice in choices:
        region = regions.get(choice.value)
        groups.setdefault(region.name if region else "", []).append(choice)
    ordered = sorted(groups.items(), key=lambda item: (item[0] == "", danish_sort_key(item[0])))
    return [(name or _("No region"), options) for name, options in ordered]
