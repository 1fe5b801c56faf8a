"""Back-office pages of billing, mounted under ``/office/c/<clinic_slug>/billing/`` (the core gates them and
sets ``request.clinic``): invoice list and ageing, the draft editor, issuing, payments, credit notes, the
PDF, and the clinic's billing settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.office.decorators import member_required
from core.office.views.organization import _apply_errors
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm, parse_id, require_member
from core.tenancy.models import Membership, Role

from . import selectors, services
from .formatting import money
from .forms import (
    ApplyCreditForm,
    CreditNoteForm,
    DraftForm,
    InvoiceFilterForm,
    LineForm,
    PaymentForm,
    ProfileForm,
    RefundForm,
    SeriesForm,
    TaxRateForm,
)
from .models import OPEN_STATUSES, CreditNote, Invoice, PdfState, SeriesKind, TaxRate
from .pdf import TEMPLATE_VERSION, render_invoice

PAGE_SIZE = 50


def _detail(invoice):
    return redirect("office:billing:invoice_detail", clinic_slug=invoice.clinic.slug, pk=invoice.pk)


def _get_invoice(request, pk, permission: str) -> Invoice:
    clinic = request.clinic
    invoice = (
        Invoice.objects.filter(organization_id=clinic.organization_id, clinic=clinic, pk=parse_id(pk))
        .select_related("patient", "clinic", "practitioner__user")
        .first()
    )
    if invoice is None:
        raise Http404
    check_perm(request, permission, invoice)
    return invoice


@member_required
def invoice_list(request, clinic_slug):
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
def outstanding(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "billing.view_outstanding", clinic)
    ageing = selectors.outstanding(clinic, services.local_today(clinic))
    page = Paginator(selectors.open_invoices(clinic), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/outstanding.html", {"clinic": clinic, "ageing": ageing, "page": page})


@member_required
def invoice_create(request, clinic_slug):
    clinic = request.clinic
    member = require_member(request)
    check_perm(request, "billing.draft_invoice", clinic)
    patients = visible_patients(member).filter(archived=False)
    item = None
    practitioner = member.membership if member.role == Role.PRACTITIONER else None
    initial = {}
    appointment = request.GET.get("appointment") or request.POST.get("appointment")
    if appointment:
        item = services.billable_item(clinic, "appointment", str(parse_id(appointment)))
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
                    invoice = services.create_draft(
                        clinic=clinic,
                        patient=form.cleaned_data["patient"],
                        practitioner=practitioner,
                        by=request.user,
                        notes=form.cleaned_data["notes"],
                    )
                    if item is not None:
                        services.add_billable_item(invoice, item)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Draft invoice created."))
                return _detail(invoice)
    return render(
        request,
        "billing/invoice_create.html",
        {"clinic": clinic, "form": form, "item": item, "appointment": appointment},
        status=status,
    )


def _refundable_notes(invoice):
    """The invoice's credit notes with money still to pay back."""
    return CreditNote.objects.filter(
        organization_id=invoice.organization_id,
        invoice=invoice,
        refundable_amount__gt=F("refunded_amount"),
    ).order_by("issue_date", "sequence")


def _refund_form(invoice, data=None):
    form = RefundForm(
        data,
        credit_notes=_refundable_notes(invoice),
        prefix="refund",
        initial={"date": services.local_today(invoice.clinic)},
    )
    form.fields["credit_note"].label_from_instance = lambda note: (
        _("%(number)s (%(left)s to refund)")
        % {
            "number": note.number,
            "left": money(services.refundable_left(note), note.currency),
        }
    )
    return form


