"""The patient's issued invoices on their chart's timeline (``clinic_patient_timeline_entries``)."""

from __future__ import annotations

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.vocabulary import Category
from core.plugins.types import TimelineEntry

from .models import Invoice


def timeline_entries(request, clinic, patient, before, limit, kinds) -> list[TimelineEntry]:
    """Up to ``limit`` of the patient's issued invoices at this clinic, newest first: one indexed query."""
    if kinds and "invoice" not in kinds:
        return []
    if not request.user.has_perm("billing.list_invoices", clinic):
        return []
    invoices = Invoice.objects.filter(
        organization_id=patient.organization_id, clinic=clinic, patient=patient, number__isnull=False
    )
    if before is not None:
        invoices = invoices.filter(issued_at__lt=before)
    rows = invoices.order_by("-issued_at", "-id")[:limit]
    return [
        TimelineEntry(
            kind="invoice",
            kind_label=_("Invoice"),
            at=row.issued_at
            or timezone.make_aware(datetime.combine(row.issue_date, time(12)), clinic.tzinfo),
            title=_("Invoice %(number)s · %(status)s") % {"number": row.number, "status": row.status_label},
            url=reverse("office:billing:invoice_detail", kwargs={"clinic_slug": clinic.slug, "pk": row.pk}),
            struck=row.status == "void",
            key=f"invoice-{row.pk}",
            shows=Category.INVOICES,
        )
        for row in rows
    ]
