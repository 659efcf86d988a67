"""``FIDELITY_DIR`` moves the fidelity scales and their bands together (README, Configuration): the
bands of that folder name the groups of ``report --by fidelity-band`` and the bands on the pages."""

from __future__ import annotations

import shutil

from survey_app import PROJECT_ROOT, context, create_app, reporting


def test_the_bands_come_from_fidelity_dir(tmp_path):
    folder = tmp_path / "fidelity"
    shutil.copytree(PROJECT_ROOT / "questionnaires" / "fidelity", folder)
    bands = folder / "bands.toml"
    bands.write_text(
        bands.read_text(encoding="utf-8").replace("Eksemplarisk IPS", "Forbilledlig IPS"), encoding="utf-8"
    )
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k" * 40,
            "DATABASE": str(tmp_path / "survey.db"),
            "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "overrides"),
            "FIDELITY_DIR": str(folder),
        }
    )
    with app.app_context():
        assert [band.label for band in context.fidelity_bands()][0] == "Forbilledlig IPS"
        query = context.report_query("csq8")
        grouping = reporting.grouping_for("fidelity-band", query.org_items, query.bands)
        assert grouping.names["exemplary"] == "Forbilledlig IPS"
        # Without the app's bands, the shipped ones.
        assert reporting.grouping_for("fidelity-band").names["exemplary"] == "Eksemplarisk IPS"
