"""Who may do what in billing (../PERMISSIONS.md: invoices rows).

Owners may do everything. Staff act at their own clinics. Practitioners draft and see invoices of their
own appointments (an invoice names the practitioner whose work it bills). Issuing, payments and credit
notes belong to owners and staff. Patients see their own issued invoices (portal).
"""

from __future__ import annotations

import rules
from django_scopes import scope

from core.tenancy.predicates import (
    context_for,
    is_owner,
    is_practitioner,
    is_staff_member,
    works_at_object_clinic,
)


@rules.predicate
def is_own(user, obj) -> bool:
    """The invoice bills the member's own work. Asked about a clinic (to show a page), True: the invoice
    itself is checked when it is opened or changed."""
    ctx = context_for(user, obj)
    if ctx is None:
        return False
    from core.tenancy.models import Clinic

    if isinstance(obj, Clinic):
        return True
    practitioner_id = getattr(obj, "practitioner_id", None)
    return practitioner_id is not None and practitioner_id == ctx.membership.pk


@rules.predicate
def is_patients_own_invoice(user, obj) -> bool:
    """A portal login linked to the invoice's patient, for an invoice that has been issued."""
    from .models import Invoice

    if not getattr(user, "is_authenticated", False) or not isinstance(obj, Invoice) or obj.number is None:
        return False  # a draft, or a draft set aside: never the patient's to see
    from core.patients.models import PatientAccount

    # A patient login is not a member: look at the link rows of the invoice's own organization only.
    with scope(organization=obj.organization_id):
        return PatientAccount.objects.filter(
            organization_id=obj.organization_id,
            user=user,
            patient_id=obj.patient_id,
            verified_at__isnull=False,
        ).exists()


staff_here = is_staff_member & works_at_object_clinic
practitioner_here = is_practitioner & works_at_object_clinic

can_see_clinic_invoices = is_owner | staff_here | practitioner_here
can_draft = is_owner | staff_here | (practitioner_here & is_own)
can_settle = is_owner | staff_here

PERMISSIONS = {
    "billing.list_invoices": can_see_clinic_invoices,
    "billing.view_invoice": is_owner | staff_here | (practitioner_here & is_own) | is_patients_own_invoice,
    "billing.draft_invoice": can_draft,
    "billing.issue_invoice": can_settle,
    "billing.record_payment": can_settle,
    "billing.issue_credit_note": can_settle,
    "billing.apply_credit": can_settle,
    "billing.record_refund": can_settle,
    "billing.view_outstanding": can_settle,
    "billing.manage_settings": can_settle,
}
