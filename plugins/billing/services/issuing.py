"""Issuing an invoice: its number, the seller and buyer details frozen onto it, its totals, and the PDF
queued for the worker."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value, prefetch_related_objects
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from core.accounts.models import User
from core.addresses import address_lines
from core.patients.models import Patient
from core.tasks import enqueue_on_commit
from core.tenancy.models import Clinic

from ..announcements import announce_issue
from ..facturx.readiness import facturx_details
from ..models import (
    MONEY,
    BillingProfile,
    Invoice,
    InvoicePdf,
    InvoiceStatus,
    PatientCredit,
    PdfState,
    SeriesKind,
)
from .clinic_settings import billing_profile
from .dates import local_today
from .invoice_state import keep_clinic, require_draft
from .legal_mentions import check_mentions
from .numbering import take_number
from .totals import totals_of

PDF_TASK = "plugins.billing.tasks.render_invoice_pdf"


def _seller(clinic: Clinic, profile: BillingProfile) -> dict:
    address = profile.address.strip() or "\n".join(
        address_lines(
            clinic.address_line1,
            clinic.address_line2,
            clinic.postal_code,
            clinic.city,
            clinic.country,
            home_country=clinic.country,
        )
    )
    return {
        "name": profile.legal_name or clinic.name,
        "clinic": clinic.name,
        "address": address,
        "tax_id": profile.tax_id,
        "email": clinic.email,
        "phone": clinic.phone,
        "footer": profile.invoice_footer,
        "payment_terms_days": profile.payment_terms_days,
    }


def _buyer(patient: Patient, clinic: Clinic, language: str) -> dict:
    # The country is named only when the patient lives in another country than the clinic's.
    address = "\n".join(
        address_lines(
            patient.address_line1,
            patient.address_line2,
            patient.postal_code,
            patient.city,
            patient.country,
            home_country=clinic.country,
            language=language,
        )
    )
    return {"name": patient.full_name, "record_number": patient.display_record_number, "address": address}


def issuing_reads(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """``invoices`` with what issuing one and showing it afterwards read besides its row, as columns of the
    same statement (each would be a round trip of its own): its clinic's billing profile as a dict
    (``seller_profile``, None before the clinic's first invoice creates it) and the patient's credit at the
    clinic in the invoice's currency (``patient_credit``; issuing does not change it)."""
    profile = BillingProfile.objects.filter(
        organization_id=OuterRef("organization_id"), clinic_id=OuterRef("clinic_id")
    ).values(data=JSONObject(**{f.attname: f.attname for f in BillingProfile._meta.concrete_fields}))
    credit = (
        PatientCredit.objects.filter(
            organization_id=OuterRef("organization_id"),
            clinic_id=OuterRef("clinic_id"),
            patient_id=OuterRef("patient_id"),
            currency=OuterRef("currency"),
        )
        .values("patient_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return invoices.annotate(
        seller_profile=Subquery(profile[:1]),
        patient_credit=Coalesce(Subquery(credit), Value(Decimal(0)), output_field=DecimalField(**MONEY)),
    )


@transaction.atomic
def issue(
    invoice: Invoice, *, by: User | None = None, supply_date: date | None = None, on: date | None = None
) -> Invoice:
    """Issue a draft: take the next number of the clinic's series, copy seller and buyer details, store the
    totals, and tell the modules (``clinic_invoice_issued``, inside this transaction: a listener's
    ``ValidationError`` refuses the issue and no number is used). The PDF is rendered after commit.

    ``on`` dates the invoice in the past (importing history); it may not precede the clinic's latest
    issued invoice, so numbers and dates keep the same order."""
    # One locked read brings the patient along (only the invoice row is locked) and its lines, which
    # stay cached on the invoice for whoever shows it next.
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("patient")
        .prefetch_related("lines")
        .get(pk=invoice.pk, organization_id=invoice.organization_id)
    )
    keep_clinic(invoice, locked)
    return issue_locked(locked, by=by, supply_date=supply_date, on=on)


def issue_locked(
    invoice: Invoice, *, by: User | None = None, supply_date: date | None = None, on: date | None = None
) -> Invoice:
    """``issue`` for a caller that already read the invoice under its row lock (``select_for_update``, with
    its patient and clinic) in the transaction it is still in, so the row is not read a second time. An
    error must roll that whole transaction back (let it leave the ``atomic`` block): by then the number
    may have been taken."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("An invoice is issued inside its locking transaction.")
    require_draft(invoice)
    # Its lines stay cached on the invoice for whoever shows it next.
    prefetch_related_objects([invoice], "lines")
    lines = list(invoice.lines.all())
    if not lines:
        raise ValidationError(_("Add at least one line before issuing the invoice."))
    clinic = invoice.clinic
    patient = invoice.patient
    today = local_today(clinic)
    if on is not None and on != today:
        latest = (
            Invoice.objects.filter(
                organization_id=invoice.organization_id, clinic=clinic, issue_date__isnull=False
            )
            .order_by("-issue_date")
            .values_list("issue_date", flat=True)
            .first()
        )
        if on > today or (latest and on < latest):
            raise ValidationError(
                {"issue_date": _("The issue date must lie between the last invoice and today.")}
            )
        today = on
    if supply_date and supply_date > today:
        raise ValidationError({"supply_date": _("The date of supply cannot be after the issue date.")})
    profile = _profile_read_along(invoice) or billing_profile(clinic)
    seller = _seller(clinic, profile)
    language = patient.preferred_language or clinic.locale
    buyer = _buyer(patient, clinic, language)
    if invoice.bill_to.get("name"):
        buyer["company"] = dict(invoice.bill_to)
    net, tax, breakdown = totals_of(lines, invoice.currency)
    due_date = date.fromordinal(today.toordinal() + int(seller["payment_terms_days"]))
    # Before the number is taken: a refusal leaves the series row untouched.
    seller |= check_mentions(
        clinic,
        seller=seller,
        buyer=buyer,
        lines=lines,
        gross=net + tax,
        supply_date=supply_date or today,
        due_date=due_date,
        language=language,
    )
    facturx = facturx_details(clinic, profile, company=buyer.get("company"), lines=lines, language=language)
    if facturx is not None:
        seller["facturx"] = facturx
    series, sequence, number = take_number(clinic, SeriesKind.INVOICE, today)
    invoice.status = InvoiceStatus.ISSUED
    invoice.series = series
    invoice.sequence = sequence
    invoice.number = number
    invoice.issue_date = today
    invoice.supply_date = supply_date or today
    invoice.due_date = due_date
    invoice.buyer = buyer
    invoice.language = language
    invoice.seller = seller
    invoice.net_total, invoice.tax_total, invoice.gross_total = net, tax, net + tax
    invoice.tax_breakdown = breakdown
    invoice.balance = net + tax
    invoice.issued_at = timezone.now()
    if invoice.balance == 0:
        invoice.status = InvoiceStatus.PAID
    invoice.save()
    # One statement whether or not a record exists (a draft normally has none).
    InvoicePdf.objects.bulk_create(
        [InvoicePdf(organization_id=invoice.organization_id, invoice=invoice, state=PdfState.PENDING)],
        update_conflicts=True,
        unique_fields=["organization", "invoice"],
        update_fields=["state", "error"],
    )
    announce_issue(clinic, invoice, lines)
    enqueue_on_commit(PDF_TASK, clinic.pk, invoice_id=invoice.pk)
    return invoice


def _profile_read_along(invoice: Invoice) -> BillingProfile | None:
    """The billing profile ``issuing_reads`` brought with the invoice, if it did."""
    data = getattr(invoice, "seller_profile", None)
    if data is None:
        return None
    # JSON carries numbers, text and booleans: each field turns its value back into its own type.
    fields = BillingProfile._meta.concrete_fields
    return BillingProfile.from_db(
        invoice._state.db, [f.attname for f in fields], [f.to_python(data[f.attname]) for f in fields]
    )


def request_pdf(invoice: Invoice) -> None:
    """Render (again) after commit, e.g. when staff retry a failed rendering."""
    enqueue_on_commit(PDF_TASK, invoice.clinic_id, invoice_id=invoice.pk)
