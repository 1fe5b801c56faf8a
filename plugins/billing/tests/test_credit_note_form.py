"""The credit-note form credits everything left unless quantities are given, and an invoice's status says
what happened to it (credited in full, partly credited) rather than only "Paid"."""

from decimal import Decimal

import pytest
from django_scopes import scope

from plugins.billing.models import CreditNote
from plugins.billing.services.credit_notes import issue_credit_note
from plugins.billing.services.issuing import issue
from plugins.billing.services.payments import record_payment

from .conftest import draft_with_line

pytestmark = pytest.mark.django_db


def page(tenant, invoice, tail=""):
    return f"/office/c/{tenant.clinic.slug}/billing/invoices/{invoice.pk}/{tail}"


def test_submitting_with_a_reason_only_credits_everything_left(bill, login):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="90.00", quantity="2"))
    client = login(bill.owner)
    form = client.get(page(bill, invoice, "credit-note/"))
    assert b"Leave the quantities empty to credit everything" in form.content
    assert b"At most 2<" in form.content or b"At most 2 " in form.content  # not "2.000"
    response = client.post(page(bill, invoice, "credit-note/"), {"reason": "Billed in error"})
    assert response.status_code == 302, response.content.decode()[:2000]
    with scope(organization=bill.org.pk):
        note = CreditNote.objects.get(invoice=invoice)
        assert note.gross_total == Decimal("-180.00")
        invoice.refresh_from_db()
        assert invoice.status_label == "Credited in full"
    detail = client.get(page(bill, invoice))
    assert b"Credited in full" in detail.content


def test_given_quantities_credit_only_those(bill, login):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="90.00", quantity="2"))
        line = invoice.lines.get()
    client = login(bill.owner)
    response = client.post(
        page(bill, invoice, "credit-note/"), {"reason": "One returned", f"line_{line.pk}": "1"}
    )
    assert response.status_code == 302
    with scope(organization=bill.org.pk):
        invoice.refresh_from_db()
        assert invoice.credited_total == Decimal("90.00")
        assert invoice.status_label == "Issued, partly credited"


def test_a_part_paid_invoice_credited_in_full_reads_credited_not_paid(bill):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="100.00"))
        record_payment(invoice, amount="40.00", method="cash")
        issue_credit_note(invoice, reason="Cancelled treatment")
        invoice.refresh_from_db()
        assert invoice.status == "paid"  # nothing left to pay ...
        assert invoice.status_label == "Credited in full"  # ... but this is what happened
