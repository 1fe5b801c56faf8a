"""The accounting of disclosures as a PDF (WeasyPrint), one section per organization, in the reader's
language and each organization's time zone. Drawn on request: it reads rows that never change in place,
and a stored copy would be one more copy of health information to keep."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .accounting import Accounting


def accounting_pdf(accountings: list[Accounting], *, language: str | None = None) -> bytes:
    """The PDF of ``accountings``; ``language`` defaults to the request's."""
    import weasyprint

    with translation.override(language or translation.get_language()):
        html = render_to_string(
            "audit/disclosure_accounting_pdf.html", {"accountings": accountings, "now": timezone.now()}
        )
    return weasyprint.HTML(string=html, base_url="file:///").write_pdf()
