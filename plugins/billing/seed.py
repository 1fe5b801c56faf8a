"""Demo data: billing profile, tax rates and number series per clinic, and four months of issued invoices,
most of them paid (one overpaid, its credit used on the patient's next invoice; one credited and refunded).
Idempotent: settings are looked up before they are created, and invoices are made only for a clinic that
has none yet."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient

from .models import AppliesTo, Invoice, InvoiceSeries, LineKind, PaymentMethod, SeriesKind, TaxRate
from .money import quantize
from .services.clinic_settings import billing_profile
from .services.credit import apply_credit, patient_credit
from .services.credit_notes import issue_credit_note
from .services.dates import local_today
from .services.drafts import create_draft
from .services.issuing import issue
from .services.lines import add_line
from .services.numbering import ensure_series
from .services.payments import record_payment
from .services.refunds import record_refund

# Clinic slug -> invoice prefix, tax id, tax rates (name, rate, applies to, exempt, default).
CLINICS = {
    "alpha-downtown": (
        "AD",
        "US-12-3456789",
        [
            (_("Medical services"), "0", AppliesTo.SERVICES, True, True),
            (_("Sales tax"), "8.875", AppliesTo.PRODUCTS, False, True),
        ],
    ),
    "alpha-riverside": (
        "AR",
        "US-12-3456789",
        [
            (_("Medical services"), "0", AppliesTo.SERVICES, True, True),
            (_("Sales tax"), "8.875", AppliesTo.PRODUCTS, False, True),
        ],
    ),
    "beta-central": (
        "BC",
        "DE123456789",
        [
            ("Heilbehandlung (steuerfrei)", "0", AppliesTo.SERVICES, True, True),
            ("MwSt 19 %", "19", AppliesTo.PRODUCTS, False, True),
            ("MwSt 7 %", "7", AppliesTo.PRODUCTS, False, False),
        ],
    ),
}
# Written in the clinic's language, like the rest of its demo data.
LINES = [
    (_("Consultation"), LineKind.SERVICE, "1", {"USD": "90.00", "EUR": "85.00"}),
    (_("Follow-up visit"), LineKind.SERVICE, "1", {"USD": "45.00", "EUR": "40.00"}),
    # Free text, not "product": product lines are stock items that the inventory module checks on issue.
    (_("Knee support bandage"), LineKind.FREE, "1", {"USD": "24.90", "EUR": "19.90"}),
]
INVOICES = 14
DAYS_BACK = 120
OVERPAYMENT = Decimal("20")


def seed(organization, clinics, users) -> None:
    for slug, clinic in clinics.items():
        if slug not in CLINICS:
            continue
        prefix, tax_id, rates = CLINICS[slug]
        profile = billing_profile(clinic)
        if not profile.tax_id:
            profile.tax_id = tax_id
            profile.invoice_footer = f"{clinic.name} · {clinic.email}"
            profile.save()
        for kind, series_prefix in ((SeriesKind.INVOICE, prefix), (SeriesKind.CREDIT_NOTE, f"{prefix}-CN")):
            series = ensure_series(clinic, kind)
            if series.prefix != series_prefix and series.next_number == 1:
                InvoiceSeries.objects.filter(pk=series.pk).update(prefix=series_prefix)
        for name, rate, applies, exempt, default in rates:
            TaxRate.objects.get_or_create(
                organization=organization,
                clinic=clinic,
                name=str(name),
                defaults={
                    "rate": Decimal(rate),
                    "applies_to": applies,
                    "exempt": exempt,
                    "is_default": default,
                },
            )
        if not Invoice.objects.filter(organization=organization, clinic=clinic).exists():
            with translation.override(clinic.locale):
                _invoices(clinic, users)


def _invoices(clinic, users) -> None:
    patients = list(
        Patient.objects.filter(organization_id=clinic.organization_id, clinics=clinic).order_by("id")
    )
    if not patients:
        return
    owner = next((u for e, u in users.items() if e.startswith("owner@")), None)
    today = local_today(clinic)
    taxed = TaxRate.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, applies_to=AppliesTo.PRODUCTS, is_default=True
    ).first()
    for index in range(INVOICES):
        day = today - timedelta(days=DAYS_BACK - index * (DAYS_BACK // INVOICES))
        patient = patients[index % len(patients)]
        invoice = create_draft(clinic=clinic, patient=patient, by=owner)
        for description, kind, quantity, prices in LINES[: 1 + index % 3]:
            add_line(
                invoice,
                description=str(description),
                quantity=quantity,
                unit_price=prices.get(clinic.currency, prices["USD"]),
                kind=kind,
                tax_rate=taxed if kind == LineKind.FREE else None,
            )
        invoice = issue(invoice, by=owner, on=day)
        if index < INVOICES - 4:
            # The first patient's first invoice is overpaid; that credit pays part of their next one.
            if patient_credit(clinic, patient, invoice.currency) > 0:
                apply_credit(invoice, by=owner)
                invoice.refresh_from_db()
            if invoice.balance > 0:
                record_payment(
                    invoice,
                    amount=invoice.balance + (OVERPAYMENT if index == 0 else 0),
                    method=PaymentMethod.CARD,
                    on=day + timedelta(days=3),
                    by=owner,
                )
            if index == 1:
                # A treatment that did not happen: credited in full and the money paid back.
                note = issue_credit_note(invoice, reason=str(_("Treatment cancelled")), by=owner)
                record_refund(
                    note, amount=note.refundable_amount, method=PaymentMethod.BANK_TRANSFER, by=owner
                )
        elif index == INVOICES - 4:
            half = quantize(invoice.balance / 2, invoice.currency)
            record_payment(invoice, amount=half, method=PaymentMethod.CASH, on=day, by=owner)
