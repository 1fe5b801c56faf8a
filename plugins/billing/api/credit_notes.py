"""The billing API's credit notes: crediting an issued invoice, the clinic's credit notes, and refunds of
what a credit note left to pay back."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.api.common import PageParams, page_of, paginate, requires, responses
from core.tenancy.access import check_perm

from .. import selectors
from ..access import access_credit_note, access_invoice
from ..models import PaymentMethod
from ..services import refunds
from ..services.credit_notes import issue_credit_note
from .schemas import CreditNoteIn, CreditNoteOut, RefundIn, RefundOut

router = Router()


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    response=responses({201: CreditNoteOut}),
    openapi_extra=requires("billing.issue_credit_note"),
)
def credit_invoice(request: HttpRequest, invoice_id: str, payload: CreditNoteIn) -> Status:
    invoice = access_invoice(request, invoice_id, permission="billing.issue_credit_note")
    note = issue_credit_note(invoice, reason=payload.reason, quantities=payload.lines, by=request.user)
    return Status(201, note)


@router.get(
    "/credit-notes",
    response=responses({200: page_of(CreditNoteOut)}),
    openapi_extra=requires("billing.view_outstanding"),
)
def list_credit_notes(request: HttpRequest, params: Query[PageParams]) -> dict:
    check_perm(request, "billing.view_outstanding", request.clinic)
    return paginate(
        request, selectors.clinic_credit_notes(request.clinic).order_by("-issue_date", "-id"), params
    )


@router.post(
    "/credit-notes/{credit_note_id}/refunds",
    response=responses({201: RefundOut}),
    openapi_extra=requires("billing.record_refund"),
)
def record_refund(request: HttpRequest, credit_note_id: str, payload: RefundIn) -> Status:
    note = access_credit_note(request, credit_note_id, permission="billing.record_refund")
    refund = refunds.record_refund(
        note,
        amount=payload.amount,
        method=payload.method if payload.method in PaymentMethod.values else "",
        on=payload.date,
        reference=payload.reference,
        by=request.user,
    )
    return Status(201, refund)
