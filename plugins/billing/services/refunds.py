"""Refunds: money paid back to the patient against a credit note, never more than it left refundable nor
than was paid on the invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.accounts.models import User

from ..formatting import money
from ..models import CreditNote, Invoice, PaymentMethod, Refund
from ..money import quantize
from .amounts import decimal_from
from .dates import local_today


@transaction.atomic
def record_refund(
    credit_note: CreditNote,
    *,
    amount: Decimal | int | str,
    method: str,
    on: date | None = None,
    reference: str = "",
    by: User | None = None,
) -> Refund:
    """Money paid back to the patient against a credit note: never more than the credit note left
    refundable, and never more, over all of the invoice's refunds, than was paid on the invoice. The
    invoice is locked first (the same order as crediting it), so parallel refunds queue."""
    invoice = Invoice.objects.select_for_update().get(
        pk=credit_note.invoice_id, organization_id=credit_note.organization_id
    )
    note = CreditNote.objects.select_for_update().get(
        pk=credit_note.pk, organization_id=credit_note.organization_id
    )
    currency = note.currency
    amount = decimal_from(amount, "amount")
    errors = {}
    refunded = Refund.objects.filter(
        organization_id=note.organization_id, credit_note__invoice_id=invoice.pk
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    left = min(note.refundable_amount - note.refunded_amount, invoice.paid_total - refunded)
    if amount <= 0:
        errors["amount"] = _("Enter an amount greater than 0.")
    elif amount != quantize(amount, currency):
        errors["amount"] = _("Enter the amount in whole minor units of %(currency)s.") % {
            "currency": currency
        }
    elif left <= 0:
        errors["amount"] = _("Nothing is left to refund on this credit note.")
    elif amount > left:
        errors["amount"] = _("At most %(left)s is left to refund.") % {"left": money(left, currency)}
    if method not in PaymentMethod.values:
        errors["method"] = _("Select a valid choice. That choice is not one of the available choices.")
    today = local_today(note.clinic)
    on = on or today
    if on > today:
        errors["date"] = _("A refund cannot be dated in the future.")
    elif on < note.issue_date:
        errors["date"] = _("A refund cannot be dated before its credit note.")
    if errors:
        raise ValidationError(errors)
    refund = Refund.objects.create(
        organization_id=note.organization_id,
        credit_note=note,
        method=method,
        amount=amount,
        date=on,
        reference=str(reference)[:100],
        recorded_by=by,
    )
    note.refunded_amount += amount
    note.save(update_fields=["refunded_amount"])
    return refund


def refundable_left(note: CreditNote) -> Decimal:
    return max(note.refundable_amount - note.refunded_amount, Decimal(0))
