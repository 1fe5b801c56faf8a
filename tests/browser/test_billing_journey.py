"""Billing in a real browser: the front desk invoices a completed appointment from its page, issues the
invoice and records a partial payment, then the rest; the patient signs in to the portal, finds the invoice
under "My invoices" and downloads its PDF (its bytes and its text are checked)."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from tests.factories import PASSWORD, link_patient_login, make_user

from .helpers import axe_violations, format_violations, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "billing"
PATIENT_EMAIL = "pia-billing@alpha.test"


def completed_appointment(tenant):
    """An 80.00 EUR physiotherapy session this morning, marked completed; billing alone listens."""
    from core.plugins.manager import registry
    from core.tenancy.models import ClinicModule
    from plugins.scheduling.models import Status
    from plugins.scheduling.services.booking import book_appointment
    from plugins.scheduling.services.catalogue import create_service
    from plugins.scheduling.services.status import set_status

    clinic = tenant.clinic
    clinic.currency = "EUR"
    clinic.save()
    for slug in registry().modules:
        if slug not in ("billing", "scheduling"):
            ClinicModule.objects.update_or_create(
                organization=tenant.org, clinic=clinic, module=slug, defaults={"enabled": False}
            )
    practitioner = tenant.memberships["practitioner"]
    service = create_service(
        clinic, practitioners=[practitioner], name="Physiotherapy session", duration_minutes=45, price=80
    )
    appointment = book_appointment(
        clinic=clinic,
        practitioner=practitioner,
        patient=tenant.patient,
        service=service,
        start=timezone.now() - timedelta(hours=3),
        by=tenant.owner,
        override=True,
    )
    for step in (Status.ARRIVED, Status.IN_PROGRESS, Status.COMPLETED):
        appointment = set_status(appointment, step, by=tenant.owner)
    return appointment


def record_payment(desk, amount: str, method: str) -> None:
    form = desk.locator("form", has=desk.get_by_role("button", name="Record payment"))
    form.get_by_label("Amount").fill(amount)
    form.get_by_label("Method").select_option(method)
    form.get_by_role("button", name="Record payment").click()


def test_front_desk_invoices_and_takes_two_payments_patient_downloads_pdf(new_context, alpha, screenshot):
    from plugins.billing.models import Invoice, InvoicePdf, InvoiceStatus, PdfState

    with scopes_disabled():
        appointment = completed_appointment(alpha)
        link_patient_login(alpha.patient, make_user(PATIENT_EMAIL))
    slug = alpha.clinic.slug

    # --- The front desk: invoice the appointment in one click, issue, take 30.00 then the rest ----------
    desk = new_context().new_page()
    sign_in(desk, alpha.staff.email)
    desk.goto(f"/office/c/{slug}/scheduling/appointments/{appointment.pk}/")
    desk.get_by_test_id("invoice-appointment").click()
    expect(desk.get_by_role("heading", name="New invoice")).to_be_visible()
    expect(desk.get_by_text("Physiotherapy session")).to_be_visible()
    screenshot(desk, "billing_new_invoice.png")
    desk.get_by_role("button", name="Create draft").click()
    expect(desk.get_by_role("heading", name="Draft invoice")).to_be_visible()
    expect(desk.get_by_test_id("invoice-total")).to_have_text("€80.00")
    desk.get_by_role("button", name="Issue invoice").click()
    expect(desk.get_by_test_id("invoice-status")).to_contain_text("Issued")
    with scope(organization=alpha.org.pk):
        invoice = Invoice.objects.get(organization=alpha.org)
        assert invoice.number and invoice.lines.get().reference == str(appointment.pk)
        # The rendering task ran after the issue committed (the test settings run django-q2 in sync mode);
        # the portal download serves that stored file.
        assert InvoicePdf.objects.get(invoice=invoice).state == PdfState.READY
    expect(desk.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()

    record_payment(desk, "30", "card")
    expect(desk.get_by_text("Payment of €30.00 recorded. €50.00 is still due.")).to_be_visible()
    expect(desk.get_by_test_id("invoice-status")).to_contain_text("Partly paid")
    expect(desk.get_by_test_id("invoice-balance")).to_have_text("€50.00")
    screenshot(desk, "billing_partly_paid.png")
    record_payment(desk, "50", "cash")
    expect(desk.get_by_text("Payment of €50.00 recorded. The invoice is paid.")).to_be_visible()
    expect(desk.get_by_test_id("invoice-status")).to_contain_text("Paid")
    expect(desk.get_by_test_id("invoice-balance")).to_have_text("€0.00")
    screenshot(desk, "billing_paid.png")
    with scope(organization=alpha.org.pk):
        invoice.refresh_from_db()
        assert (invoice.status, invoice.paid_total, invoice.payments.count()) == (
            InvoiceStatus.PAID,
            Decimal("80.00"),
            2,
        )

    # --- The patient: sign in to the portal, "My invoices", the invoice, its PDF ------------------------
    patient = new_context().new_page()
    patient.goto(f"/c/{slug}/account/login/")
    patient.get_by_label("Email").fill(PATIENT_EMAIL)
    patient.get_by_label("Password").fill(PASSWORD)
    patient.get_by_role("button", name="Sign in").click()
    patient.get_by_role("navigation", name="Your account").get_by_role("link", name="My invoices").click()
    expect(patient.get_by_role("heading", name="My invoices", level=1)).to_be_visible()
    card = patient.locator(f'article.invoice[data-invoice="{invoice.pk}"]')
    expect(card).to_have_attribute("data-status", "paid")
    expect(card).to_contain_text("€80.00")
    violations = axe_violations(patient)
    assert not violations, format_violations(violations)
    screenshot(patient, "billing_portal_my_invoices.png")
    card.get_by_role("link", name=f"Invoice {invoice.number}").click()
    expect(patient.get_by_role("heading", name=f"Invoice {invoice.number}", level=1)).to_be_visible()
    expect(patient.get_by_test_id("amount-due")).to_have_text("€0.00")
    expect(patient.locator("[data-payment]")).to_have_count(2)
    violations = axe_violations(patient)
    assert not violations, format_violations(violations)
    screenshot(patient, "billing_portal_invoice.png")

    with patient.expect_download() as download_info:
        patient.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    saved = ARTIFACTS / f"portal-{invoice.number}.pdf"
    download.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert invoice.number in text and "Physiotherapy session" in text


def test_front_desk_applies_credit_and_records_a_refund(new_context, alpha, screenshot):
    """An overpaid invoice leaves credit; the desk uses it on the next invoice, then credits the first one
    and pays back what was paid, refused first for a cent too much."""
    from plugins.billing.services import payments
    from plugins.billing.services.drafts import create_draft
    from plugins.billing.services.issuing import issue
    from plugins.billing.services.lines import add_line

    with scopes_disabled():
        completed_appointment(alpha)  # the clinic in EUR, other modules' listeners off
    with scope(organization=alpha.org.pk):
        first = create_draft(clinic=alpha.clinic, patient=alpha.patient)
        add_line(first, description="Assessment", quantity="1", unit_price="60")
        first = issue(first)
        payments.record_payment(first, amount="75", method="cash")
        later = create_draft(clinic=alpha.clinic, patient=alpha.patient)
        add_line(later, description="Follow-up", quantity="1", unit_price="40")
        later = issue(later)
    desk = new_context().new_page()
    sign_in(desk, alpha.staff.email)
    base = f"/office/c/{alpha.clinic.slug}/billing/invoices"

    desk.goto(f"{base}/{later.pk}/")
    credit = desk.get_by_test_id("patient-credit")
    expect(credit).to_contain_text("The patient has €15.00 of credit at this clinic.")
    credit.get_by_role("button", name="Apply credit").click()
    expect(desk.get_by_text("€15.00 of the patient's credit applied. €25.00 is still due.")).to_be_visible()
    expect(desk.get_by_test_id("invoice-balance")).to_have_text("€25.00")
    expect(desk.get_by_test_id("patient-credit")).to_contain_text("credit used €15.00")
    screenshot(desk, "billing_credit_applied.png")

    desk.goto(f"{base}/{first.pk}/credit-note/")
    desk.get_by_label("Reason").fill("Assessment not needed")
    # A reason alone credits everything not yet credited.
    desk.get_by_role("button", name="Issue credit note").click()
    refund = desk.locator("form", has=desk.get_by_role("button", name="Record refund"))
    refund.get_by_label("Amount").fill("60.01")
    refund.get_by_label("Method").select_option("bank_transfer")
    refund.get_by_role("button", name="Record refund").click()
    expect(desk.get_by_text("At most €60.00 is left to refund.")).to_be_visible()
    screenshot(desk, "billing_refund_refused.png")
    refund = desk.locator("form", has=desk.get_by_role("button", name="Record refund"))
    refund.get_by_label("Amount").fill("60")
    refund.get_by_role("button", name="Record refund").click()
    expect(desk.get_by_text("Refund of €60.00 recorded")).to_be_visible()
    expect(desk.get_by_role("button", name="Record refund")).to_have_count(0)
    screenshot(desk, "billing_refunded.png")
