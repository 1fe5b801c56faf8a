"""Billing's part of a patient's privacy rights: their issued invoices in the data download (the JSON and
each invoice's PDF), and what the retention rules weigh when the patient asks for erasure."""

from __future__ import annotations

from django.db.models import Count, Max

from core.compliance.packs import RECORD_CLASSES
from core.plugins.types import ExportFile, HeldRecords

from .models import Invoice, InvoiceStatus


def _issued(organization, patient):
    return Invoice.objects.filter(organization_id=organization.pk, patient=patient).exclude(
        status=InvoiceStatus.DRAFT
    )


def data_export(organization, patient) -> dict:
    invoices = _issued(organization, patient).prefetch_related("lines").order_by("issue_date", "sequence")
    return {
        "invoices": [
            {
                "number": invoice.number,
                "issue_date": invoice.issue_date,
                "supply_date": invoice.supply_date,
                "currency": invoice.currency,
                "net_total": invoice.net_total,
                "tax_total": invoice.tax_total,
                "gross_total": invoice.gross_total,
                "balance": invoice.balance,
                "status": invoice.status,
                "seller": invoice.seller.get("name", ""),
                "lines": [
                    {
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "tax_rate": line.tax_rate,
                        "gross_amount": line.gross_amount,
                    }
                    for line in invoice.lines.all()
                ],
            }
            for invoice in invoices
        ]
    }


def export_files(organization, patient) -> list[ExportFile]:
    """The stored PDF of each issued invoice (an invoice whose PDF is still being prepared is in the
    JSON only)."""
    files = []
    for invoice in _issued(organization, patient).prefetch_related("pdf_records"):
        pdf = invoice.pdf
        if pdf is not None and pdf.file:
            files.append(ExportFile(name=f"billing/{invoice.number}.pdf", read=_reader(pdf.file)))
    return files


def _reader(field_file):
    def read() -> bytes:
        with field_file.open("rb") as handle:
            return handle.read()

    return read


def records_held(organization, patient) -> list[HeldRecords]:
    found = _issued(organization, patient).aggregate(count=Count("id"), last=Max("issue_date"))
    if not found["count"]:
        return []
    return [
        HeldRecords(
            record_class="invoice",
            label=str(RECORD_CLASSES["invoice"]),
            count=found["count"],
            last_activity=found["last"],
        )
    ]


def erase(organization, patient, record_classes: frozenset[str]) -> None:
    """Drafts are no legal document and go with the contact details; issued invoices keep their legal
    content, whatever the request (their buyer details were copied onto them at issue)."""
    if "contact" in record_classes:
        Invoice.objects.filter(
            organization_id=organization.pk, patient=patient, status=InvoiceStatus.DRAFT
        ).delete()