def _detail_context(request, invoice, **forms):
    clinic = invoice.clinic
    user = request.user
    can_draft = invoice.is_draft and user.has_perm("billing.draft_invoice", invoice)
    can_pay = invoice.status in OPEN_STATUSES and user.has_perm("billing.record_payment", invoice)
    credit_notes = list(invoice.credit_notes.all())
    credit = services.patient_credit(clinic, invoice.patient, invoice.currency)
    can_apply_credit = (
        invoice.status in OPEN_STATUSES and credit > 0 and user.has_perm("billing.apply_credit", invoice)
    )
    can_refund = any(services.refundable_left(note) > 0 for note in credit_notes) and user.has_perm(
        "billing.record_refund", invoice
    )
    context = {
        "clinic": clinic,
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "payments": list(invoice.payments.all()),
        "credit_notes": credit_notes,
        "credit_applied": list(invoice.credit_applied.all()),
        "pdf": getattr(invoice, "pdf", None) if not invoice.is_draft else None,
        "can_draft": can_draft,
        "can_issue": invoice.is_draft and user.has_perm("billing.issue_invoice", invoice),
        "can_pay": can_pay,
        "can_credit": invoice.number is not None
        and invoice.credited_total < invoice.gross_total
        and user.has_perm("billing.issue_credit_note", invoice),
        "line_form": forms.get("line_form")
        or (LineForm(tax_rates=services.active_tax_rates(clinic)) if can_draft else None),
        "payment_form": forms.get("payment_form")
        or (
            PaymentForm(initial={"amount": invoice.balance, "date": services.local_today(clinic)})
            if can_pay
            else None
        ),
        "credit": credit,
        "credit_form": forms.get("credit_form")
        or (
            ApplyCreditForm(prefix="credit", initial={"amount": min(credit, invoice.balance)})
            if can_apply_credit
            else None
        ),
        "refund_form": forms.get("refund_form") or (_refund_form(invoice) if can_refund else None),
    }
    return context


