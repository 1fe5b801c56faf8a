"""Billing API, mounted by the core at ``/api/v1/clinics/{clinic_id}/billing/`` (``request.clinic`` is set:
a clinic the caller may see, with billing on). Each operation checks the same permission as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.common import PageParams, page_of, paginate, requires, responses
from core.api.errors import ApiConflict
from core.api.schemas import StrictSchema
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm, parse_id, require_member
from core.tenancy.models import Membership, Role

from . import selectors, services
from .models import CreditNote, Invoice, LineKind, PaymentMethod, PdfState
from .money import as_text
from .pdf import TEMPLATE_VERSION, render_invoice

router = Router()

Money = Annotated[
    str,
    Field(
        description="An amount as a decimal string with the currency's minor units (EUR 12.50, JPY 1200).",
        json_schema_extra={"format": "decimal", "examples": ["12.50"]},
    ),
]


def _value(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _money(name: str, currency_of=lambda obj: _value(obj, "currency"), exact: bool = False):
    """A resolver showing ``name`` with the precision of the object's currency."""

    def resolve(obj):
        return as_text(_value(obj, name), currency_of(obj), exact=exact)

    return staticmethod(resolve)


class LineOut(Schema):
    id: int
    kind: str
    reference: str
    description: str
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal
    tax_name: str
    tax_rate: Decimal
    net_amount: Money
    tax_amount: Money
    gross_amount: Money

    # A line is always read through its invoice (no extra query: the related manager sets it).
    resolve_unit_price = _money("unit_price", lambda line: line.invoice.currency, exact=True)
    resolve_net_amount = _money("net_amount", lambda line: line.invoice.currency)
    resolve_tax_amount = _money("tax_amount", lambda line: line.invoice.currency)
    resolve_gross_amount = _money("gross_amount", lambda line: line.invoice.currency)


class InvoiceOut(Schema):
    id: int
    clinic_id: int
    patient_id: int
    practitioner_id: int | None
    status: str
    number: str | None
    issue_date: dt.date | None
    supply_date: dt.date | None
    due_date: dt.date | None
    currency: str
    net_total: Money
    tax_total: Money
    gross_total: Money
    paid_total: Money
    credited_total: Money
    balance: Money
    seller: dict
    buyer: dict

    resolve_net_total = _money("net_total")
    resolve_tax_total = _money("tax_total")
    resolve_gross_total = _money("gross_total")
    resolve_paid_total = _money("paid_total")
    resolve_credited_total = _money("credited_total")
    resolve_balance = _money("balance")


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]
    pdf_state: str | None
    patient_credit: Money = Field(description="The patient's credit at this clinic, in this currency.")

    resolve_patient_credit = _money("patient_credit")


class InvoiceCreate(StrictSchema):
    patient_id: int
    appointment_id: int | None = None
    notes: str = Field(default="", max_length=5000)


class LineIn(StrictSchema):
    description: str = Field(default="", max_length=300)
    quantity: Decimal = Field(default=Decimal(1), max_digits=12, decimal_places=3)
    unit_price: Decimal | None = Field(default=None, max_digits=14, decimal_places=4)
    discount_percent: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=6, decimal_places=3)
    tax_rate_id: int | None = None
    kind: Literal["service", "product", "appointment", "free"] = "free"
    billable: str | None = Field(
        default=None, max_length=130, description="`kind:reference`, e.g. `appointment:12`"
    )


class PaymentIn(StrictSchema):
    amount: Decimal = Field(max_digits=14, decimal_places=4)
    method: Literal["cash", "card", "bank_transfer", "other"]
    date: dt.date | None = None
    reference: str = Field(default="", max_length=100)


class PaymentOut(Schema):
    id: int
    invoice_id: int
    method: str
    amount: Money
    applied_amount: Money
    credit_amount: Money
    currency: str
    date: dt.date
    reference: str

    resolve_amount = _money("amount")
    resolve_applied_amount = _money("applied_amount")
    resolve_credit_amount = _money("credit_amount")


