"""Worlds: the data a test module works on, built by one function each.

A world is built by a function whose docstring says what it holds; the test
modules keep thin fixtures that call it (and freeze the clock where the
world's figures depend on the day). Rows written straight into the database
go through ``rows``; worlds that need links and sessions go through the
real commands and pages.

- ``rows``: one participant, invitation (with answers), fidelity review or
  organisation round, as the app writes them.
- ``region_cohort``: 29 eligible participants in four regions with figures
  worked out by hand (test_reporting.py, the evaluator's pages, the HTML check).
- ``band_cohort``: 26 eligible participants, their municipalities' fidelity
  reviews and organisation answers (test_associations.py).
- ``every_role``: Køge and Næstved with links, a round, a fidelity review and
  a session per role, built through the commands and pages, with a copy to
  put back (test_attack.py); ``with_extreme_dates``: the same with impossible
  dates written in (test_extreme_dates.py).
- ``every_page``: the region cohort, participants at every step of the chat
  and two rounds, for rendering every page (test_html_valid.py).
- ``fidelity_history``: an evaluator and fifteen earlier fidelity reviews,
  recorded through the form's checks (browser/test_fidelity.py).
- ``export_cohort``: six participants, one for each thing an export must get
  right (test_exports.py).
"""
