"""The owner's privacy screens on a desktop and a phone: recording a patient's erasure request from their
page, the review of what the law keeps (with its legal ground) before carrying it out, the decision, and
the organization export page. Screenshots are stored for review."""

from __future__ import annotations

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from core.tenancy.models import Role
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line
from tests.factories import add_member, make_org, make_patient, make_user

from .helpers import axe_violations, format_violations, sign_in
from .test_schedule_screens import SIZES, fits_the_width, reachable

pytestmark = pytest.mark.django_db(transaction=True)


def berlin_practice():
    """A German practice whose patient has a paid-for invoice issued today."""
    org, (clinic,) = make_org("Praxis Lindenhof", clinics=("Mitte",))
    org.country = "DE"
    org.save()
    clinic.timezone, clinic.currency = "Europe/Berlin", "EUR"
    clinic.save()
    with scope(organization=org.pk):
        owner = make_user("owner@lindenhof.test", full_name="Dr Hanna Weber")
        add_member(org, owner, Role.OWNER, [clinic])
        patient = make_patient(
            clinic, "Eva", "Krause", email="eva@example.test", address_line1="Lindenweg 2", city="Berlin"
        )
        draft = create_draft(clinic=clinic, patient=patient, by=owner)
        add_line(draft, description="Erstuntersuchung", quantity="1", unit_price="120")
        from plugins.billing.services.clinic_settings import billing_profile

        profile = billing_profile(clinic)
        profile.tax_id, profile.address = "DE136695976", "Hauptstr. 1\n10115 Berlin"
        profile.save()
        issue(draft)
    return org, patient


@pytest.mark.parametrize("size", SIZES)
def test_owner_records_reviews_and_carries_out_an_erasure_request(new_context, screenshot, size):
    _org, patient = berlin_practice()
    width = SIZES[size]["width"]
    page = new_context(viewport=SIZES[size]).new_page()
    sign_in(page, "owner@lindenhof.test")

    page.goto(f"/office/patients/{patient.pk}/")
    record = page.get_by_test_id("record-erasure")
    reachable(page, record)
    expect(page.get_by_test_id("patient-data-download")).to_be_visible()
    record.click()

    expect(page.get_by_role("heading", name="Erasure request of Eva Krause")).to_be_visible()
    decisions = page.get_by_test_id("erasure-decisions")
    expect(decisions).to_contain_text("§ 147 Abs. 3 AO; § 14b UStG")
    expect(decisions).to_contain_text("Kept until 31 Dec")
    fits_the_width(page, width)
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"privacy-erasure-review-{size}.png")

    carry_out = page.get_by_test_id("carry-out")
    reachable(page, carry_out)
    carry_out.click()
    expect(page.get_by_test_id("erasure-status")).to_have_text("Partly erased; the rest kept by law")
    fits_the_width(page, width)
    screenshot(page, f"privacy-erasure-decided-{size}.png")

    page.goto("/office/settings/privacy/")
    expect(page.get_by_test_id("erasure-requests")).to_contain_text("Eva Krause")
    fits_the_width(page, width)
    screenshot(page, f"privacy-requests-{size}.png")

    page.goto("/office/settings/export/")
    reachable(page, page.get_by_test_id("export-organization"))
    fits_the_width(page, width)
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"privacy-organization-export-{size}.png")


@pytest.mark.parametrize("size", SIZES)
def test_owner_keeps_the_record_of_processing_activities(new_context, screenshot, size):
    berlin_practice()
    width = SIZES[size]["width"]
    page = new_context(viewport=SIZES[size]).new_page()
    sign_in(page, "owner@lindenhof.test")
    page.goto("/office/settings/processing-record/")
    expect(page.get_by_role("heading", name="Record of processing activities")).to_be_visible()
    expect(page.get_by_label("Retention periods")).to_contain_text("§ 630f Abs. 3 BGB")
    page.get_by_label("Data protection officer").fill("Dr. Daten, dsb@lindenhof.test")
    fits_the_width(page, width)
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"privacy-processing-record-{size}.png")
    save = page.get_by_role("button", name="Save as a new version")
    reachable(page, save)
    save.click()
    expect(page.get_by_text("Version 1 of the record is saved.")).to_be_visible()
    expect(page.get_by_test_id("record-versions")).to_contain_text("owner@lindenhof.test")

    page.goto("/office/settings/processing-record/print/")
    expect(page.get_by_text("Dr. Daten, dsb@lindenhof.test")).to_be_visible()
    fits_the_width(page, width)
    screenshot(page, f"privacy-processing-record-print-{size}.png")