class PaymentResult(Schema):
    payment: PaymentOut
    message: str
    invoice: InvoiceOut


class CreditNoteIn(StrictSchema):
    reason: str = Field(min_length=1, max_length=300)
    lines: dict[int, Decimal] | None = Field(
        default=None, description="line id → quantity; omit for everything"
    )


class CreditNoteOut(Schema):
    id: int
    invoice_id: int
    number: str
    issue_date: dt.date
    currency: str
    reason: str
    net_total: Money
    tax_total: Money
    gross_total: Money
    refundable_amount: Money
    refunded_amount: Money

    resolve_net_total = _money("net_total")
    resolve_tax_total = _money("tax_total")
    resolve_gross_total = _money("gross_total")
    resolve_refundable_amount = _money("refundable_amount")
    resolve_refunded_amount = _money("refunded_amount")


class CreditApplyIn(StrictSchema):
    amount: Decimal | None = Field(
        default=None,
        max_digits=14,
        decimal_places=4,
        description="How much credit to use; omit to use as much as the credit and the balance allow.",
    )


class CreditApplied(Schema):
    applied: Money
    patient_credit: Money
    message: str
    invoice: InvoiceOut

    resolve_applied = _money("applied", lambda data: data["invoice"].currency)
    resolve_patient_credit = _money("patient_credit", lambda data: data["invoice"].currency)


class RefundIn(StrictSchema):
    amount: Decimal = Field(max_digits=14, decimal_places=4)
    method: Literal["cash", "card", "bank_transfer", "other"]
    date: dt.date | None = None
    reference: str = Field(default="", max_length=100)


class RefundOut(Schema):
    id: int
    credit_note_id: int
    method: str
    amount: Money
    currency: str
    date: dt.date
    reference: str

    resolve_currency = staticmethod(lambda refund: refund.credit_note.currency)
    resolve_amount = _money("amount", lambda refund: refund.credit_note.currency)


class BucketOut(Schema):
    label: str
    total: Money
    count: int

    resolve_total = _money("total")


class OutstandingOut(Schema):
    currency: str
    total: Money
    count: int
    buckets: list[BucketOut]

    resolve_total = _money("total")


class InvoiceFilters(PageParams):
    status: str = Field(default="", max_length=20)
    q: str = Field(default="", max_length=100)


def _invoice(request, pk, permission: str) -> Invoice:
    clinic = request.clinic
    invoice = Invoice.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, pk=parse_id(pk)
    ).first()
    if invoice is None:
        raise Http404
    invoice.clinic = clinic  # the same row: the services read it without asking again
    check_perm(request, permission, invoice)
    return invoice


def _detail(invoice: Invoice, *, pdf_state: str | None = None) -> dict:
    """The invoice as the API shows it. ``pdf_state`` when the caller knows it (a just-issued invoice's
    PDF is pending: it is queued to the worker)."""
    if pdf_state is None and not invoice.is_draft:
        pdf = invoice.pdf
        pdf_state = pdf.state if pdf else None
    data = InvoiceOut.from_orm(invoice).dict()
    data["lines"] = list(invoice.lines.all())
    data["pdf_state"] = pdf_state
    data["patient_credit"] = services.patient_credit(invoice.clinic, invoice.patient, invoice.currency)
    return data


@router.get(
    "/invoices",
    response=responses({200: page_of(InvoiceOut)}),
    openapi_extra=requires("billing.list_invoices"),
)
def list_invoices(request, filters: Query[InvoiceFilters]):
    clinic = request.clinic
    check_perm(request, "billing.list_invoices", clinic)
    invoices = selectors.filter_invoices(
        selectors.clinic_invoices(require_member(request), clinic), status=filters.status, query=filters.q
    ).order_by("-created_at", "-id")
    return paginate(request, invoices, filters)


