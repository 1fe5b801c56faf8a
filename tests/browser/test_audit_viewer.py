"""The owner reads the audit trail: filters it by a patient found by typing part of their name, exports
that view as CSV, narrows it to emergency (break-glass) accesses, and opens the patient's "Access history"
chart tab; the patient opens "Who viewed my record" on the clinic's portal. Screenshots at desktop
(1366x900) and phone (390x844) sizes."""

from pathlib import Path

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.factories import PASSWORD, link_patient_login, make_patient, make_tenant, make_user

from .conftest import SCREENSHOTS
from .helpers import axe_violations, format_violations, sign_in

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def open_page(new_context, viewport=None):
    """A page with room for a slow first answer (the server thread also renders the CSV and the chart)."""
    page = new_context(viewport).new_page()
    page.set_default_timeout(30_000)
    return page


def test_owner_filters_the_audit_by_a_patient_and_exports_it(transactional_db, live_server, new_context):
    with scopes_disabled():
        alpha = make_tenant("Alpha")
        make_patient(alpha.clinic, "Olga", "Otherpatient")
    # The practitioner opens the patient's chart: an access the owner will find.
    doctor = open_page(new_context)
    sign_in(doctor, alpha.practitioner.email)
    doctor.goto(f"/office/patients/{alpha.patient.pk}/")
    expect(doctor.get_by_role("heading", name=alpha.patient.full_name)).to_be_visible()
    for size, viewport in SIZES.items():
        page = open_page(new_context, viewport)
        sign_in(page, alpha.owner.email)
        page.goto("/office/settings/audit/")
        expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
        page.get_by_label("Patient", exact=True).press_sequentially("Alphapat", delay=30)
        suggestion = page.get_by_role("option").get_by_role("link", name=alpha.patient.full_name)
        expect(suggestion).to_be_visible()
        suggestion.click()
        expect(page.get_by_text(f"Showing {alpha.patient.full_name} only.")).to_be_visible()
        rows = page.locator("tbody tr")
        expect(rows.filter(has_text="Viewed: Demographics").first).to_be_visible()
        expect(page.locator("tbody").get_by_text(alpha.practitioner.email).first).to_be_visible()
        expect(page.locator("tbody")).not_to_contain_text("Otherpatient")
        page.screenshot(path=str(SCREENSHOTS / f"audit-viewer-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)
        with page.expect_download() as download:
            page.get_by_role("link", name="Export CSV").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert "Viewed: Demographics" in exported and "Otherpatient" not in exported
        # Nobody broke the glass: the emergency filter leaves nothing of this patient's list.
        page.get_by_label("Emergency (break-glass) access only").check()
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_text("Nothing recorded for these filters.")).to_be_visible()
        expect(page.get_by_label("Emergency (break-glass) access only")).to_be_checked()

        page.goto(f"/office/patients/{alpha.patient.pk}/")
        page.get_by_role("link", name="Access history").click()
        expect(page.get_by_role("heading", name="Access history")).to_be_visible()
        expect(page.locator("tbody").get_by_text(alpha.practitioner.email).first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"audit-access-history-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)


def test_patient_sees_who_viewed_their_record(transactional_db, live_server, new_context):
    with scopes_disabled():
        alpha = make_tenant("Alpha")
        login = make_user("viewed@example.test")
        link_patient_login(alpha.patient, login)
    doctor = open_page(new_context)
    sign_in(doctor, alpha.practitioner.email)
    doctor.goto(f"/office/patients/{alpha.patient.pk}/")
    expect(doctor.get_by_role("heading", name=alpha.patient.full_name)).to_be_visible()
    for size, viewport in SIZES.items():
        page = open_page(new_context, viewport)
        page.goto(f"/c/{alpha.clinic.slug}/account/login/")
        page.get_by_label("Email").fill(login.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Who viewed my record").click()
        expect(page.get_by_role("heading", name="Who viewed my record")).to_be_visible()
        table = page.get_by_role("table")
        expect(table).to_contain_text("Practitioner")
        expect(table).to_contain_text("Viewed: Demographics")
        expect(table).not_to_contain_text(alpha.practitioner.email)
        page.screenshot(path=str(SCREENSHOTS / f"audit-who-viewed-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)
