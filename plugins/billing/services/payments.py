"""Payments: money received for an issued invoice. What exceeds the balance becomes the patient's credit
at the clinic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.accounts.models import User

from ..announcements import announce_payment
from ..formatting import money
from ..models import OPEN_STATUSES, Invoice, PatientCredit, Payment, PaymentMethod
from ..money import quantize
from .amounts import decimal_from
from .dates import local_today
from .invoice_state import lock_invoice, settle


@transaction.atomic
def record_payment(
    invoice: Invoice,
    *,
    amount: Decimal | int | str,
    method: str,
    on: date | None = None,
    reference: str = "",
    by: User | None = None,
) -> tuple[Payment, str]:
    """Record money received for an issued invoice. What exceeds the balance is kept as the patient's
    credit at the clinic. Returns the payment and a message saying what happened to the money."""
    invoice = lock_invoice(invoice)
    if invoice.status not in OPEN_STATUSES:
        if invoice.is_draft:
            raise ValidationError(_("Issue the invoice before recording a payment."))
        raise ValidationError(_("This invoice has nothing left to pay."))
    amount = decimal_from(amount, "amount")
    errors = {}
    if amount <= 0:
        errors["amount"] = _("Enter an amount greater than 0.")
    elif amount != quantize(amount, invoice.currency):
        errors["amount"] = _("Enter the amount in whole minor units of %(currency)s.") % {
            "currency": invoice.currency
        }
    elif amount >= 10**10:
        errors["amount"] = _("This amount is too large.")
    if method not in PaymentMethod.values:
        errors["method"] = _("Select a valid choice. That choice is not one of the available choices.")
    today = local_today(invoice.clinic)
    on = on or today
    if on > today:
        errors["date"] = _("A payment cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    applied = min(amount, invoice.balance)
    extra = amount - applied
    payment = Payment.objects.create(
        organization_id=invoice.organization_id,
        clinic_id=invoice.clinic_id,
        invoice=invoice,
        method=method,
        amount=amount,
        applied_amount=applied,
        credit_amount=extra,
        currency=invoice.currency,
        date=on,
        reference=str(reference)[:100],
        recorded_by=by,
    )
    invoice.balance -= applied
    invoice.paid_total += applied
    settle(invoice)

    if extra > 0:
        PatientCredit.objects.create(
            organization_id=invoice.organization_id,
            clinic_id=invoice.clinic_id,
            patient_id=invoice.patient_id,
            amount=extra,
            currency=invoice.currency,
            payment=payment,
            note=_("Overpayment of %(number)s") % {"number": invoice.number},
        )
        message = _(
            "Payment of %(amount)s recorded. It was %(extra)s more than the balance; that is kept as the "
            "patient's credit."
        ) % {"amount": money(amount, invoice.currency), "extra": money(extra, invoice.currency)}
    elif invoice.balance == 0:
        message = _("Payment of %(amount)s recorded. The invoice is paid.") % {
            "amount": money(amount, invoice.currency)
        }
    else:
        message = _("Payment of %(amount)s recorded. %(balance)s is still due.") % {
            "amount": money(amount, invoice.currency),
            "balance": money(invoice.balance, invoice.currency),
        }
    announce_payment(invoice, payment)
    return payment, message
