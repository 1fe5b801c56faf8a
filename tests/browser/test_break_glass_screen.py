"""A practitioner opens the chart of a patient they have never seen: the reason page comes first, the chart
opens once a reason is given, and the owner finds the access marked "Break-glass" in the audit log, alone
under its emergency filter.
Screenshots of the reason page at desktop (1366x900) and phone (390x844) sizes."""

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from core.audit.models import AccessPolicy
from tests.factories import make_patient, make_tenant

from .conftest import SCREENSHOTS
from .helpers import axe_violations, format_violations, sign_in

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def test_a_reason_opens_a_chart_outside_ones_care(transactional_db, live_server, new_context):
    with scopes_disabled():
        alpha = make_tenant("Alpha")
        AccessPolicy.objects.create(organization=alpha.org, break_glass_months=12)
        patients = [make_patient(alpha.clinic, given, "Outsidecare") for given in ("Desk", "Phone")]
    for (size, viewport), patient in zip(SIZES.items(), patients, strict=True):
        page = new_context(viewport).new_page()
        page.set_default_timeout(30_000)
        sign_in(page, alpha.practitioner.email)
        page.goto(f"/office/patients/{patient.pk}/")
        expect(page.get_by_role("heading", name="Reason for access")).to_be_visible()
        expect(page.get_by_text(patient.full_name)).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"break-glass-reason-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)
        page.get_by_role("button", name="Open the chart").click()
        expect(page.get_by_text("This field is required.").first).to_be_visible()
        page.get_by_label("Covering for a colleague").check()
        page.get_by_label("Explanation").fill("Covering for Dr Lee's patients this week")
        page.get_by_role("button", name="Open the chart").click()
        expect(page.get_by_role("heading", name=patient.full_name)).to_be_visible()
        expect(page.get_by_text("The chart is open to you for 12 hours.")).to_be_visible()

    owner = new_context(SIZES["desktop"]).new_page()
    owner.set_default_timeout(30_000)
    sign_in(owner, alpha.owner.email)
    owner.goto("/office/settings/audit/?kind=access")
    expect(owner.locator("tbody").get_by_text("Break-glass").first).to_be_visible()
    expect(
        owner.locator("tbody").get_by_text("Covering for Dr Lee's patients this week").first
    ).to_be_visible()
    # The emergency filter keeps only those accesses: every row listed carries the flag.
    owner.get_by_label("Emergency (break-glass) access only").check()
    owner.get_by_role("button", name="Filter").click()
    expect(owner.get_by_label("Emergency (break-glass) access only")).to_be_checked()
    rows = owner.locator("tbody tr")
    expect(rows.first).to_contain_text("Break-glass")
    assert rows.count() == rows.filter(has_text="Break-glass").count()
    expect(owner.locator("tbody")).not_to_contain_text("Audit log")
    owner.screenshot(path=str(SCREENSHOTS / "break-glass-audit-desktop.png"), full_page=True)
    assert not (found := axe_violations(owner)), format_violations(found)

    # The owner's review: the reasons given, each with what was opened under it.
    for size in ("desktop", "phone"):
        review = owner if size == "desktop" else new_context(SIZES["phone"]).new_page()
        if size == "phone":
            review.set_default_timeout(30_000)
            sign_in(review, alpha.owner.email)
        review.goto("/office/settings/audit/break-glass/")
        expect(review.get_by_test_id("break-glass-grants")).to_contain_text(
            "Covering for Dr Lee's patients this week"
        )
        review.screenshot(path=str(SCREENSHOTS / f"break-glass-review-{size}.png"), full_page=True)
    owner.get_by_role("link", name="What was opened").first.click()
    expect(owner.locator("tbody").get_by_text("Break-glass").first).to_be_visible()