@router.post(
    "/invoices", response=responses({201: InvoiceDetailOut}), openapi_extra=requires("billing.draft_invoice")
)
def create_invoice(request, payload: InvoiceCreate):
    clinic = request.clinic
    member = require_member(request)
    check_perm(request, "billing.draft_invoice", clinic)
    patient = visible_patients(member).filter(pk=payload.patient_id).first()
    if patient is None:
        raise ValidationError({"patient_id": _("Choose a patient of this clinic.")})
    practitioner = member.membership if member.role == Role.PRACTITIONER else None
    item = None
    if payload.appointment_id is not None:
        item = services.billable_item(clinic, "appointment", str(payload.appointment_id))
        if item is None:
            raise ValidationError({"appointment_id": _("No such appointment at this clinic.")})
        if item.details.get("patient_id") != patient.pk:
            raise ValidationError({"appointment_id": _("This appointment is of another patient.")})
        practitioner = Membership.objects.filter(
            organization_id=clinic.organization_id, pk=item.details.get("practitioner_id")
        ).first()
    check_perm(
        request,
        "billing.draft_invoice",
        Invoice(organization_id=clinic.organization_id, clinic=clinic, practitioner=practitioner),
    )
    with transaction.atomic():
        invoice = services.create_draft(
            clinic=clinic, patient=patient, practitioner=practitioner, by=request.user, notes=payload.notes
        )
        if item is not None:
            services.add_billable_item(invoice, item)
    invoice.refresh_from_db()
    return Status(201, _detail(invoice))


@router.get(
    "/invoices/{invoice_id}",
    response=responses({200: InvoiceDetailOut}),
    openapi_extra=requires("billing.view_invoice"),
)
def get_invoice(request, invoice_id: str):
    return _detail(_invoice(request, invoice_id, "billing.view_invoice"))


@router.post(
    "/invoices/{invoice_id}/lines",
    response=responses({201: InvoiceDetailOut}),
    openapi_extra=requires("billing.draft_invoice"),
)
def add_line(request, invoice_id: str, payload: LineIn):
    invoice = _invoice(request, invoice_id, "billing.draft_invoice")
    if not invoice.is_draft:
        raise ApiConflict(_("This invoice has been issued and can no longer be changed."), code="issued")
    if payload.billable:
        kind, _sep, reference = payload.billable.partition(":")
        item = services.billable_item(invoice.clinic, kind, reference) if reference else None
        if item is None:
            raise ValidationError({"billable": _("Nothing to bill under that reference.")})
        services.add_billable_item(invoice, item, quantity=payload.quantity)
    else:
        tax_rate = None
        if payload.tax_rate_id is not None:
            tax_rate = services.active_tax_rates(invoice.clinic).filter(pk=payload.tax_rate_id).first()
            if tax_rate is None:
                raise ValidationError({"tax_rate_id": _("Choose a tax rate of this clinic.")})
        if payload.unit_price is None:
            raise ValidationError({"unit_price": _("This field is required.")})
        services.add_line(
            invoice,
            description=payload.description,
            quantity=payload.quantity,
            unit_price=payload.unit_price,
            discount_percent=payload.discount_percent,
            tax_rate=tax_rate,
            kind=payload.kind if payload.kind in LineKind.values else LineKind.FREE,
        )
    invoice.refresh_from_db()
    return Status(201, _detail(invoice))


@router.post(
    "/invoices/{invoice_id}/issue",
    response=responses({200: InvoiceDetailOut}, 409),
    openapi_extra=requires("billing.issue_invoice"),
)
def issue_invoice(request, invoice_id: str):
    invoice = _invoice(request, invoice_id, "billing.issue_invoice")
    if not invoice.is_draft:
        raise ApiConflict(_("This invoice has already been issued."), code="issued")
    invoice = services.issue(invoice, by=request.user)
    return _detail(invoice, pdf_state=PdfState.PENDING)


