"""The invoice PDF: WeasyPrint renders templates/billing/invoice_pdf.html in the invoice's language
(the patient's preferred one, else the clinic's), with Babel's number, currency and date formats."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .facturx.document import facturx_pdf, is_facturx
from .formatting import long_date, money, number
from .models import Invoice, InvoicePdf, PdfState

# Bump when invoice_pdf.html changes: stored PDFs of another version are rendered again on request.
TEMPLATE_VERSION = "2"


def pdf_version(invoice: Invoice) -> str:
    """The template version and what was settled when the PDF was drawn: a payment, credit note or refund
    changes it, so the stored PDF (which prints payments and the balance due) is drawn again."""
    # Normalised: an amount read back from the database ("90.0000") and one just computed ("90.00") agree.
    amounts = (invoice.paid_total, invoice.credited_total, invoice.balance)
    settled = ":".join(format(Decimal(amount).normalize(), "f") for amount in amounts)
    return f"{TEMPLATE_VERSION}-{hashlib.sha256(settled.encode()).hexdigest()[:12]}"


def _logo_uri(organization) -> str:
    logo = organization.logo
    if not logo:
        return ""
    try:
        return Path(logo.path).as_uri() if Path(logo.path).exists() else ""
    except (ValueError, NotImplementedError):
        return ""


def context_for(invoice: Invoice) -> dict:
    language = invoice.language or invoice.clinic.locale
    currency = invoice.currency
    lines = [
        {
            "description": line.description,
            "quantity": number(line.quantity, language),
            "unit_price": money(line.unit_price, currency, language),
            "discount": number(line.discount_percent, language) + " %" if line.discount_percent else "",
            "tax_rate": number(line.tax_rate, language) + " %",
            "net": money(line.net_amount, currency, language),
        }
        for line in invoice.lines.all()
    ]
    breakdown = [
        {
            "name": row["name"],
            "rate": number(row["rate"], language) + " %",
            "exempt": row.get("exempt"),
            "net": money(row["net"], currency, language),
            "tax": money(row["tax"], currency, language),
        }
        for row in invoice.tax_breakdown
    ]
    payments = [
        {
            "date": long_date(payment.date, language),
            "method": payment.get_method_display(),
            "amount": money(-payment.applied_amount, currency, language),
        }
        for payment in invoice.payments.all()
    ]
    payments += [
        {
            "date": long_date(timezone.localtime(entry.created_at, invoice.clinic.tzinfo).date(), language),
            "method": _("Patient credit"),
            "amount": money(entry.amount, currency, language),
        }
        for entry in invoice.credit_applied.all()
    ]
    credit_notes = [
        {
            "number": note.number,
            "date": long_date(note.issue_date, language),
            "reason": note.reason,
            "amount": money(note.gross_total, currency, language),
        }
        for note in invoice.credit_notes.all()
    ]
    practitioner = invoice.practitioner.titled_name if invoice.practitioner_id else ""
    return {
        "invoice": invoice,
        "language": language,
        "practitioner": practitioner,
        "payments": payments,
        "credit_notes": credit_notes,
        "paid_total": money(invoice.paid_total, currency, language),
        "credited_total": money(-invoice.credited_total, currency, language),
        "balance": money(invoice.balance, currency, language),
        "settled": bool(payments or credit_notes),
        "seller": invoice.seller,
        "buyer": invoice.buyer,
        "lines": lines,
        "breakdown": breakdown,
        "issue_date": long_date(invoice.issue_date, language),
        "supply_date": long_date(invoice.supply_date, language),
        "due_date": long_date(invoice.due_date, language),
        "net_total": money(invoice.net_total, currency, language),
        "tax_total": money(invoice.tax_total, currency, language),
        "gross_total": money(invoice.gross_total, currency, language),
        "logo": _logo_uri(invoice.organization),
    }


def render_pdf_bytes(invoice: Invoice) -> bytes:
    import weasyprint

    # Read once for the page and, on a Factur-X invoice, for its XML (a no-op when already prefetched).
    prefetch_related_objects([invoice], "lines")
    context = context_for(invoice)
    with translation.override(context["language"]):
        html = render_to_string("billing/invoice_pdf.html", context)
    document = weasyprint.HTML(string=html, base_url="file:///")
    if is_facturx(invoice):
        return facturx_pdf(invoice, document)
    return document.write_pdf()


def render_invoice(invoice: Invoice, *, force: bool = False) -> InvoicePdf:
    """Render and store the PDF unless one of the current template version is already stored. A failure
    is recorded on the row (staff see it) and raised again so the task queue retries."""
    pdf, _created = InvoicePdf.objects.get_or_create(organization_id=invoice.organization_id, invoice=invoice)
    if (
        not force
        and pdf.state == PdfState.READY
        and pdf.template_version == pdf_version(invoice)
        and pdf.file
    ):
        return pdf
    try:
        content = render_pdf_bytes(invoice)
    except Exception as error:
        InvoicePdf.objects.filter(pk=pdf.pk).update(
            state=PdfState.FAILED, error=f"{type(error).__name__}: {error}"[:2000], attempts=pdf.attempts + 1
        )
        raise
    old = pdf.file.name if pdf.file else ""
    pdf.file.save(
        f"{invoice.organization_id}-{invoice.number or invoice.pk}.pdf", ContentFile(content), save=False
    )
    pdf.state = PdfState.READY
    pdf.template_version = pdf_version(invoice)
    pdf.rendered_at = timezone.now()
    pdf.error = ""
    pdf.attempts += 1
    pdf.save()
    if old and old != pdf.file.name:
        pdf.file.storage.delete(old)
    return pdf


def stored_or_rendered(invoice: Invoice) -> InvoicePdf | None:
    """The invoice's stored PDF of the current template version; when the background rendering has not
    stored it yet (or it failed), rendered now on request. None when rendering fails: the caller queues
    it again and tells the person to retry."""
    pdf = invoice.pdf
    current = pdf is not None and pdf.state == PdfState.READY and pdf.template_version == pdf_version(invoice)
    if current and pdf.file:
        return pdf
    try:
        return render_invoice(invoice)
    except Exception:
        return None
