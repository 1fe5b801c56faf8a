"""Draft invoices: started for a patient at a clinic, and discarded before they are issued."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.accounts.models import User
from core.patients.models import Patient
from core.tenancy.models import Clinic, Membership

from ..models import Invoice
from .invoice_state import lock_invoice, require_draft


def create_draft(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User | None = None,
    practitioner: Membership | None = None,
    notes: str = "",
) -> Invoice:
    """A new draft invoice of ``clinic`` for ``patient`` in the clinic's currency."""
    if patient.organization_id != clinic.organization_id:
        raise ValidationError({"patient": _("Choose a patient of this organization.")})
    if practitioner is not None and practitioner.organization_id != clinic.organization_id:
        raise ValidationError({"practitioner": _("Choose a member of this organization.")})
    return Invoice.objects.create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        currency=clinic.currency,
        created_by=by,
        notes=notes[:5000],
    )


@transaction.atomic
def void_draft(invoice: Invoice) -> None:
    """Discard a draft: it is deleted with its lines (drafts have no number, so nothing is lost from the
    series, and the history tables keep what it was). Only issued invoices may be VOID, and only through
    a credit note: the database requires a number on every invoice that is not a draft."""
    invoice = lock_invoice(invoice)
    require_draft(invoice)
    invoice.lines.all().delete()
    invoice.delete()