@router.get(
    "/invoices/{invoice_id}/pdf",
    response=responses({200: None}),
    openapi_extra=requires("billing.view_invoice"),
)
def invoice_pdf(request, invoice_id: str):
    invoice = _invoice(request, invoice_id, "billing.view_invoice")
    if invoice.number is None:
        raise Http404
    pdf = getattr(invoice, "pdf", None)
    if pdf is None or pdf.state != PdfState.READY or pdf.template_version != TEMPLATE_VERSION or not pdf.file:
        try:
            pdf = render_invoice(invoice)
        except Exception:
            services.request_pdf(invoice)
            raise ApiConflict(
                _("The PDF could not be produced yet; try again shortly."), code="pdf_pending"
            ) from None
    return FileResponse(pdf.file.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")


@router.post(
    "/invoices/{invoice_id}/payments",
    response=responses({201: PaymentResult}),
    openapi_extra=requires("billing.record_payment"),
)
def record_payment(request, invoice_id: str, payload: PaymentIn):
    invoice = _invoice(request, invoice_id, "billing.record_payment")
    payment, message = services.record_payment(
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
def apply_credit(request, invoice_id: str, payload: CreditApplyIn):
    invoice = _invoice(request, invoice_id, "billing.apply_credit")
    applied, message = services.apply_credit(invoice, amount=payload.amount, by=request.user)
    invoice.refresh_from_db()
    return {
        "applied": applied,
        "patient_credit": services.patient_credit(invoice.clinic, invoice.patient, invoice.currency),
        "message": message,
        "invoice": invoice,
    }


@router.get(
    "/payments",
    response=responses({200: page_of(PaymentOut)}),
    openapi_extra=requires("billing.view_outstanding"),
)
def list_payments(request, params: Query[PageParams]):
    check_perm(request, "billing.view_outstanding", request.clinic)
    return paginate(request, selectors.clinic_payments(request.clinic).order_by("-date", "-id"), params)


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    response=responses({201: CreditNoteOut}),
    openapi_extra=requires("billing.issue_credit_note"),
)
def credit_invoice(request, invoice_id: str, payload: CreditNoteIn):
    invoice = _invoice(request, invoice_id, "billing.issue_credit_note")
    note = services.issue_credit_note(
        invoice, reason=payload.reason, quantities=payload.lines, by=request.user
    )
    return Status(201, note)


@router.get(
    "/credit-notes",
    response=responses({200: page_of(CreditNoteOut)}),
    openapi_extra=requires("billing.view_outstanding"),
)
def list_credit_notes(request, params: Query[PageParams]):
    check_perm(request, "billing.view_outstanding", request.clinic)
    return paginate(
        request, selectors.clinic_credit_notes(request.clinic).order_by("-issue_date", "-id"), params
    )


@router.post(
    "/credit-notes/{credit_note_id}/refunds",
    response=responses({201: RefundOut}),
    openapi_extra=requires("billing.record_refund"),
)
def record_refund(request, credit_note_id: str, payload: RefundIn):
    clinic = request.clinic
    note = (
        CreditNote.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, pk=parse_id(credit_note_id)
        )
        .select_related("clinic")
        .first()
    )
    if note is None:
        raise Http404
    check_perm(request, "billing.record_refund", note)
    refund = services.record_refund(
        note,
        amount=payload.amount,
        method=payload.method if payload.method in PaymentMethod.values else "",
        on=payload.date,
        reference=payload.reference,
        by=request.user,
    )
    return Status(201, refund)


@router.get(
    "/outstanding",
    response=responses({200: OutstandingOut}),
    openapi_extra=requires("billing.view_outstanding"),
)
def outstanding(request):
    check_perm(request, "billing.view_outstanding", request.clinic)
    ageing = selectors.outstanding(request.clinic, services.local_today(request.clinic))
    for bucket in ageing["buckets"]:
        bucket["currency"] = ageing["currency"]
    return ageing