@member_required
def invoice_detail(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.view_invoice")
    return render(request, "billing/invoice_detail.html", _detail_context(request, invoice))


@member_required
@require_POST
def line_add(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.draft_invoice")
    form = LineForm(request.POST, tax_rates=services.active_tax_rates(invoice.clinic))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_line(
                invoice,
                description=data["description"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                discount_percent=data["discount_percent"] or 0,
                tax_rate=data["tax_rate"],
                kind=data["kind"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Line added."))
            return _detail(invoice)
    invoice.refresh_from_db()
    return render(
        request, "billing/invoice_detail.html", _detail_context(request, invoice, line_form=form), status=400
    )


@member_required
@require_POST
def line_remove(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.draft_invoice")
    try:
        services.remove_line(invoice, parse_id(request.POST.get("line")))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Line removed."))
    return _detail(invoice)


@member_required
def billable_search(request, clinic_slug, pk):
    """The line picker's results (an htmx fragment): what the clinic's modules can bill for the query."""
    invoice = _get_invoice(request, pk, "billing.draft_invoice")
    items = services.find_billable_items(invoice.clinic, request.GET.get("q", ""))
    return render(
        request,
        "billing/_billable_items.html",
        {"invoice": invoice, "items": items, "clinic": invoice.clinic},
    )


@member_required
@require_POST
def billable_add(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.draft_invoice")
    kind = str(request.POST.get("kind", ""))[:30]
    reference = str(request.POST.get("reference", ""))[:100]
    item = services.billable_item(invoice.clinic, kind, reference) if kind and reference else None
    if item is None:
        messages.error(request, _("That item is no longer available."))
        return _detail(invoice)
    try:
        services.add_billable_item(invoice, item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Line added."))
    return _detail(invoice)


@member_required
@require_POST
def invoice_issue(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.issue_invoice")
    try:
        invoice = services.issue(invoice, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    return _detail(invoice)


@member_required
@require_POST
def invoice_void(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.draft_invoice")
    try:
        services.void_draft(invoice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail(invoice)
    messages.success(request, _("Draft discarded."))
    return redirect("office:billing:invoice_list", clinic_slug=invoice.clinic.slug)


@member_required
@require_POST
def payment_add(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.record_payment")
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _payment, message = services.record_payment(
                invoice,
                amount=data["amount"],
                method=data["method"],
                on=data["date"],
                reference=data["reference"],
                by=request.user,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, message)
            return _detail(invoice)
    return render(
        request,
        "billing/invoice_detail.html",
        _detail_context(request, invoice, payment_form=form),
        status=400,
    )


@member_required
@require_POST
def credit_apply(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.apply_credit")
    form = ApplyCreditForm(request.POST, prefix="credit")
    if form.is_valid():
        try:
            _amount, message = services.apply_credit(
                invoice, amount=form.cleaned_data["amount"], by=request.user
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, message)
            return _detail(invoice)
    invoice.refresh_from_db()
    return render(
        request,
        "billing/invoice_detail.html",
        _detail_context(request, invoice, credit_form=form),
        status=400,
    )


@member_required
@require_POST
def refund_add(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.record_refund")
    form = _refund_form(invoice, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            refund = services.record_refund(
                data["credit_note"],
                amount=data["amount"],
                method=data["method"],
                on=data["date"],
                reference=data["reference"],
                by=request.user,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Refund of %(amount)s recorded against %(number)s.")
                % {"amount": money(refund.amount, invoice.currency), "number": data["credit_note"].number},
            )
            return _detail(invoice)
    invoice.refresh_from_db()
    return render(
        request,
        "billing/invoice_detail.html",
        _detail_context(request, invoice, refund_form=form),
        status=400,
    )


@member_required
def credit_note_create(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.issue_credit_note")
    if invoice.number is None:
        raise Http404
    lines = list(invoice.lines.all())
    done = services.credited_quantities(invoice)
    remaining = {line.pk: line.quantity - done.get(line.pk, 0) for line in lines}
    form = CreditNoteForm(request.POST or None, lines=lines, remaining=remaining)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                note = services.issue_credit_note(
                    invoice, reason=form.cleaned_data["reason"], quantities=form.quantities(), by=request.user
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
                return _detail(invoice)
    return render(
        request,
        "billing/credit_note_form.html",
        {"clinic": invoice.clinic, "invoice": invoice, "form": form},
        status=status,
    )


@member_required
def invoice_pdf(request, clinic_slug, pk):
    invoice = _get_invoice(request, pk, "billing.view_invoice")
    if invoice.is_draft or invoice.number is None:
        raise Http404
    pdf = getattr(invoice, "pdf", None)
    if pdf is None or pdf.state != PdfState.READY or pdf.template_version != TEMPLATE_VERSION or not pdf.file:
        try:
            pdf = render_invoice(invoice)
        except Exception:
            messages.error(request, _("The PDF could not be produced; it will be tried again shortly."))
            services.request_pdf(invoice)
            return _detail(invoice)
    return FileResponse(pdf.file.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")


@member_required
def settings_page(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "billing.manage_settings", clinic)
    profile = services.billing_profile(clinic)
    invoice_series = services.ensure_series(clinic, SeriesKind.INVOICE)
    credit_series = services.ensure_series(clinic, SeriesKind.CREDIT_NOTE)
    which = request.POST.get("form") if request.method == "POST" else None
    profile_form = ProfileForm(
        request.POST if which == "profile" else None, instance=profile, prefix="profile"
    )
    invoice_form = SeriesForm(
        request.POST if which == "invoice" else None, instance=invoice_series, prefix="invoice"
    )
    credit_form = SeriesForm(
        request.POST if which == "credit" else None, instance=credit_series, prefix="credit"
    )
    rate_id = request.POST.get("rate") if which == "rate" else None
    rate = None
    if rate_id:
        rate = TaxRate.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, pk=parse_id(rate_id)
        ).first()
        if rate is None:
            raise Http404
    rate_form = TaxRateForm(request.POST if which == "rate" else None, instance=rate, prefix="rate")
    forms = {"profile": profile_form, "invoice": invoice_form, "credit": credit_form, "rate": rate_form}
    status = 200
    if which in forms:
        form = forms[which]
        if form.is_valid():
            obj = form.save(commit=False)
            if which == "rate" and rate is None:
                obj.organization_id, obj.clinic = clinic.organization_id, clinic
                if TaxRate.objects.filter(
                    organization_id=clinic.organization_id, clinic=clinic, name=obj.name
                ).exists():
                    form.add_error("name", _("This clinic already has a tax rate of that name."))
            if not form.errors:
                with transaction.atomic():
                    obj.save()
                messages.success(request, _("Billing settings saved."))
                return redirect("office:billing:settings", clinic_slug=clinic.slug)
        status = 400
    rates = list(services.active_tax_rates(clinic)) + list(
        TaxRate.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=False)
    )
    return render(
        request,
        "billing/settings.html",
        {
            "clinic": clinic,
            "profile_form": profile_form,
            "invoice_form": invoice_form,
            "credit_form": credit_form,
            "rate_form": rate_form,
            "rates": rates,
            "series": [invoice_series, credit_series],
        },
        status=status,
    )
