"""The one road from an id a person sends to a billing record: the office pages, the API and the portal
all look invoices, credit notes and tax rates up here.

Each lookup answers the same 404 for a record that does not exist and for one of another clinic or
organization, so no answer reveals whether someone else's id exists. A member's lookup checks the
permission once, here: a record that is theirs but that the permission refuses answers 403 (the API turns
both into its JSON error). A patient's lookup in the portal answers 404 for all of it.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from core.audit.recording import saw_patient
from core.audit.vocabulary import Category
from core.patients.accounts import patient_in
from core.tenancy.access import check_perm, parse_id
from core.tenancy.modules import is_module_enabled

from .models import CreditNote, Invoice, TaxRate
from .services.issuing import issuing_reads

Record = TypeVar("Record", bound=Model)


def access_invoice(request: HttpRequest, pk: object, *, permission: str, for_update: bool = False) -> Invoice:
    """An invoice of the clinic being worked in (``request.clinic``), with its patient and practitioner.
    ``for_update`` locks its row until the caller's transaction ends."""
    invoices = Invoice.objects.select_related("patient", "practitioner__user")
    invoice = _of_clinic(request, invoices, pk, permission=permission, for_update=for_update)
    saw_patient(invoice.patient, invoice.clinic, category=Category.INVOICES)
    return invoice


def access_invoice_to_issue(request: HttpRequest, pk: object) -> Invoice:
    """``access_invoice`` for issuing: the row locked until the caller's transaction ends, read in the one
    statement that also brings what the issue and its answer read next (``issuing_reads``)."""
    invoices = issuing_reads(Invoice.objects.select_related("patient", "practitioner__user"))
    invoice = _of_clinic(request, invoices, pk, permission="billing.issue_invoice", for_update=True)
    saw_patient(invoice.patient, invoice.clinic, category=Category.INVOICES)
    return invoice


def access_credit_note(
    request: HttpRequest, pk: object, *, permission: str, for_update: bool = False
) -> CreditNote:
    """A credit note of the clinic being worked in."""
    return _of_clinic(request, CreditNote.objects.all(), pk, permission=permission, for_update=for_update)


def access_tax_rate(
    request: HttpRequest, pk: object, *, permission: str, for_update: bool = False
) -> TaxRate:
    """A tax rate of the clinic being worked in, active or not."""
    return _of_clinic(request, TaxRate.objects.all(), pk, permission=permission, for_update=for_update)


def access_patient_invoice(request: HttpRequest, pk: object) -> Invoice:
    """The signed-in patient's issued invoice of the portal clinic's organization (at any of its clinics
    where billing is on), through the login's own patient link; 404 for anything else."""
    clinic = request.portal_clinic
    patient = patient_in(request.user, clinic.organization_id)
    pk = parse_id(pk)
    invoice = (
        Invoice.objects.filter(
            organization_id=clinic.organization_id, patient=patient, pk=pk, number__isnull=False
        )
        .select_related("clinic", "organization")
        .prefetch_related("lines", "payments", "credit_notes__refunds", "credit_applied")
        .first()
        if patient is not None
        else None
    )
    if (
        invoice is None
        or not is_module_enabled(invoice.clinic, "billing")
        or not request.user.has_perm("billing.view_invoice", invoice)
    ):
        raise Http404
    saw_patient(patient, invoice.clinic, category=Category.INVOICES)
    return invoice


def _of_clinic(
    request: HttpRequest, records: QuerySet[Record], pk: object, *, permission: str, for_update: bool
) -> Record:
    """``pk`` among ``records`` of ``request.clinic`` (a clinic the member may see, with billing on: the
    core checked both before the page or operation ran)."""
    clinic = request.clinic
    records = records.filter(organization_id=clinic.organization_id, clinic=clinic)
    if for_update:
        records = records.select_for_update(of=("self",))
    record = records.filter(pk=parse_id(pk)).first()
    if record is None:
        raise Http404
    record.clinic = clinic  # the same row, already read for this request
    organization = getattr(request, "organization", None)
    if organization is not None and organization.pk == clinic.organization_id:
        # Also already read: issuing consults the organization's country pack.
        clinic.organization = organization
    check_perm(request, permission, record)
    return record
