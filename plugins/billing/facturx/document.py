"""The Factur-X PDF: the invoice drawn as PDF/A-3b by WeasyPrint, with ``factur-x.xml`` embedded and the
XMP metadata naming the Factur-X conformance level, by the factur-x library. The library checks the XML
against the Factur-X EN 16931 schema first: an XML it refuses fails the rendering, which staff see on the
invoice and the worker retries, rather than a PDF leaving with data a buyer's software would reject."""

from __future__ import annotations

from ..models import Invoice
from .cii import invoice_xml

LEVEL = "en16931"


def is_facturx(invoice: Invoice) -> bool:
    """Whether the invoice was issued as a Factur-X one (decided and frozen at issue)."""
    return bool(invoice.seller.get("facturx")) and bool(invoice.buyer.get("company"))


def facturx_pdf(invoice: Invoice, html) -> bytes:
    """``html`` (a WeasyPrint document) as a Factur-X PDF of ``invoice``."""
    from facturx import generate_from_binary

    pdf = html.write_pdf(pdf_variant="pdf/a-3b")
    seller = invoice.seller.get("name", "")
    metadata = {
        "author": seller,
        "keywords": "Factur-X, Invoice",
        "title": f"{seller}: {invoice.number}",
        "subject": f"Factur-X {invoice.number} {invoice.issue_date.isoformat()} {seller}",
    }
    return generate_from_binary(
        pdf,
        invoice_xml(invoice),
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        pdf_metadata=metadata,
        lang=invoice.language or None,
    )
