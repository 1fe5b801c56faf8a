"""The invoice row every change works on: locked for the length of the change, checked to be a draft where
only a draft may change, and its status settled from what is left to pay."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Invoice, InvoiceLine, InvoiceStatus


def require_draft(invoice: Invoice) -> None:
    if not invoice.is_draft:
        raise ValidationError(_("This invoice has been issued and can no longer be changed."))


def lock_invoice(invoice: Invoice) -> Invoice:
    """The invoice read again under its row lock (until the calling transaction ends)."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk, organization_id=invoice.organization_id)
    keep_clinic(invoice, locked)
    return locked


def keep_clinic(loaded: Invoice, fresh: Invoice) -> None:
    """Give ``fresh`` the clinic ``loaded`` already carries (the same row), so it is not read again."""
    if Invoice.clinic.is_cached(loaded) and loaded.clinic_id == fresh.clinic_id:
        fresh.clinic = loaded.clinic


def settle(invoice: Invoice) -> None:
    """Store the invoice's amounts and the status they mean: paid, partly paid, open, or void (credited in
    full with nothing paid)."""
    if invoice.balance == 0:
        invoice.status = InvoiceStatus.PAID if invoice.paid_total > 0 else InvoiceStatus.VOID
        if invoice.status == InvoiceStatus.VOID:
            # Credited in full and never paid: the appointments on it may be billed again. Released in this
            # transaction, so no moment exists where the void invoice still holds them or where two
            # invoices do.
            InvoiceLine.objects.filter(
                organization_id=invoice.organization_id, invoice=invoice, claims_source=True
            ).update(claims_source=False)
    elif invoice.paid_total > 0:
        invoice.status = InvoiceStatus.PARTLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED
    invoice.save(update_fields=["status", "balance", "paid_total", "credited_total"])
