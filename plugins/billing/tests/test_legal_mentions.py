"""Invoices follow the organization's country pack: an invoice missing a mandatory mention is refused
(office and API) before it takes a number; an issued one carries the pack's legal wording, in its PDF
too; the seller's tax number is checked when the billing settings are saved."""

import json
import shutil
import subprocess
import tempfile

import pytest
from django_scopes import scope

from core.tenancy.models import Organization
from plugins.billing.models import Invoice, InvoiceSeries, SeriesKind, TaxRate
from plugins.billing.pdf import render_pdf_bytes
from plugins.billing.services.clinic_settings import billing_profile
from plugins.billing.services.issuing import issue

from .conftest import draft_with_line

pytestmark = pytest.mark.django_db


def in_country(tenant, country, *, tax_id="", address="Hauptstr. 1\n10115 Berlin"):
    # An UPDATE of the one column: saving the fixture's object would reset its record-number counter.
    Organization.objects.filter(pk=tenant.org.pk).update(country=country)
    tenant.org.country = country
    with scope(organization=tenant.org.pk):
        profile = billing_profile(tenant.clinic)
        profile.tax_id, profile.address = tax_id, address
        profile.save()
    patient = tenant.patient
    patient.address_line1, patient.postal_code, patient.city = "Lindenweg 2", "10117", "Berlin"
    patient.save()


def test_a_german_invoice_without_the_sellers_tax_number_is_refused_in_the_office(bill, login):
    in_country(bill, "DE")
    with scope(organization=bill.org.pk):
        draft = draft_with_line(bill, price="300.00")
    client = login(bill.staff)
    response = client.post(f"/office/c/{bill.clinic.slug}/billing/invoices/{draft.pk}/issue/", follow=True)
    page = response.content.decode()
    assert "This invoice cannot be issued: the law of Germany requires the seller&#x27;s tax number" in page
    with scope(organization=bill.org.pk):
        draft.refresh_from_db()
        assert draft.is_draft and draft.number is None
        # No number was used: the series was never touched.
        assert not InvoiceSeries.objects.filter(
            clinic=bill.clinic, kind=SeriesKind.INVOICE, next_number__gt=1
        )


def test_the_api_refuses_it_with_a_422_naming_the_missing_mentions(bill, login):
    in_country(bill, "DE", tax_id="DE136695976", address="")
    with scope(organization=bill.org.pk):
        draft = draft_with_line(bill, price="300.00")
    response = login(bill.owner).post(
        f"/api/v1/clinics/{bill.clinic.pk}/billing/invoices/{draft.pk}/issue",
        json.dumps({}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "the seller's address" in response.json()["error"]["message"]


def test_a_complete_german_invoice_is_issued_with_the_exemption_clause(bill):
    in_country(bill, "DE", tax_id="DE136695976")
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="300.00"))
    assert invoice.seller["compliance_pack"] == "DE/2026-01"
    assert invoice.seller["legal_mentions"] == ["Exempt from VAT under § 4 No. 14 UStG (medical treatment)."]


def test_an_organization_without_a_country_issues_as_before(bill):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill))
    assert "legal_mentions" not in invoice.seller and invoice.number


@pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils is installed by scripts/bootstrap.sh"
)
def test_a_french_invoice_prints_its_mentions(bill):
    in_country(bill, "FR", tax_id="732 829 320 00074", address="1 rue de la Paix\n75002 Paris")
    bill.patient.preferred_language = "fr"
    bill.patient.save()
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="60.00"))
        content = render_pdf_bytes(Invoice.objects.get(pk=invoice.pk))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    flat = " ".join(text.split())
    assert "TVA non applicable, article 261-4-1° du CGI." in flat
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in flat


def test_billing_settings_check_the_tax_number_and_add_the_countrys_rates(bill, login):
    in_country(bill, "FR")
    client = login(bill.owner)
    settings_url = f"/office/c/{bill.clinic.slug}/billing/settings/"
    form = {
        "form": "profile",
        "profile-legal_name": "Cabinet Martin",
        "profile-tax_id": "732 829 320 00075",
        "profile-address": "1 rue de la Paix",
        "profile-invoice_footer": "",
        "profile-payment_terms_days": "30",
    }
    refused = client.post(settings_url, form)
    assert refused.status_code == 400
    assert "is not a valid tax number for France" in refused.content.decode()
    assert client.post(settings_url, {**form, "profile-tax_id": "732 829 320 00074"}).status_code == 302

    response = client.post(f"{settings_url}country-tax-rates/", follow=True)
    assert "tax rates added" in response.content.decode()
    with scope(organization=bill.org.pk):
        names = set(TaxRate.objects.filter(clinic=bill.clinic).values_list("name", flat=True))
        assert {"Soins (art. 261-4-1° CGI)", "TVA 20 %", "TVA 5,5 %"} <= names
        # The clinic's own default for services (the fixture's "Medical") stays the only one.
        assert TaxRate.objects.filter(clinic=bill.clinic, is_default=True, applies_to="services").count() == 1
    again = client.post(f"{settings_url}country-tax-rates/", follow=True)
    assert "already has every usual tax rate" in again.content.decode()


def test_a_new_series_starts_with_the_countrys_prefix(bill):
    in_country(bill, "DE", tax_id="DE136695976")
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="300.00"))
    assert invoice.number.startswith("RE-")
