"""What billing shows on the patient page (their invoices here, with what is still due) and finds for the
office search (invoices by number)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.audit.vocabulary import Category
from core.plugins.types import PatientSection, SearchGroup, SearchHit
from core.tenancy.access import require_member

from . import selectors
from .formatting import day, money
from .models import OPEN_STATUSES

SHOWN = 6


def _url(clinic, invoice) -> str:
    return reverse("office:billing:invoice_detail", kwargs={"clinic_slug": clinic.slug, "pk": invoice.pk})


def patient_sections(request, clinic, patient) -> list[PatientSection]:
    if not request.user.has_perm("billing.list_invoices", clinic):
        return []
    invoices = selectors.clinic_invoices(require_member(request), clinic).filter(patient=patient)
    rows = list(invoices.order_by("-created_at", "-id")[: SHOWN + 1])
    due = invoices.filter(status__in=OPEN_STATUSES).aggregate(total=Sum("balance"))["total"] or Decimal(0)
    create = None
    if request.user.has_perm("billing.draft_invoice", clinic):
        create = reverse("office:billing:invoice_create", kwargs={"clinic_slug": clinic.slug})
        create = f"{create}?patient={patient.pk}"
    return [
        PatientSection(
            _("Invoices"),
            "billing/patient_section.html",
            {
                "rows": [{"invoice": i, "url": _url(clinic, i)} for i in rows[:SHOWN]],
                "more": len(rows) > SHOWN,
                "due": money(due, clinic.currency),
                "has_due": due > 0,
                "create_url": create,
                "list_url": reverse("office:billing:invoice_list", kwargs={"clinic_slug": clinic.slug}),
            },
            order=20,
            shows=Category.INVOICES if rows else "",
        )
    ]


def office_search(request, clinic, query: str, patient_ids: list[int]) -> list[SearchGroup]:
    """Invoices whose number holds what was typed (a number has digits: a name does not look here)."""
    if not any(ch.isdigit() for ch in query) or not request.user.has_perm("billing.list_invoices", clinic):
        return []
    found = (
        selectors.clinic_invoices(require_member(request), clinic)
        .filter(number__icontains=query)
        .order_by("-issue_date", "-id")[:10]
    )
    hits = tuple(
        SearchHit(
            label=_("Invoice %(number)s") % {"number": invoice.number},
            url=_url(clinic, invoice),
            details=" · ".join(
                part
                for part in (
                    invoice.patient.full_name,
                    day(invoice.issue_date),
                    str(invoice.status_label),
                    _("%(amount)s due") % {"amount": money(invoice.balance, invoice.currency)}
                    if invoice.balance
                    else "",
                )
                if part
            ),
        )
        for invoice in found
    )
    return [SearchGroup(_("Invoices"), hits, order=10)]
