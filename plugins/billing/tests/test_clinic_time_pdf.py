"""The invoice PDF is dated on the clinic's wall clock, whatever the server's own zone. The server runs
here in Pacific/Kiritimati (UTC+14) and the clinic in Honolulu (UTC-10): their calendars are a whole day
apart at every instant, so an invoice dated by the server's clock would show the wrong day. The check reads
the PDF's text and compares it with the clinic-local date of the same instant."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scope

from plugins.billing.formatting import long_date
from plugins.billing.models import InvoicePdf, PdfState
from plugins.billing.services.issuing import issue

from .conftest import draft_with_line

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by bootstrap.sh"),
]

SERVER = ZoneInfo("Pacific/Kiritimati")
HONOLULU = ZoneInfo("Pacific/Honolulu")


@pytest.fixture(autouse=True)
def server_far_from_every_clinic(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"


def pdf_text(path: str) -> str:
    return subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout


def test_the_invoice_pdf_is_dated_on_the_clinics_clock(bill, django_capture_on_commit_callbacks):
    bill.clinic.timezone = "Pacific/Honolulu"
    bill.clinic.save()
    bill.patient.preferred_language = "en"
    bill.patient.save()
    with scope(organization=bill.org.pk):
        draft = draft_with_line(bill, price="80.00", description="Consultation")
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            invoice = issue(draft)
        after = timezone.now()
        stored = InvoicePdf.objects.get(invoice=invoice)
    if before.astimezone(HONOLULU).date() != after.astimezone(HONOLULU).date():
        pytest.skip("issued across midnight in Honolulu; the day read is then either one")
    assert stored.state == PdfState.READY
    clinic_day = before.astimezone(HONOLULU).date()
    server_day = before.astimezone(SERVER).date()
    assert server_day == clinic_day + timedelta(days=1)
    assert invoice.issue_date == clinic_day

    text = pdf_text(stored.file.path)

    assert long_date(clinic_day, "en") in text  # invoice date and date of supply
    assert long_date(server_day, "en") not in text
