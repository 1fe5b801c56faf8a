"""Factur-X in a real browser: at a German clinic that issues Factur-X invoices, the front desk names the
company that pays on the draft, issues it and downloads a PDF that carries ``factur-x.xml``."""

from __future__ import annotations

from io import BytesIO

import pytest
from django_scopes import scope, scopes_disabled
from facturx import get_facturx_xml_from_pdf
from playwright.sync_api import expect

from core.tenancy.models import Organization

from .helpers import axe_violations, format_violations, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def facturx_draft(tenant):
    from core.plugins.manager import registry
    from core.tenancy.models import ClinicModule
    from plugins.billing.models import TaxRate
    from plugins.billing.services.clinic_settings import billing_profile
    from plugins.billing.services.drafts import create_draft
    from plugins.billing.services.lines import add_line

    clinic = tenant.clinic
    clinic.currency = "EUR"
    clinic.save()
    for slug in registry().modules:
        if slug != "billing":
            ClinicModule.objects.update_or_create(
                organization=tenant.org, clinic=clinic, module=slug, defaults={"enabled": False}
            )
    Organization.objects.filter(pk=tenant.org.pk).update(country="DE")
    tenant.org.country = "DE"
    patient = tenant.patient
    patient.address_line1, patient.postal_code, patient.city = "Lindenweg 2", "10117", "Berlin"
    patient.save()
    with scope(organization=tenant.org.pk):
        profile = billing_profile(clinic)
        profile.tax_id, profile.address, profile.facturx = "DE136695976", "Hauptstr. 1\n10115 Berlin", True
        profile.save()
        exempt = TaxRate.objects.create(
            organization=tenant.org, clinic=clinic, name="Heilbehandlung", rate=0, exempt=True
        )
        draft = create_draft(clinic=clinic, patient=patient, by=tenant.owner)
        add_line(
            draft, description="Occupational health check", quantity=1, unit_price="120.00", tax_rate=exempt
        )
    return draft


def test_the_front_desk_bills_a_company_and_downloads_a_facturx_pdf(new_context, alpha, screenshot):
    with scopes_disabled():
        draft = facturx_draft(alpha)
    desk = new_context().new_page()
    sign_in(desk, alpha.staff.email)
    desk.goto(f"/office/c/{alpha.clinic.slug}/billing/invoices/{draft.pk}/")
    form = desk.get_by_test_id("bill-to")
    form.get_by_label("Company", exact=True).fill("Muster GmbH")
    form.get_by_label("Company address").fill("Industriestr. 5\n80331 München")
    form.get_by_label("Country code").fill("DE")
    form.get_by_label("VAT number").fill("DE811907980")
    form.get_by_role("button", name="Save").click()
    expect(desk.get_by_text("Saved who pays this invoice.")).to_be_visible()
    expect(desk.get_by_test_id("invoice-status")).to_contain_text("Muster GmbH")
    violations = axe_violations(desk)
    assert not violations, format_violations(violations)
    screenshot(desk, "facturx_draft_billed_to_company.png")

    desk.get_by_role("button", name="Issue invoice").click()
    expect(desk.get_by_test_id("invoice-status")).to_contain_text("Issued")
    # The office opens the PDF in the browser; its bytes are fetched with the same signed-in session.
    href = desk.get_by_role("link", name="Download PDF").get_attribute("href")
    response = desk.context.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    content = response.body()
    filename, xml = get_facturx_xml_from_pdf(BytesIO(content))
    assert filename == "factur-x.xml" and b"Muster GmbH" in xml and b"DE811907980" in xml
