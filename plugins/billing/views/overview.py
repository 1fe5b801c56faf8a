"""The clinic's invoices at a glance: the filtered list, and what is still owed with its ageing."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.audit.recording import record_ids
from core.audit.vocabulary import Action, Category
from core.office.decorators import member_required
from core.tenancy.access import check_perm, require_member

from .. import selectors
from ..forms import InvoiceFilterForm
from ..services.dates import local_today

PAGE_SIZE = 50


def _record_listed(clinic, page) -> None:
    """The access log: each patient whose invoices this page lists."""
    record_ids(
        clinic.organization_id, {i.patient_id for i in page}, Category.INVOICES, Action.LIST, clinic=clinic
    )


@member_required
def invoice_list(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "billing.list_invoices", clinic)
    form = InvoiceFilterForm(request.GET or None)
    invoices = selectors.clinic_invoices(require_member(request), clinic)
    if form.is_valid():
        data = form.cleaned_data
        invoices = selectors.filter_invoices(
            invoices, status=data["status"], query=data["q"], start=data["start"], end=data["end"]
        )
    page = Paginator(invoices.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    _record_listed(clinic, page)
    return render(
        request,
        "billing/invoice_list.html",
        {
            "clinic": clinic,
            "form": form,
            "page": page,
            "can_draft": request.user.has_perm("billing.draft_invoice", clinic),
        },
    )


@member_required
def outstanding(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "billing.view_outstanding", clinic)
    ageing = selectors.outstanding(clinic, local_today(clinic))
    page = Paginator(selectors.open_invoices(clinic), PAGE_SIZE).get_page(request.GET.get("page"))
    _record_listed(clinic, page)
    return render(request, "billing/outstanding.html", {"clinic": clinic, "ageing": ageing, "page": page})
