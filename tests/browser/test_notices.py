"""The privacy notice and the accessibility statement in a phone's browser: reached from the
footer of the link's page, readable at phone size, and clean for axe-core."""

from .helpers import assert_accessible, assert_fits_phone


def test_the_footer_leads_to_the_privacy_notice_and_the_accessibility_statement(
    phone, issue_link, screenshots
):
    phone.goto(issue_link())
    phone.get_by_role("link", name="Privatliv", exact=True).click()
    phone.get_by_role("heading", name="Privatlivserklæring", level=1).wait_for()
    phone.get_by_role("heading", name="Hvor længe vi gemmer oplysningerne").wait_for()
    screenshots(phone, "privacy-notice")
    assert_accessible(phone, "privacy notice")
    assert_fits_phone(phone, "privacy notice")
    phone.get_by_role("link", name="Tilgængelighed", exact=True).click()
    phone.get_by_role("heading", name="Tilgængelighedserklæring", level=1).wait_for()
    screenshots(phone, "accessibility-statement")
    assert_accessible(phone, "accessibility statement")
    assert_fits_phone(phone, "accessibility statement")
