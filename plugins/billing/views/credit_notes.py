"""Correcting an issued invoice: a credit note taking (part of) its lines back, and refunds of what the
credit notes left to pay back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.office.decorators import member_required

from ..access import access_invoice
from ..formatting import money
from ..forms import CreditNoteForm
from ..services.credit_notes import credited_quantities, issue_credit_note
from ..services.refunds import record_refund
from .invoice_page import invoice_page, redirect_to_invoice, refund_form


@member_required
def credit_note_create(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.issue_credit_note")
    if invoice.number is None:
        raise Http404
    lines = list(invoice.lines.all())
    done = credited_quantities(invoice)
    remaining = {line.pk: line.quantity - done.get(line.pk, 0) for line in lines}
    form = CreditNoteForm(request.POST or None, lines=lines, remaining=remaining)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                note = issue_credit_note(
                    invoice, reason=form.cleaned_data["reason"], quantities=form.quantities(), by=request.user
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
                return redirect_to_invoice(invoice)
    return render(
        request,
        "billing/credit_note_form.html",
        {"clinic": invoice.clinic, "invoice": invoice, "form": form},
        status=status,
    )


@member_required
@require_POST
def refund_add(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.record_refund")
    form = refund_form(invoice, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            refund = record_refund(
                data["credit_note"],
                amount=data["amount"],
                method=data["method"],
                on=data["date"],
                reference=data["reference"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Refund of %(amount)s recorded against %(number)s.")
                % {"amount": money(refund.amount, invoice.currency), "number": data["credit_note"].number},
            )
            return redirect_to_invoice(invoice)
    invoice.refresh_from_db()
    return invoice_page(request, invoice, status=400, refund_form=form)
