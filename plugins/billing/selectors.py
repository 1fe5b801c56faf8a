"""Reads: the invoices a member may see at a clinic, the ageing of what is unpaid, a patient's invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django_scopes import scope

from core.tenancy.models import Role

from .models import OPEN_STATUSES, CreditNote, Invoice, InvoiceStatus, Payment

# (label, from days, to days) since the invoice was issued; None is open-ended.
AGEING_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


def clinic_invoices(member, clinic) -> QuerySet[Invoice]:
    """Invoices of ``clinic`` the member may see: all for owners and staff, their own for practitioners."""
    invoices = Invoice.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
    if member.role == Role.PRACTITIONER:
        invoices = invoices.filter(practitioner_id=member.membership.pk)
    return invoices.select_related("patient")


def filter_invoices(invoices: QuerySet[Invoice], *, status: str = "", query: str = "", start=None, end=None):
    if status == "open":
        invoices = invoices.filter(status__in=OPEN_STATUSES)
    elif status in InvoiceStatus.values:
        invoices = invoices.filter(status=status)
    query = (query or "").strip()[:100]
    if query:
        condition = Q(number__icontains=query)
        for fragment in query.lower().split()[:3]:
            condition |= Q(patient__search_name__contains=fragment)
        invoices = invoices.filter(condition)
    if start:
        invoices = invoices.filter(issue_date__gte=start)
    if end:
        invoices = invoices.filter(issue_date__lte=end)
    return invoices


def outstanding(clinic, today: date) -> dict:
    """Unpaid balances of ``clinic`` by age since issue (0-30, 31-60, 61-90, 90+ days): one query."""
    whens = []
    for index, (_label, low, high) in enumerate(AGEING_BUCKETS):
        upper = today - timedelta(days=low)
        condition = Q(issue_date__lte=upper)
        if high is not None:
            condition &= Q(issue_date__gte=today - timedelta(days=high))
        whens.append(When(condition, then=Value(index)))
    rows = (
        Invoice.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, status__in=OPEN_STATUSES, balance__gt=0
        )
        .annotate(bucket=Case(*whens, default=Value(0), output_field=IntegerField()))
        .values("bucket")
        .annotate(total=Sum("balance"), count=Count("id"))
    )
    found = {row["bucket"]: row for row in rows}
    buckets = []
    for index, (label, _low, _high) in enumerate(AGEING_BUCKETS):
        row = found.get(index, {})
        buckets.append(
            {"label": label, "total": row.get("total") or Decimal(0), "count": row.get("count", 0)}
        )
    return {
        "currency": clinic.currency,
        "buckets": buckets,
        "total": sum((b["total"] for b in buckets), Decimal(0)),
        "count": sum(b["count"] for b in buckets),
    }


def open_invoices(clinic) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, status__in=OPEN_STATUSES, balance__gt=0
        )
        .select_related("patient")
        .order_by("issue_date", "sequence")
    )


def unpaid_total(clinic) -> Decimal:
    return Invoice.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, status__in=OPEN_STATUSES
    ).aggregate(total=Sum("balance"))["total"] or Decimal(0)


def clinic_payments(clinic) -> QuerySet[Payment]:
    return Payment.objects.filter(organization_id=clinic.organization_id, clinic=clinic).select_related(
        "invoice"
    )


def clinic_credit_notes(clinic) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(organization_id=clinic.organization_id, clinic=clinic).select_related(
        "invoice"
    )


def invoices_for_patient_account(user) -> list[Invoice]:
    """Issued invoices of every patient record linked to ``user``'s portal login, across organizations
    (one login may be a patient of several owners), each organization read inside its own scope. Drafts
    (and drafts set aside, which never got a number) are never shown to patients."""
    invoices: list[Invoice] = []
    for group in patient_account_invoices(user):
        invoices.extend(group["invoices"])
    invoices.sort(key=lambda invoice: (invoice.issue_date, invoice.pk), reverse=True)
    return invoices


def patient_account_invoices(user, first_organization_id: int | None = None) -> list[dict]:
    """The portal's "my invoices": per organization the login is a patient of (``first_organization_id``
    first), the issued invoices of clinics where billing is on, newest first, with their payments, credit
    used and credit notes; and the patient's credit per clinic and currency."""
    from core.patients.accounts import patient_links
    from core.tenancy.models import Clinic
    from core.tenancy.modules import is_module_enabled

    from .models import PatientCredit

    links = patient_links(user)
    links.sort(key=lambda link: (link[0] != first_organization_id, link[0]))
    groups = []
    for organization_id, patient_id in links:
        with scope(organization=organization_id):
            clinics = {
                clinic.pk: clinic
                for clinic in Clinic.objects.filter(organization_id=organization_id).select_related(
                    "organization"
                )
            }
            enabled = [pk for pk, clinic in clinics.items() if is_module_enabled(clinic, "billing")]
            if not enabled:
                continue
            invoices = list(
                Invoice.objects.filter(
                    organization_id=organization_id,
                    patient_id=patient_id,
                    clinic_id__in=enabled,
                    number__isnull=False,
                )
                .prefetch_related("payments", "credit_notes", "credit_applied")
                .order_by("-issue_date", "-sequence", "-id")
            )
            for invoice in invoices:
                invoice.clinic = clinics[invoice.clinic_id]
            credits = [
                {"clinic": clinics[row["clinic_id"]], "currency": row["currency"], "amount": row["total"]}
                for row in PatientCredit.objects.filter(
                    organization_id=organization_id, patient_id=patient_id, clinic_id__in=enabled
                )
                .values("clinic_id", "currency")
                .annotate(total=Sum("amount"))
                .order_by("clinic_id", "currency")
                if row["total"] > 0
            ]
            groups.append(
                {
                    "organization": next(iter(clinics.values())).organization,
                    "organization_id": organization_id,
                    "invoices": invoices,
                    "credits": credits,
                }
            )
    return groups
