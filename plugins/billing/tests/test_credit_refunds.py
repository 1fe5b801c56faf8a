"""Patient credit: overpayments kept as credit, applied by staff to a later invoice (never twice, never below
zero, even in parallel); refunds against credit notes, never more than was paid; the office forms."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope, scopes_disabled

from plugins.billing.models import Invoice, InvoiceStatus, PatientCredit, Refund
from plugins.billing.services import issuing
from plugins.billing.services.credit import apply_credit, patient_credit
from plugins.billing.services.credit_notes import issue_credit_note
from plugins.billing.services.dates import local_today
from plugins.billing.services.issuing import issue
from plugins.billing.services.payments import record_payment
from plugins.billing.services.refunds import record_refund

from .conftest import draft_with_line, only_our_modules


def overpay(tenant, extra="30.00", price="100.00"):
    """An invoice paid with ``extra`` too much: the patient now has ``extra`` of credit."""
    invoice = issue(draft_with_line(tenant, price=price))
    record_payment(invoice, amount=str(Decimal(price) + Decimal(extra)), method="cash")
    return invoice


@pytest.mark.django_db
def test_credit_pays_a_later_invoice_in_part_then_whole(bill):
    with scope(organization=bill.org.pk):
        overpay(bill, extra="30.00")
        later = issue(draft_with_line(bill, price="50.00"))
        used, message = apply_credit(later, amount="20")
        assert used == Decimal("20") and "€20.00" in message and "€30.00 is still due" in message
        later.refresh_from_db()
        assert (later.status, later.balance, later.paid_total) == (
            InvoiceStatus.PARTLY_PAID,
            Decimal("30.00"),
            Decimal("20.00"),
        )
        assert patient_credit(bill.clinic, bill.patient) == Decimal("10.00")
        used, message = apply_credit(later)  # as much as there is
        assert used == Decimal("10.00")
        later.refresh_from_db()
        assert later.balance == Decimal("20.00") and patient_credit(bill.clinic, bill.patient) == 0
        entry = PatientCredit.objects.filter(applied_to=later).order_by("pk").first()
        assert entry.amount == Decimal("-20.00") and later.number in entry.note
        with pytest.raises(ValidationError, match="no credit"):
            apply_credit(later)


@pytest.mark.django_db
def test_credit_is_refused_beyond_what_there_is_or_what_is_due(bill):
    with scope(organization=bill.org.pk):
        overpay(bill, extra="30.00")
        later = issue(draft_with_line(bill, price="25.00"))
        for amount, field_text in [
            ("31", "only €30.00 of credit"),
            ("26", "Only €25.00 is left"),
            ("0", "greater than 0"),
            ("0.001", "whole minor units"),
            ("abc", "Enter a number"),
        ]:
            with pytest.raises(ValidationError) as caught:
                apply_credit(later, amount=amount)
            assert field_text in " ".join(caught.value.messages), amount
        used, _message = apply_credit(later)  # the balance caps what is used
        assert used == Decimal("25.00")
        later.refresh_from_db()
        assert later.status == InvoiceStatus.PAID
        with pytest.raises(ValidationError, match="nothing left to pay"):
            apply_credit(later)
        with pytest.raises(ValidationError, match="Issue the invoice"):
            apply_credit(draft_with_line(bill))
        # Credit at one clinic does not pay another clinic's invoice.
        elsewhere = issue(draft_with_line(bill, clinic=bill.clinics[1]))
        with pytest.raises(ValidationError, match="no credit"):
            apply_credit(elsewhere)
        assert patient_credit(bill.clinic, bill.patient) == Decimal("5.00")


@pytest.mark.django_db(transaction=True)
def test_parallel_applications_never_spend_credit_twice(alpha, monkeypatch):
    """Eight invoices of one patient each try to take the whole 30.00 of credit at once, each on its own
    connection: exactly 30.00 is used in all, the ledger ends at 0, and the others are told why."""
    monkeypatch.setattr(issuing, "enqueue_on_commit", lambda *args, **kwargs: None)
    with scopes_disabled():
        only_our_modules(alpha)
        alpha.clinic.currency = "EUR"
        alpha.clinic.save()
    with scope(organization=alpha.org.pk):
        overpay(alpha, extra="30.00")
        ids = [issue(draft_with_line(alpha, price="20.00")).pk for _ in range(8)]
    start = Barrier(len(ids))

    def apply(pk):
        try:
            with scope(organization=alpha.org.pk):
                invoice = Invoice.objects.get(pk=pk)
                start.wait()
                try:
                    return apply_credit(invoice)[0]
                except ValidationError:
                    return Decimal(0)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        used = list(pool.map(apply, ids))
    assert sum(used) == Decimal("30.00")
    assert sorted(used, reverse=True)[:2] == [Decimal("20.00"), Decimal("10.00")]
    with scope(organization=alpha.org.pk):
        assert patient_credit(alpha.clinic, alpha.patient) == 0
        paid = Invoice.objects.filter(pk__in=ids).values_list("paid_total", flat=True)
        assert sum(paid) == Decimal("30.00")
        assert PatientCredit.objects.filter(applied_to__isnull=False).count() == 2


@pytest.mark.django_db
def test_refunds_never_exceed_what_was_paid(bill):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="100.00"))
        record_payment(invoice, amount="40", method="card")
        note = issue_credit_note(invoice, reason="Treatment not given")
        # 60.00 of the credit lowered the balance; the 40.00 paid is what can go back.
        assert note.refundable_amount == Decimal("40.00")
        with pytest.raises(ValidationError, match="At most €40.00"):
            record_refund(note, amount="40.01", method="card")
        for amount, method, text in [("0", "card", "greater than 0"), ("5", "cheque", "valid choice")]:
            with pytest.raises(ValidationError, match=text):
                record_refund(note, amount=amount, method=method)
        record_refund(note, amount="15", method="card", reference="R-1")
        record_refund(note, amount="25", method="bank_transfer")
        with pytest.raises(ValidationError, match="Nothing is left"):
            record_refund(note, amount="0.01", method="card")
        note.refresh_from_db()
        assert note.refunded_amount == Decimal("40.00")
        assert sum(r.amount for r in Refund.objects.filter(credit_note=note)) == Decimal("40.00")

        unpaid = issue(draft_with_line(bill, price="10.00"))
        nothing = issue_credit_note(unpaid, reason="Wrong patient")
        with pytest.raises(ValidationError, match="Nothing is left"):
            record_refund(nothing, amount="1", method="cash")


def url(tenant, tail=""):
    return f"/office/c/{tenant.clinic.slug}/billing/{tail}"


@pytest.mark.django_db
def test_office_applies_credit_and_records_refunds(bill, login):
    with scope(organization=bill.org.pk):
        first = overpay(bill, extra="30.00")
        later = issue(draft_with_line(bill, price="50.00"))
    client = login(bill.staff)
    page = client.get(url(bill, f"invoices/{later.pk}/"))
    assert b"Apply credit" in page.content and "€30.00".encode() in page.content
    response = client.post(url(bill, f"invoices/{later.pk}/credit/"), {"credit-amount": "31"})
    assert response.status_code == 400 and "€30.00 of credit".encode() in response.content
    response = client.post(url(bill, f"invoices/{later.pk}/credit/"), {"credit-amount": ""}, follow=True)
    assert response.status_code == 200 and "€30.00 of the patient".encode() in response.content
    with scope(organization=bill.org.pk):
        later.refresh_from_db()
        assert later.balance == Decimal("20.00")
        note = issue_credit_note(first, reason="Cancelled")
    detail = url(bill, f"invoices/{first.pk}/")
    assert b"Record refund" in client.get(detail).content
    today = local_today(bill.clinic).isoformat()
    refund = {"refund-credit_note": note.pk, "refund-method": "cash", "refund-date": today}
    response = client.post(detail + "refunds/", {**refund, "refund-amount": "100.01"})
    assert response.status_code == 400 and "At most €100.00".encode() in response.content
    response = client.post(detail + "refunds/", {**refund, "refund-amount": "100"}, follow=True)
    assert "Refund of €100.00 recorded".encode() in response.content
    assert b"Record refund" not in response.content
    # A practitioner may neither apply credit nor refund.
    practitioner = login(bill.practitioner)
    assert practitioner.post(url(bill, f"invoices/{later.pk}/credit/"), {}).status_code == 403
    assert practitioner.post(detail + "refunds/", {**refund, "refund-amount": "1"}).status_code == 403
