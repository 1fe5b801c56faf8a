"""Billing: per-clinic billing profile, tax rates and number series; invoices with their lines, payments,
patient credit, credit notes with refunds, and the rendered PDF of each invoice.

An issued invoice never changes: the services refuse it and database triggers refuse an UPDATE of its
amounts, buyer, seller or number, any change to its lines, and its deletion. Only the settlement columns
(status, balance, paid and credited totals) move after issue. Credit notes are the corrections.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, Membership, TenantModel

MONEY = {"max_digits": 14, "decimal_places": 4}


class AppliesTo(models.TextChoices):
    ALL = "all", _("Everything")
    SERVICES = "services", _("Services")
    PRODUCTS = "products", _("Products")


class SeriesKind(models.TextChoices):
    INVOICE = "invoice", _("Invoices")
    CREDIT_NOTE = "credit_note", _("Credit notes")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


class LineKind(models.TextChoices):
    SERVICE = "service", _("Service")
    PRODUCT = "product", _("Product")
    APPOINTMENT = "appointment", _("Appointment")
    FREE = "free", _("Free text")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    OTHER = "other", _("Other")


@pghistory.track()
class BillingProfile(TenantModel):
    """What a clinic's invoices say about the seller."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=60, blank=True)
    address = models.TextField(_("address"), blank=True)
    invoice_footer = models.TextField(_("invoice footer"), blank=True)
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), default=14, validators=[MaxValueValidator(365)]
    )
    # Invoices billed to a company carry their EN 16931 data (plugins/billing/facturx/).
    facturx = models.BooleanField(_("Issue Factur-X invoices to business payers"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic"], name="billing_profile_one_per_clinic")
        ]


@pghistory.track()
class TaxRate(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    rate = models.DecimalField(
        _("rate (%)"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices, default="all")
    exempt = models.BooleanField(
        _("tax exempt"), default=False, help_text=_("Exempt supplies (e.g. medical treatment) carry 0 %.")
    )
    is_default = models.BooleanField(_("default for new lines"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic", "name"], name="billing_tax_rate_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_rate.normalize():f} %)"

    @property
    def effective_rate(self) -> Decimal:
        return Decimal(0) if self.exempt else self.rate


@pghistory.track()
class InvoiceSeries(TenantModel):
    """A clinic's number sequence for one kind of document. ``next_number`` is taken under a row lock in the
    issuing transaction, so numbers are gapless: a rolled-back issue hands its number back."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=SeriesKind.choices)
    prefix = models.CharField(_("prefix"), max_length=12)
    yearly_reset = models.BooleanField(_("start again at 1 every year"), default=True)
    year = models.PositiveIntegerField(_("year"), default=0)
    next_number = models.PositiveBigIntegerField(_("next number"), default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic", "kind"], name="billing_series_per_kind")
        ]

    def __str__(self) -> str:
        return self.prefix

    def format(self, year: int, sequence: int) -> str:
        if self.yearly_reset:
            return f"{self.prefix}-{year}-{sequence:04d}"
        return f"{self.prefix}-{sequence:05d}"


# Columns of an invoice that are frozen once it leaves draft.
INVOICE_FROZEN = (
    "clinic_id",
    "patient_id",
    "practitioner_id",
    "series_id",
    "number",
    "sequence",
    "issue_date",
    "supply_date",
    "due_date",
    "currency",
    "seller",
    "buyer",
    "bill_to",
    "net_total",
    "tax_total",
    "gross_total",
    "tax_breakdown",
    "language",
)


def _frozen_after_issue(columns) -> str:
    changed = " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in columns)
    return f"OLD.\"status\" <> 'draft' AND (NEW.\"status\" = 'draft' OR {changed})"


@pghistory.track()
class Invoice(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    # The practitioner whose work is billed (from the appointment); practitioners see their own invoices.
    practitioner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=InvoiceStatus.choices, default="draft")
    series = models.ForeignKey(
        InvoiceSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    number = models.CharField(_("number"), max_length=40, null=True, blank=True)
    sequence = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    supply_date = models.DateField(_("date of supply"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Copied at issue, so a later change of address or name never rewrites an issued invoice.
    seller = models.JSONField(_("seller"), default=dict, blank=True)
    buyer = models.JSONField(_("buyer"), default=dict, blank=True)
    # A company that pays instead of the patient: name, address, country, VAT id (services/bill_to.py).
    bill_to = models.JSONField(_("bill to"), default=dict, blank=True)
    net_total = models.DecimalField(_("net"), default=0, **MONEY)
    tax_total = models.DecimalField(_("tax"), default=0, **MONEY)
    gross_total = models.DecimalField(_("total"), default=0, **MONEY)
    tax_breakdown = models.JSONField(default=list, blank=True)
    # Settlement: the only columns that change after issue.
    paid_total = models.DecimalField(_("paid"), default=0, **MONEY)
    credited_total = models.DecimalField(_("credited"), default=0, **MONEY)
    balance = models.DecimalField(_("balance"), default=0, **MONEY)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-sequence", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "series", "number"], name="billing_invoice_number"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(number__isnull=False),
                name="billing_issued_has_number",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "clinic", "status", "issue_date"], name="billing_inv_clinic"
            ),
            models.Index(fields=["organization", "patient"], name="billing_inv_patient"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="billing_invoice_frozen",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Condition(_frozen_after_issue(INVOICE_FROZEN)),
                func="RAISE EXCEPTION 'billing: issued invoice % cannot be changed', OLD.id;",
            ),
            pgtrigger.Protect(
                name="billing_invoice_no_delete",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status__df="draft"),
            ),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft %(id)s") % {"id": self.pk}

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def status_label(self) -> str:
        """The status as people should read it: what happened, not only what is left to pay. An invoice
        credited in full reads "Credited in full" (stored as paid or void, since nothing is left to pay), one
        credited in part says so beside its payment state."""
        if self.is_draft or not self.credited_total:
            return self.get_status_display()
        if self.credited_total >= self.gross_total:
            return _("Credited in full")
        return _("%(status)s, partly credited") % {"status": self.get_status_display()}

    @property
    def pdf(self):
        """The invoice's stored PDF record, or None before the first render."""
        return next(iter(self.pdf_records.all()), None)

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise ValidationError(_("An issued invoice cannot be deleted; issue a credit note instead."))
        return super().delete(*args, **kwargs)


# Kinds of line whose source can be billed only once: an appointment happens once, while the same product
# (reference: its SKU) is sold again and again.
BILLED_ONCE_KINDS = (LineKind.APPOINTMENT,)

# A line of an issued invoice never changes, except for ``claims_source``: it is released when the invoice
# is credited in full (void), so that the appointment can be billed again.
LINE_GUARD = """
IF TG_OP = 'UPDATE'
    AND to_jsonb(NEW) - 'claims_source' = to_jsonb(OLD) - 'claims_source'
THEN
    RETURN NEW;
END IF;
IF (SELECT "status" FROM billing_invoice WHERE id = COALESCE(NEW."invoice_id", OLD."invoice_id")) <> 'draft'
THEN
    RAISE EXCEPTION 'billing: lines of issued invoice % cannot be changed',
        COALESCE(NEW."invoice_id", OLD."invoice_id");
END IF;
RETURN COALESCE(NEW, OLD);
"""


@pghistory.track()
class InvoiceLine(TenantModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices, default=LineKind.FREE)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=6,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    # A snapshot of the tax rate: editing or deleting the rate later never changes this line.
    tax_name = models.CharField(_("tax"), max_length=100, blank=True)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=6, decimal_places=3, default=0)
    tax_exempt = models.BooleanField(default=False)
    net_amount = models.DecimalField(_("net"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    gross_amount = models.DecimalField(_("total"), **MONEY)
    # True while this line is the live billing of its source (an appointment): set when the line is added,
    # cleared in the same transaction that voids its invoice. The partial unique index below then lets at
    # most one line claim a source; a second, concurrent insert waits on the index for the first
    # transaction and fails when it commits. (The invoice's status lives on another row, which an index on
    # the line cannot see; hence the copy.)
    claims_source = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organization", "invoice"], name="billing_line_invoice")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "reference"],
                condition=models.Q(claims_source=True),
                name="billing_line_source_billed_once",
            )
        ]
        triggers = [
            pgtrigger.Trigger(
                name="billing_line_frozen",
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.Before,
                func=LINE_GUARD,
            )
        ]


@pghistory.track()
class Payment(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    applied_amount = models.DecimalField(_("applied to the invoice"), **MONEY)
    credit_amount = models.DecimalField(_("kept as patient credit"), default=0, **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["organization", "clinic", "date"], name="billing_payment_date")]
        triggers = [
            pgtrigger.Protect(
                name="billing_payment_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]


@pghistory.track()
class PatientCredit(TenantModel):
    """A ledger of money a patient has with a clinic: overpayments (+) and their later use or refund (−)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Set on a use of credit (a negative entry): the later invoice it paid.
    applied_to = models.ForeignKey(
        "Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_applied"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["organization", "clinic", "patient"], name="billing_credit_patient")]


CREDIT_NOTE_FROZEN = (
    "invoice_id",
    "series_id",
    "number",
    "sequence",
    "issue_date",
    "currency",
    "net_total",
    "tax_total",
    "gross_total",
    "refundable_amount",
)


@pghistory.track()
class CreditNote(TenantModel):
    """A correction of an issued invoice (whole or in part), numbered in the clinic's credit-note series.
    Amounts are negative. What was already paid beyond the new balance is refundable."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    series = models.ForeignKey(InvoiceSeries, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=40)
    sequence = models.PositiveBigIntegerField(editable=False)
    issue_date = models.DateField(_("issue date"))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=300)
    net_total = models.DecimalField(_("net"), **MONEY)
    tax_total = models.DecimalField(_("tax"), **MONEY)
    gross_total = models.DecimalField(_("total"), **MONEY)
    refundable_amount = models.DecimalField(_("to refund"), default=0, **MONEY)
    refunded_amount = models.DecimalField(_("refunded"), default=0, **MONEY)
    issued_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-issue_date", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "series", "number"], name="billing_credit_number")
        ]
        indexes = [models.Index(fields=["organization", "clinic", "issue_date"], name="billing_cn_clinic")]
        triggers = [
            pgtrigger.Trigger(
                name="billing_credit_note_frozen",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Condition(
                    " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in CREDIT_NOTE_FROZEN)
                ),
                func="RAISE EXCEPTION 'billing: credit note % cannot be changed', OLD.id;",
            ),
            pgtrigger.Protect(name="billing_credit_note_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.number


@pghistory.track()
class CreditNoteLine(TenantModel):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credited_by")
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)  # negative
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=6, decimal_places=3, default=0)
    net_amount = models.DecimalField(_("net"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    gross_amount = models.DecimalField(_("total"), **MONEY)

    class Meta:
        indexes = [models.Index(fields=["organization", "invoice_line"], name="billing_cnline_line")]
        triggers = [
            pgtrigger.Protect(name="billing_cn_line_frozen", operation=pgtrigger.Update | pgtrigger.Delete)
        ]


@pghistory.track()
class Refund(TenantModel):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="refunds")
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    date = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)


class PdfState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


@pghistory.track(exclude=["error"])
class InvoicePdf(TenantModel):
    # One per invoice (the constraint below, led by the organization so the table stays distributable).
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="pdf_records")
    state = models.CharField(max_length=10, choices=PdfState.choices, default=PdfState.PENDING)
    file = models.FileField(upload_to="invoices/%Y/%m/", blank=True)
    template_version = models.CharField(max_length=20, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "invoice"], name="billing_pdf_one")]
