"""What an invoice shows: the PDF prints payments, credit notes, the balance due and the practitioner, and
is drawn again when they change; addresses follow the country's post; the page writes every date one
way, prefills money in minor units, and its numbers in lists look like links."""

import re
from datetime import date

import pytest
from django_scopes import scope

from core.addresses import address_lines
from plugins.billing.models import InvoicePdf
from plugins.billing.pdf import pdf_version, stored_or_rendered
from plugins.billing.services.credit_notes import issue_credit_note
from plugins.billing.services.issuing import issue
from plugins.billing.services.payments import record_payment

from .conftest import draft_with_line
from .test_pdf import _png, _text, needs_poppler

pytestmark = pytest.mark.django_db


def test_addresses_follow_each_countrys_post():
    assert address_lines("350 Fifth Avenue", "", "10001", "New York", "US", home_country="US") == [
        "350 Fifth Avenue",
        "New York 10001",
    ]
    assert address_lines("Hauptstraße 5", "", "10115", "Berlin", "DE", home_country="DE") == [
        "Hauptstraße 5",
        "10115 Berlin",
    ]
    assert address_lines("10 Downing Street", "", "SW1A 2AA", "London", "GB", home_country="DE") == [
        "10 Downing Street",
        "London",
        "SW1A 2AA",
        "United Kingdom",
    ]
    assert address_lines("", "", "", "", "", home_country="US") == []


def test_a_us_patient_on_a_us_clinics_invoice(bill):
    clinic, patient = bill.clinic, bill.patient
    clinic.country = "US"
    clinic.save()
    patient.address_line1, patient.city, patient.postal_code, patient.country = (
        "350 Fifth Avenue",
        "New York",
        "10001",
        "US",
    )
    patient.save()
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill))
    assert invoice.buyer["address"] == "350 Fifth Avenue\nNew York 10001"


@needs_poppler
def test_pdf_prints_payments_credits_balance_and_practitioner_and_is_redrawn_after_them(bill):
    with scope(organization=bill.org.pk):
        invoice = draft_with_line(bill, price="100.00", quantity="2")
        invoice.practitioner = bill.memberships["practitioner"]
        invoice.save(update_fields=["practitioner"])
        invoice = issue(invoice)
        first = stored_or_rendered(invoice)
        first_version = first.template_version
        assert "Total due" in _text(first.file.path)

        record_payment(invoice, amount="50.00", method="card", on=invoice.issue_date)
        issue_credit_note(invoice, reason="One session cancelled", quantities={invoice.lines.get().pk: 1})
        invoice.refresh_from_db()
        assert pdf_version(invoice) != first_version
        again = stored_or_rendered(invoice)
        text = _text(again.file.path)
        _png(again.file.path, "invoice-settled")
    assert "Alpha Doctor" in text
    assert re.search(r"Paid on .*\(Card\)\s+-€50\.00", text), text
    assert "Credit note" in text and "-€100.00" in text
    assert re.search(r"Balance due\s+€50\.00", text), text
    with scope(organization=bill.org.pk):
        assert InvoicePdf.objects.get(invoice=invoice).template_version == pdf_version(invoice)


def test_invoice_page_one_date_format_and_money_without_trailing_zeros(bill, login):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="90.00"), on=None)
        record_payment(invoice, amount="10.00", method="cash", on=invoice.issue_date)
    client = login(bill.owner)
    page = client.get(f"/office/c/{bill.clinic.slug}/billing/invoices/{invoice.pk}/").content.decode()
    assert 'value="80.00"' in page and "80.0000" not in page
    written = invoice.issue_date.strftime("%b %-d, %Y")  # English medium date: "Dec 6, 2026"
    assert page.count(written) >= 2  # the invoice's date and the payment's, written the same way
    assert invoice.issue_date.strftime("%m/%d/%Y") not in page
    listing = client.get(f"/office/c/{bill.clinic.slug}/billing/").content.decode()
    assert re.search(r'<a class="link" href="[^"]+">' + re.escape(invoice.number), listing)


def test_medium_date_formatting_reads_the_clinics_day():
    from plugins.billing.formatting import day

    assert day(date(2026, 12, 6), "en") == "Dec 6, 2026"
    assert day(date(2026, 12, 6), "de") == "06.12.2026"
