"""What billing tells the other modules: an invoice being issued and issued, a credit note being issued and
issued, a payment received, each as the typed payload of ``core.plugins.events``."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from core.plugins import events
from core.plugins.events import emit

from .models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, Payment


def _portal_path(invoice: Invoice) -> str:
    """Where the patient sees the invoice on the clinic's portal (empty when the portal is not mounted)."""
    try:
        return reverse(
            "portal:billing:invoice",
            kwargs={"clinic_slug": invoice.clinic.slug, "invoice_id": str(invoice.pk)},
        )
    except NoReverseMatch:
        return ""


def announce_issue(clinic, invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """Inside the issuing transaction: ask the modules that take part in the issue (inventory takes the
    stock out, and may refuse), then tell the others once it has committed."""
    billed = tuple(
        events.BilledLine(
            line_id=line.pk,
            kind=line.kind,
            reference=line.reference,
            description=line.description,
            quantity=line.quantity,
        )
        for line in lines
    )
    emit(
        clinic,
        events.InvoiceIssuing(
            invoice_id=invoice.pk,
            number=invoice.number,
            issue_date=invoice.issue_date,
            patient_id=invoice.patient_id,
            lines=billed,
        ),
    )
    emit(
        clinic,
        events.InvoiceIssued(
            invoice_id=invoice.pk,
            number=invoice.number,
            issue_date=invoice.issue_date,
            patient_id=invoice.patient_id,
            total=invoice.gross_total,
            currency=invoice.currency,
            portal_path=_portal_path(invoice),
        ),
    )


def announce_credit(invoice: Invoice, note: CreditNote, lines: list[CreditNoteLine]) -> None:
    """Inside the credit note's transaction: the modules that take part (inventory returns the stock),
    then the others once it has committed. Quantities are what was credited (positive)."""
    billed = tuple(
        events.BilledLine(
            line_id=line.invoice_line_id,
            kind=line.invoice_line.kind,
            reference=line.invoice_line.reference,
            description=line.description,
            quantity=-line.quantity,
        )
        for line in lines
    )
    emit(
        invoice.clinic,
        events.InvoiceCrediting(
            credit_note_id=note.pk,
            invoice_id=invoice.pk,
            number=note.number,
            issue_date=note.issue_date,
            patient_id=invoice.patient_id,
            lines=billed,
        ),
    )
    emit(
        invoice.clinic,
        events.InvoiceCredited(
            credit_note_id=note.pk,
            invoice_id=invoice.pk,
            issue_date=note.issue_date,
            invoice_issue_date=invoice.issue_date,
            total=note.gross_total,
            currency=note.currency,
        ),
    )


def announce_payment(invoice: Invoice, payment: Payment) -> None:
    emit(
        invoice.clinic,
        events.PaymentReceived(
            payment_id=payment.pk,
            invoice_id=invoice.pk,
            invoice_number=invoice.number,
            invoice_issue_date=invoice.issue_date,
            patient_id=invoice.patient_id,
            amount=payment.amount,
            currency=payment.currency,
            received_on=payment.date,
        ),
    )
