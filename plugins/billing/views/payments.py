"""Settling an issued invoice: a payment received, or the patient's credit at the clinic used on it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.office.decorators import member_required

from ..access import access_invoice
from ..forms import ApplyCreditForm, PaymentForm
from ..services.credit import apply_credit
from ..services.payments import record_payment
from .invoice_page import invoice_page, redirect_to_invoice


@member_required
@require_POST
def payment_add(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.record_payment")
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _payment, message = record_payment(
                invoice,
                amount=data["amount"],
                method=data["method"],
                on=data["date"],
                reference=data["reference"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, message)
            return redirect_to_invoice(invoice)
    return invoice_page(request, invoice, status=400, payment_form=form)


@member_required
@require_POST
def credit_apply(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.apply_credit")
    form = ApplyCreditForm(request.POST, prefix="credit")
    if form.is_valid():
        try:
            _amount, message = apply_credit(invoice, amount=form.cleaned_data["amount"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, message)
            return redirect_to_invoice(invoice)
    invoice.refresh_from_db()
    return invoice_page(request, invoice, status=400, credit_form=form)
