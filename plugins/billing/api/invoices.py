"""The billing API's invoices: listing and reading them, drafting one with its lines, issuing it, and its
PDF."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from core.api.common import page_of, paginate, requires, responses
from core.api.errors import ApiConflict
from core.patients.selectors import visible_patient
from core.tenancy.access import check_perm, require_member
from core.tenancy.models import Membership, Role

from .. import selectors
from ..access import access_invoice, access_invoice_to_issue
from ..models import Invoice, LineKind, PdfState
from ..pdf import stored_or_rendered
from ..services import lines
from ..services.bill_to import set_bill_to
from ..services.billable_items import add_billable_item, billable_item
from ..services.clinic_settings import active_tax_rates
from ..services.credit import patient_credit
from ..services.drafts import create_draft
from ..services.issuing import issue_locked, request_pdf
from .schemas import InvoiceCreate, InvoiceDetailOut, InvoiceFilters, InvoiceOut, LineIn

router = Router()


def _detail(invoice: Invoice, *, pdf_state: str | None = None) -> dict:
    """The invoice as the API shows it. ``pdf_state`` when the caller knows it (a just-issued invoice's
    PDF is pending: it is queued to the worker); the patient's credit when the invoice was read with it
    (``issuing_reads``)."""
    if pdf_state is None and not invoice.is_draft:
        pdf = invoice.pdf
        pdf_state = pdf.state if pdf else None
    data = InvoiceOut.from_orm(invoice).dict()
    data["lines"] = list(invoice.lines.all())
    data["pdf_state"] = pdf_state
    credit = getattr(invoice, "patient_credit", None)
    if credit is None:
        credit = patient_credit(invoice.clinic, invoice.patient, invoice.currency)
    data["patient_credit"] = credit
    return data


@router.get(
    "/invoices",
    response=responses({200: page_of(InvoiceOut)}),
    openapi_extra=requires("billing.list_invoices"),
)
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilters]) -> dict:
    clinic = request.clinic
    check_perm(request, "billing.list_invoices", clinic)
    invoices = selectors.filter_invoices(
        selectors.clinic_invoices(require_member(request), clinic), status=filters.status, query=filters.q
    ).order_by("-created_at", "-id")
    return paginate(request, invoices, filters)


@router.post(
    "/invoices", response=responses({201: InvoiceDetailOut}), openapi_extra=requires("billing.draft_invoice")
)
def create_invoice(request: HttpRequest, payload: InvoiceCreate) -> Status:
    clinic = request.clinic
    member = require_member(request)
    check_perm(request, "billing.draft_invoice", clinic)
    patient = visible_patient(member, payload.patient_id)
    if patient is None:
        raise ValidationError({"patient_id": _("Choose a patient of this clinic.")})
    practitioner = member.membership if member.role == Role.PRACTITIONER else None
    item = None
    if payload.appointment_id is not None:
        item = billable_item(clinic, "appointment", str(payload.appointment_id))
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
        invoice = create_draft(
            clinic=clinic, patient=patient, practitioner=practitioner, by=request.user, notes=payload.notes
        )
        if item is not None:
            add_billable_item(invoice, item)
        if payload.bill_to is not None:
            set_bill_to(invoice, **payload.bill_to.model_dump())
    invoice.refresh_from_db()
    return Status(201, _detail(invoice))


@router.get(
    "/invoices/{invoice_id}",
    response=responses({200: InvoiceDetailOut}),
    openapi_extra=requires("billing.view_invoice"),
)
def get_invoice(request: HttpRequest, invoice_id: str) -> dict:
    return _detail(access_invoice(request, invoice_id, permission="billing.view_invoice"))


@router.post(
    "/invoices/{invoice_id}/lines",
    response=responses({201: InvoiceDetailOut}),
    openapi_extra=requires("billing.draft_invoice"),
)
def add_line(request: HttpRequest, invoice_id: str, payload: LineIn) -> Status:
    invoice = access_invoice(request, invoice_id, permission="billing.draft_invoice")
    if not invoice.is_draft:
        raise ApiConflict(_("This invoice has been issued and can no longer be changed."), code="issued")
    if payload.billable:
        kind, _sep, reference = payload.billable.partition(":")
        item = billable_item(invoice.clinic, kind, reference) if reference else None
        if item is None:
            raise ValidationError({"billable": _("Nothing to bill under that reference.")})
        add_billable_item(invoice, item, quantity=payload.quantity)
    else:
        tax_rate = None
        if payload.tax_rate_id is not None:
            tax_rate = active_tax_rates(invoice.clinic).filter(pk=payload.tax_rate_id).first()
            if tax_rate is None:
                raise ValidationError({"tax_rate_id": _("Choose a tax rate of this clinic.")})
        if payload.unit_price is None:
            raise ValidationError({"unit_price": _("This field is required.")})
        lines.add_line(
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
def issue_invoice(request: HttpRequest, invoice_id: str) -> dict:
    # The invoice is read once, under the row lock the issue holds until it commits, with the seller's
    # profile and the patient's credit.
    with transaction.atomic():
        invoice = access_invoice_to_issue(request, invoice_id)
        if not invoice.is_draft:
            raise ApiConflict(_("This invoice has already been issued."), code="issued")
        invoice = issue_locked(invoice, by=request.user)
    return _detail(invoice, pdf_state=PdfState.PENDING)


@router.get(
    "/invoices/{invoice_id}/pdf",
    response=responses({200: None}),
    openapi_extra=requires("billing.view_invoice"),
)
def invoice_pdf(request: HttpRequest, invoice_id: str) -> FileResponse:
    invoice = access_invoice(request, invoice_id, permission="billing.view_invoice")
    if invoice.number is None:
        raise Http404
    pdf = stored_or_rendered(invoice)
    if pdf is None:
        request_pdf(invoice)
        raise ApiConflict(_("The PDF could not be produced yet; try again shortly."), code="pdf_pending")
    return FileResponse(pdf.file.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")
