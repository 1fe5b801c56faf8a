"""The front desk records a disclosure from the patient's chart; the patient opens the accounting of
disclosures on the clinic's portal and downloads it as a PDF. Screenshots at desktop (1366x900) and
phone (390x844) sizes."""

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.factories import PASSWORD, link_patient_login, make_tenant, make_user

from .conftest import SCREENSHOTS
from .helpers import axe_violations, format_violations, sign_in

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils: scripts/bootstrap.sh")


def open_page(new_context, viewport=None):
    page = new_context(viewport).new_page()
    page.set_default_timeout(30_000)
    return page


def test_staff_record_a_disclosure_and_the_patient_reads_the_accounting(
    transactional_db, live_server, new_context
):
    with scopes_disabled():
        alpha = make_tenant("Alpha")
        login = make_user("accounting@example.test")
        link_patient_login(alpha.patient, login)
    disclosed_on = timezone.localdate() - timedelta(days=3)

    desk = open_page(new_context, SIZES["desktop"])
    sign_in(desk, alpha.staff.email)
    desk.goto(f"/office/patients/{alpha.patient.pk}/")
    desk.get_by_role("link", name="Disclosures", exact=True).click()
    expect(desk.get_by_role("heading", name="Disclosures", exact=True)).to_be_visible()
    form = desk.get_by_test_id("disclosure-form")
    form.get_by_label("Date of disclosure").fill(disclosed_on.isoformat())
    form.get_by_label("Given to").fill("County Court of Alpha")
    form.get_by_label("Recipient's address or organization").fill("12 Justice Street")
    form.get_by_label("What was disclosed").fill("Visit notes of the last year")
    form.get_by_label("Purpose").select_option(label="Judicial or administrative proceedings")
    form.get_by_label("Legal basis").fill("Subpoena 42/2026")
    form.get_by_role("button", name="Record").click()
    expect(desk.get_by_text("Disclosure recorded.")).to_be_visible()
    listing = desk.get_by_test_id("disclosure-list")
    expect(listing).to_contain_text("County Court of Alpha")
    # A second one typed by mistake, marked entered in error: struck through, out of the accounting.
    form = desk.get_by_test_id("disclosure-form")
    form.get_by_label("Date of disclosure").fill(disclosed_on.isoformat())
    form.get_by_label("Given to").fill("Wrong Recipient")
    form.get_by_label("What was disclosed").fill("Lab results")
    form.get_by_label("Purpose").select_option(label="Research")
    form.get_by_label("Legal basis").fill("Study consent")
    form.get_by_role("button", name="Record").click()
    expect(desk.get_by_text("Disclosure recorded.")).to_be_visible()
    row = desk.get_by_test_id("disclosure-list").locator("tr", has_text="Wrong Recipient")
    row.get_by_text("Entered in error…").click()
    row.get_by_label("Why is it in error?").fill("Wrong patient")
    row.get_by_role("button", name="Mark entered in error").click()
    expect(desk.get_by_text("Disclosure marked entered in error.")).to_be_visible()
    expect(desk.locator("tr[data-in-error]")).to_contain_text("Wrong patient")
    for size, viewport in SIZES.items():
        page = open_page(new_context, viewport)
        sign_in(page, alpha.staff.email)
        page.goto(f"/office/patients/{alpha.patient.pk}/disclosures/")
        expect(page.get_by_test_id("disclosure-list")).to_contain_text("County Court of Alpha")
        page.screenshot(path=str(SCREENSHOTS / f"disclosures-office-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)

    for size, viewport in SIZES.items():
        page = open_page(new_context, viewport)
        page.goto(f"/c/{alpha.clinic.slug}/account/login/")
        page.get_by_label("Email").fill(login.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Disclosures of my record").click()
        expect(page.get_by_role("heading", name="Disclosures of my record")).to_be_visible()
        table = page.get_by_role("table")
        expect(table).to_contain_text("County Court of Alpha")
        expect(table).to_contain_text("Subpoena 42/2026")
        expect(table).not_to_contain_text("Wrong Recipient")
        page.screenshot(path=str(SCREENSHOTS / f"disclosures-portal-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download as PDF").click()
        saved = Path(download.value.path())
        text = subprocess.run(
            ["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(text.split())  # table cells wrap
        assert "Accounting of disclosures" in text and "County Court of Alpha" in text
        assert "Wrong Recipient" not in text
        if size == "desktop":
            first_page = ["-f", "1", "-l", "1", "-singlefile"]
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "60",
                    *first_page,
                    str(saved),
                    str(SCREENSHOTS / "disclosures-pdf"),
                ],
                check=True,
            )
