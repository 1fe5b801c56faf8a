"""The patient's credit at a clinic (what they overpaid, less what was used): its balance, and paying an
open invoice from it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.accounts.models import User
from core.patients.models import Patient
from core.tenancy.models import Clinic

from ..formatting import money
from ..models import OPEN_STATUSES, Invoice, PatientCredit
from ..money import quantize
from .amounts import decimal_from
from .invoice_state import lock_invoice, settle


def patient_credit(clinic: Clinic, patient: Patient, currency: str | None = None) -> Decimal:
    """What the patient has left as credit at ``clinic`` (in ``currency``, default the clinic's)."""
    total = PatientCredit.objects.filter(
        organization_id=clinic.organization_id,
        clinic=clinic,
        patient=patient,
        currency=currency or clinic.currency,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


@transaction.atomic
def apply_credit(
    invoice: Invoice, *, amount: Decimal | int | str | None = None, by: User | None = None
) -> tuple[Decimal, str]:
    """Pay (part of) an open invoice from the patient's credit at its clinic: ``amount``, or as much as
    the credit and the balance allow. Returns the amount used and a message saying what happened.

    The invoice is locked, then every entry of the patient's credit ledger at the clinic (in id order, so
    two applications never deadlock). A second application for the same patient waits on those rows and
    sums the ledger afterwards in a new statement, so it sees the first one's use: credit is never spent
    twice and never goes below zero."""
    invoice = lock_invoice(invoice)
    if invoice.status not in OPEN_STATUSES:
        if invoice.is_draft:
            raise ValidationError(_("Issue the invoice before applying credit."))
        raise ValidationError(_("This invoice has nothing left to pay."))
    ledger = PatientCredit.objects.filter(
        organization_id=invoice.organization_id,
        clinic_id=invoice.clinic_id,
        patient_id=invoice.patient_id,
        currency=invoice.currency,
    )
    list(ledger.select_for_update().order_by("pk").values_list("pk", flat=True))
    available = ledger.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    currency = invoice.currency
    if available <= 0:
        raise ValidationError(_("The patient has no credit at this clinic."))
    if amount in (None, ""):
        amount = min(available, invoice.balance)
    amount = decimal_from(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("Enter an amount greater than 0.")})
    if amount != quantize(amount, currency):
        raise ValidationError(
            {"amount": _("Enter the amount in whole minor units of %(currency)s.") % {"currency": currency}}
        )
    if amount > available:
        raise ValidationError(
            {
                "amount": _("The patient has only %(credit)s of credit.")
                % {"credit": money(available, currency)}
            }
        )
    if amount > invoice.balance:
        raise ValidationError(
            {
                "amount": _("Only %(balance)s is left to pay on this invoice.")
                % {"balance": money(invoice.balance, currency)}
            }
        )
    PatientCredit.objects.create(
        organization_id=invoice.organization_id,
        clinic_id=invoice.clinic_id,
        patient_id=invoice.patient_id,
        amount=-amount,
        currency=currency,
        applied_to=invoice,
        note=(_("Applied to %(number)s") % {"number": invoice.number})[:200],
    )
    invoice.balance -= amount
    invoice.paid_total += amount
    settle(invoice)
    message = _("%(amount)s of the patient's credit applied.") % {"amount": money(amount, currency)}
    if invoice.balance == 0:
        message += " " + _("The invoice is paid.")
    else:
        message += " " + _("%(balance)s is still due.") % {"balance": money(invoice.balance, currency)}
    return amount, message
