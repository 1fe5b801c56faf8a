"""The billing API's settlement: payments received for an invoice, the patient's credit used on one, the
clinic's payments, and what is still owed with its ageing."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.api.common import PageParams, page_of, paginate, requires, responses
from core.tenancy.access import check_perm

from .. import selectors
from ..access import access_invoice
from ..models import PaymentMethod
from ..services import credit, payments
from ..services.dates import local_today
from .schemas import CreditApplied, CreditApplyIn, OutstandingOut, PaymentIn, PaymentOut, PaymentResult

router = Router()


@router.post(
    "/invoices/{invoice_id}/payments",
    response=responses({201: PaymentResult}),
    openapi_extra=requires("billing.record_payment"),
)
def record_payment(request: HttpRequest, invoice_id: str, payload: PaymentIn) -> Status:
    invoice = access_invoice(request, invoice_id, permission="billing.record_payment")
    payment, message = payments.record_payment(
        invoice,
        amount=payload.amount,
        method=payload.method if payload.method in PaymentMethod.values else "",
        on=payload.date,
        reference=payload.reference,
        by=request.user,
    )
    invoice.refresh_from_db()
    return Status(201, {"payment": payment, "message": message, "invoice": invoice})


@router.post(
    "/invoices/{invoice_id}/apply-credit",
    response=responses({200: CreditApplied}),
    openapi_extra=requires("billing.apply_credit"),
)
def apply_credit(request: HttpRequest, invoice_id: str, payload: CreditApplyIn) -> dict:
    invoice = access_invoice(request, invoice_id, permission="billing.apply_credit")
    applied, message = credit.apply_credit(invoice, amount=payload.amount, by=request.user)
    invoice.refresh_from_db()
    return {
        "applied": applied,
        "patient_credit": credit.patient_credit(invoice.clinic, invoice.patient, invoice.currency),
        "message": message,
        "invoice": invoice,
    }


@router.get(
    "/payments",
    response=responses({200: page_of(PaymentOut)}),
    openapi_extra=requires("billing.view_outstanding"),
)
def list_payments(request: HttpRequest, params: Query[PageParams]) -> dict:
    check_perm(request, "billing.view_outstanding", request.clinic)
    return paginate(request, selectors.clinic_payments(request.clinic).order_by("-date", "-id"), params)


@router.get(
    "/outstanding",
    response=responses({200: OutstandingOut}),
    openapi_extra=requires("billing.view_outstanding"),
)
def outstanding(request: HttpRequest) -> dict:
    check_perm(request, "billing.view_outstanding", request.clinic)
    ageing = selectors.outstanding(request.clinic, local_today(request.clinic))
    for bucket in ageing["buckets"]:
        bucket["currency"] = ageing["currency"]
    return ageing
