"""Invoice PDFs in the patient's language with Babel formats; stored once per template version; a
failure is recorded and raised so the queue retries."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scope

from plugins.billing import pdf
from plugins.billing.models import InvoicePdf, PdfState
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line
from plugins.billing.tasks import render_invoice_pdf

from .conftest import draft_with_line

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "pdf"


def _text(path: str) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout


def _png(path: str, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", path, str(ARTIFACTS / name)],
        check=True,
    )


needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils is installed by scripts/bootstrap.sh"
)


@needs_poppler
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Invoice", "€1,234.50", "Total due", "Date of supply", "VAT 19 %"]),
        ("de", ["Rechnung", "1.234,50", "Gesamtbetrag", "Leistungsdatum", "VAT 19 %"]),
    ],
)
def test_pdf_in_patients_language(bill, language, expected, django_capture_on_commit_callbacks):
    patient = bill.patient
    patient.preferred_language = language
    patient.address_line1, patient.city, patient.postal_code = "Hauptstraße 5", "Berlin", "10115"
    patient.save()
    with scope(organization=bill.org.pk):
        invoice = draft_with_line(bill, price="1234.50", description="Physiotherapy series")
        add_line(
            invoice, description="Gel", quantity="2", unit_price="4.99", tax_rate=bill.vat19, kind="product"
        )
        with django_capture_on_commit_callbacks(execute=True):
            invoice = issue(invoice)
        stored = InvoicePdf.objects.get(invoice=invoice)
        assert stored.state == PdfState.READY and stored.template_version == pdf.pdf_version(invoice)
        text = _text(stored.file.path)
        for fragment in expected:
            assert fragment in text, (fragment, text)
        assert invoice.number in text and "Erin" in text
        assert str(invoice.issue_date.year) in text
        _png(stored.file.path, f"invoice-{language}")
        # Asked again with the same template version: not rendered again.
        rendered_at = stored.rendered_at
        render_invoice_pdf(bill.clinic.pk, invoice_id=invoice.pk)
        assert InvoicePdf.objects.get(pk=stored.pk).rendered_at == rendered_at


def test_render_failure_is_recorded_and_raised(bill, monkeypatch):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill))

    def broken(invoice):
        raise OSError("fonts missing")

    monkeypatch.setattr(pdf, "render_pdf_bytes", broken)
    with pytest.raises(OSError):
        render_invoice_pdf(bill.clinic.pk, invoice_id=invoice.pk)
    with scope(organization=bill.org.pk):
        stored = InvoicePdf.objects.get(invoice=invoice)
        invoice.refresh_from_db()
    assert stored.state == PdfState.FAILED and "fonts missing" in stored.error and stored.attempts == 1
    assert invoice.status == "issued"


def test_new_template_version_renders_again(bill, monkeypatch):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill))
    calls = []
    monkeypatch.setattr(pdf, "render_pdf_bytes", lambda inv: calls.append(inv.pk) or b"%PDF-1.4 test")
    render_invoice_pdf(bill.clinic.pk, invoice_id=invoice.pk)
    render_invoice_pdf(bill.clinic.pk, invoice_id=invoice.pk)
    monkeypatch.setattr(pdf, "TEMPLATE_VERSION", "next")
    render_invoice_pdf(bill.clinic.pk, invoice_id=invoice.pk)
    assert calls == [invoice.pk, invoice.pk]
