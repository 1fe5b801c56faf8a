"""Working on a draft invoice: starting one (from a completed appointment or blank), adding lines by hand
or from what the other modules bill, removing lines, and discarding the draft."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.office.decorators import member_required
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm, parse_id, require_member
from core.tenancy.models import Membership, Role

from ..access import access_invoice
from ..forms import DraftForm, LineForm
from ..models import Invoice
from ..services.billable_items import add_billable_item, billable_item, find_billable_items
from ..services.clinic_settings import active_tax_rates
from ..services.drafts import create_draft, void_draft
from ..services.lines import add_line, remove_line
from .invoice_page import invoice_page, redirect_to_invoice


@member_required
def invoice_create(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    member = require_member(request)
    check_perm(request, "billing.draft_invoice", clinic)
    patients = visible_patients(member).filter(archived=False)
    item = None
    practitioner = member.membership if member.role == Role.PRACTITIONER else None
    # Opened from a patient's page: that patient is chosen already (checked by the form like any choice).
    initial = {"patient": request.GET["patient"]} if str(request.GET.get("patient", "")).isdigit() else {}
    appointment = request.GET.get("appointment") or request.POST.get("appointment")
    if appointment:
        item = billable_item(clinic, "appointment", str(parse_id(appointment)))
        if item is None:
            raise Http404
        initial["patient"] = item.details.get("patient_id")
        practitioner_id = item.details.get("practitioner_id")
        if practitioner_id:
            practitioner = Membership.objects.filter(
                organization_id=clinic.organization_id, pk=practitioner_id
            ).first()
        check_perm(
            request,
            "billing.draft_invoice",
            Invoice(organization_id=clinic.organization_id, clinic=clinic, practitioner=practitioner),
        )
    form = DraftForm(request.POST or None, initial=initial, patients=patients)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    invoice = create_draft(
                        clinic=clinic,
                        patient=form.cleaned_data["patient"],
                        practitioner=practitioner,
                        by=request.user,
                        notes=form.cleaned_data["notes"],
                    )
                    if item is not None:
                        add_billable_item(invoice, item)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Draft invoice created."))
                return redirect_to_invoice(invoice)
    return render(
        request,
        "billing/invoice_create.html",
        {"clinic": clinic, "form": form, "item": item, "appointment": appointment},
        status=status,
    )


@member_required
@require_POST
def line_add(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.draft_invoice")
    form = LineForm(request.POST, tax_rates=active_tax_rates(invoice.clinic))
    if form.is_valid():
        data = form.cleaned_data
        try:
            add_line(
                invoice,
                description=data["description"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                discount_percent=data["discount_percent"] or 0,
                tax_rate=data["tax_rate"],
                kind=data["kind"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Line added."))
            return redirect_to_invoice(invoice)
    invoice.refresh_from_db()
    return invoice_page(request, invoice, status=400, line_form=form)


@member_required
@require_POST
def line_remove(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.draft_invoice")
    try:
        remove_line(invoice, parse_id(request.POST.get("line")))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Line removed."))
    return redirect_to_invoice(invoice)


@member_required
def billable_search(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    """The line picker's results (an htmx fragment): what the clinic's modules can bill for the query."""
    invoice = access_invoice(request, pk, permission="billing.draft_invoice")
    items = find_billable_items(invoice.clinic, request.GET.get("q", ""))
    return render(
        request,
        "billing/_billable_items.html",
        {"invoice": invoice, "items": items, "clinic": invoice.clinic},
    )


@member_required
@require_POST
def billable_add(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.draft_invoice")
    kind = str(request.POST.get("kind", ""))[:30]
    reference = str(request.POST.get("reference", ""))[:100]
    item = billable_item(invoice.clinic, kind, reference) if kind and reference else None
    if item is None:
        messages.error(request, _("That item is no longer available."))
        return redirect_to_invoice(invoice)
    try:
        add_billable_item(invoice, item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Line added."))
    return redirect_to_invoice(invoice)


@member_required
@require_POST
def invoice_void(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.draft_invoice")
    try:
        void_draft(invoice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_to_invoice(invoice)
    messages.success(request, _("Draft discarded."))
    return redirect("office:billing:invoice_list", clinic_slug=invoice.clinic.slug)
