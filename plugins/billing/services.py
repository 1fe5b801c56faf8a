"""State changes of billing. Each public function is one transaction and raises ``ValidationError`` with a
translated message for anything the person can correct.

Numbering: an invoice's number is taken from its clinic's series row, locked with SELECT ... FOR UPDATE in
the issuing transaction. Two issues in one clinic therefore queue on that row; a failed issue (a listener
refusing it, an error) rolls back and its number is handed to the next one, so numbers have no gaps.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.plugins.types import BillableItem
from core.tasks import enqueue_on_commit
from core.tenancy.modules import clinic_hook

from .announcements import announce_credit, announce_issue, announce_payment
from .models import (
    OPEN_STATUSES,
    AppliesTo,
    BillingProfile,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoicePdf,
    InvoiceSeries,
    InvoiceStatus,
    LineKind,
    PatientCredit,
    Payment,
    PaymentMethod,
    PdfState,
    Refund,
    SeriesKind,
    TaxRate,
)
from .money import line_net, quantize, tax_on

PDF_TASK = "plugins.billing.tasks.render_invoice_pdf"
DEFAULT_PREFIX = {SeriesKind.INVOICE: "INV", SeriesKind.CREDIT_NOTE: "CN"}
MAX_LINES = 200


def local_today(clinic) -> date:
    return timezone.now().astimezone(clinic.tzinfo).date()


def _decimal(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not result.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return result


# --- set-up ---------------------------------------------------------------------------------------------


def billing_profile(clinic) -> BillingProfile:
    profile = BillingProfile.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    if profile is None:
        BillingProfile.objects.bulk_create(
            [BillingProfile(organization_id=clinic.organization_id, clinic=clinic, legal_name=clinic.name)],
            ignore_conflicts=True,
        )
        profile = BillingProfile.objects.get(organization_id=clinic.organization_id, clinic=clinic)
    return profile


def ensure_series(clinic, kind: str) -> InvoiceSeries:
    """The clinic's series of ``kind``, created with a default prefix the first time (race-safe)."""
    series = InvoiceSeries.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, kind=kind
    ).first()
    if series is None:
        InvoiceSeries.objects.bulk_create(
            [
                InvoiceSeries(
                    organization_id=clinic.organization_id,
                    clinic=clinic,
                    kind=kind,
                    prefix=DEFAULT_PREFIX[kind],
                    year=local_today(clinic).year,
                )
            ],
            ignore_conflicts=True,
        )
        series = InvoiceSeries.objects.get(organization_id=clinic.organization_id, clinic=clinic, kind=kind)
    return series


# One statement takes the number: the UPDATE locks the series row until the issuing transaction ends (as
# SELECT ... FOR UPDATE would), a series that starts again every year starts at 1 in a new year, and the
# row comes back as it now is. Filtered by organization like every tenant query (raw SQL is not scoped).
TAKE_NUMBER = """
UPDATE billing_invoiceseries SET
    year = CASE WHEN yearly_reset AND year <> %(year)s THEN %(year)s ELSE year END,
    next_number = CASE WHEN yearly_reset AND year <> %(year)s THEN 2 ELSE next_number + 1 END
WHERE organization_id = %(organization)s AND clinic_id = %(clinic)s AND kind = %(kind)s
RETURNING {columns}
"""


def _take_number(clinic, kind: str, on: date) -> tuple[InvoiceSeries, int, str]:
    """Take the series' next number under its row lock; must run inside the issuing transaction. One
    query (three the first time a clinic issues, when the series is created)."""
    fields = [f.attname for f in InvoiceSeries._meta.concrete_fields]
    sql = TAKE_NUMBER.format(columns=", ".join(connection.ops.quote_name(f) for f in fields))
    params = {"year": on.year, "organization": clinic.organization_id, "clinic": clinic.pk, "kind": kind}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            ensure_series(clinic, kind)
            cursor.execute(sql, params)
            row = cursor.fetchone()
    series = InvoiceSeries.from_db(connection.alias, fields, row)
    sequence = series.next_number - 1
    return series, sequence, series.format(on.year, sequence)


def active_tax_rates(clinic):
    return TaxRate.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=True)


def default_tax_rate(clinic, kind: str = LineKind.FREE) -> TaxRate | None:
    """The clinic's default rate for a line of ``kind``: one marked default that applies to it."""
    wanted = AppliesTo.PRODUCTS if kind == LineKind.PRODUCT else AppliesTo.SERVICES
    rates = active_tax_rates(clinic).filter(is_default=True, applies_to__in=[wanted, AppliesTo.ALL])
    return rates.order_by("-applies_to").first()  # a specific rate wins over "everything"


# --- drafts ---------------------------------------------------------------------------------------------


def create_draft(*, clinic, patient, by=None, practitioner=None, notes: str = "") -> Invoice:
    """A new draft invoice of ``clinic`` for ``patient`` in the clinic's currency."""
    if patient.organization_id != clinic.organization_id:
        raise ValidationError({"patient": _("Choose a patient of this organization.")})
    if practitioner is not None and practitioner.organization_id != clinic.organization_id:
        raise ValidationError({"practitioner": _("Choose a member of this organization.")})
    return Invoice.objects.create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        currency=clinic.currency,
        created_by=by,
        notes=notes[:5000],
    )


def _require_draft(invoice: Invoice) -> None:
    if not invoice.is_draft:
        raise ValidationError(_("This invoice has been issued and can no longer be changed."))


def _locked(invoice: Invoice) -> Invoice:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk, organization_id=invoice.organization_id)
    _keep_clinic(invoice, locked)
    return locked


def _keep_clinic(loaded: Invoice, fresh: Invoice) -> None:
    """Give ``fresh`` the clinic ``loaded`` already carries (the same row), so it is not read again."""
    if Invoice.clinic.is_cached(loaded) and loaded.clinic_id == fresh.clinic_id:
        fresh.clinic = loaded.clinic


@transaction.atomic
def add_line(
    invoice: Invoice,
    *,
    description: str,
    quantity,
    unit_price,
    discount_percent=0,
    tax_rate: TaxRate | None = None,
    kind: str = LineKind.FREE,
    reference: str = "",
    currency: str | None = None,
) -> InvoiceLine:
    """Add a line to a draft. Quantity must be positive (negative amounts belong on credit notes) and the
    price must be in the invoice's currency."""
    invoice = _locked(invoice)
    _require_draft(invoice)
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe what is billed.")
    quantity = _decimal(quantity, "quantity")
    unit_price = _decimal(unit_price, "unit_price")
    discount = _decimal(discount_percent or 0, "discount_percent")
    if quantity <= 0:
        errors["quantity"] = _("Quantity must be more than 0; use a credit note to take something back.")
    elif quantity.as_tuple().exponent < -3 or quantity >= 10**9:
        errors["quantity"] = _("Enter a quantity with at most 3 decimal places.")
    if unit_price < 0:
        errors["unit_price"] = _("A price cannot be negative; give a discount or issue a credit note.")
    elif unit_price >= 10**10:
        errors["unit_price"] = _("This price is too large.")
    if not 0 <= discount <= 100:
        errors["discount_percent"] = _("A discount is between 0 and 100 %.")
    if currency and currency != invoice.currency:
        errors["unit_price"] = _("This price is in %(item)s but the invoice is in %(invoice)s.") % {
            "item": currency,
            "invoice": invoice.currency,
        }
    if tax_rate is not None and (tax_rate.organization_id, tax_rate.clinic_id) != (
        invoice.organization_id,
        invoice.clinic_id,
    ):
        errors["tax_rate"] = _("Choose a tax rate of this clinic.")
    if kind not in LineKind.values:
        errors["kind"] = _("Select a valid choice. That choice is not one of the available choices.")
    if invoice.lines.count() >= MAX_LINES:
        errors["description"] = _("An invoice has at most %(n)s lines.") % {"n": MAX_LINES}
    if errors:
        raise ValidationError(errors)
    if tax_rate is None:
        tax_rate = default_tax_rate(invoice.clinic, kind)
    rate = tax_rate.effective_rate if tax_rate else Decimal(0)
    net = line_net(quantity, unit_price, discount, invoice.currency)
    tax = tax_on(net, rate, invoice.currency)
    position = invoice.lines.aggregate(top=Max("position"))["top"] or 0
    line = InvoiceLine.objects.create(
        organization_id=invoice.organization_id,
        invoice=invoice,
        position=position + 1,
        kind=kind,
        reference=str(reference)[:100],
        description=description[:300],
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount,
        tax_name=tax_rate.name if tax_rate else "",
        tax_rate=rate,
        tax_exempt=bool(tax_rate and tax_rate.exempt),
        net_amount=net,
        tax_amount=tax,
        gross_amount=net + tax,
    )
    _refresh_totals(invoice)
    return line


def find_billable_items(clinic, query: str) -> list[BillableItem]:
    """What the modules that are on at ``clinic`` offer for ``query`` (their ``clinic_billable_items``)."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    items: list[BillableItem] = []
    for contributed in clinic_hook(clinic, "clinic_billable_items")(clinic=clinic, query=query):
        items.extend(item for item in (contributed or []) if isinstance(item, BillableItem))
    return items[:50]


def billable_item(clinic, kind: str, reference: str) -> BillableItem | None:
    """The one item a module answers for ``kind:reference`` (e.g. ``appointment:12``)."""
    for item in find_billable_items(clinic, f"{kind}:{reference}"):
        if item.kind == kind and str(item.reference) == str(reference):
            return item
    return None


def add_billable_item(invoice: Invoice, item: BillableItem, quantity=1) -> InvoiceLine:
    """A line made from a module's billable item; an appointment already on a live invoice is refused."""
    kind = item.kind if item.kind in LineKind.values else LineKind.SERVICE
    if kind == LineKind.APPOINTMENT and (
        InvoiceLine.objects.filter(
            organization_id=invoice.organization_id, kind=kind, reference=str(item.reference)
        )
        .exclude(invoice__status=InvoiceStatus.VOID)
        .exists()
    ):
        raise ValidationError(_("This appointment is already on an invoice."))
    tax_rate = None
    if item.tax_rate is not None:
        tax_rate = active_tax_rates(invoice.clinic).filter(rate=item.tax_rate).first()
    return add_line(
        invoice,
        description=str(item.label),
        quantity=quantity,
        unit_price=item.unit_price,
        tax_rate=tax_rate,
        kind=kind,
        reference=str(item.reference),
        currency=item.currency,
    )


@transaction.atomic
def remove_line(invoice: Invoice, line_id) -> None:
    invoice = _locked(invoice)
    _require_draft(invoice)
    deleted, _rows = InvoiceLine.objects.filter(
        organization_id=invoice.organization_id, invoice=invoice, pk=line_id
    ).delete()
    if not deleted:
        raise ValidationError(_("That line is not on this invoice."))
    _refresh_totals(invoice)


@transaction.atomic
def void_draft(invoice: Invoice) -> None:
    """Discard a draft: it is deleted with its lines (drafts have no number, so nothing is lost from the
    series, and the history tables keep what it was). Only issued invoices may be VOID, and only through
    a credit note: the database requires a number on every invoice that is not a draft."""
    invoice = _locked(invoice)
    _require_draft(invoice)
    invoice.lines.all().delete()
    invoice.delete()


def totals_of(lines, currency: str) -> tuple[Decimal, Decimal, list[dict]]:
    """Net, tax and the per-rate breakdown. Tax is computed once per rate on the sum of that rate's lines
    (the way a tax authority adds it up), so it can differ by a minor unit from the sum of line taxes."""
    groups: dict[tuple[str, Decimal, bool], Decimal] = defaultdict(Decimal)
    net = Decimal(0)
    for line in lines:
        net += line.net_amount
        groups[(line.tax_name, Decimal(line.tax_rate), line.tax_exempt)] += line.net_amount
    breakdown = []
    tax = Decimal(0)
    for (name, rate, exempt), group_net in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        group_tax = tax_on(group_net, rate, currency)
        tax += group_tax
        breakdown.append(
            {
                "name": name,
                "rate": str(rate.normalize()),
                "exempt": exempt,
                "net": str(group_net),
                "tax": str(group_tax),
            }
        )
    return quantize(net, currency), quantize(tax, currency), breakdown


def _refresh_totals(invoice: Invoice) -> None:
    net, tax, breakdown = totals_of(list(invoice.lines.all()), invoice.currency)
    invoice.net_total, invoice.tax_total, invoice.gross_total = net, tax, net + tax
    invoice.tax_breakdown = breakdown
    invoice.balance = net + tax
    invoice.save(update_fields=["net_total", "tax_total", "gross_total", "tax_breakdown", "balance"])


# --- issue ----------------------------------------------------------------------------------------------


def _seller(clinic) -> dict:
    profile = billing_profile(clinic)
    address = profile.address.strip() or "\n".join(
        part
        for part in (
            clinic.address_line1,
            clinic.address_line2,
            " ".join(p for p in (clinic.postal_code, clinic.city) if p),
            clinic.country,
        )
        if part
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


def _buyer(patient) -> dict:
    address = "\n".join(
        part
        for part in (
            patient.address_line1,
            patient.address_line2,
            " ".join(p for p in (patient.postal_code, patient.city) if p),
            patient.country,
        )
        if part
    )
    return {"name": patient.full_name, "record_number": patient.display_record_number, "address": address}


@transaction.atomic
def issue(invoice: Invoice, *, by=None, supply_date: date | None = None, on: date | None = None) -> Invoice:
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
    _keep_clinic(invoice, locked)
    invoice = locked
    _require_draft(invoice)
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
    series, sequence, number = _take_number(clinic, SeriesKind.INVOICE, today)
    seller = _seller(clinic)
    net, tax, breakdown = totals_of(lines, invoice.currency)
    invoice.status = InvoiceStatus.ISSUED
    invoice.series = series
    invoice.sequence = sequence
    invoice.number = number
    invoice.issue_date = today
    invoice.supply_date = supply_date or today
    invoice.due_date = date.fromordinal(today.toordinal() + int(seller["payment_terms_days"]))
    invoice.seller = seller
    invoice.buyer = _buyer(patient)
    invoice.language = patient.preferred_language or clinic.locale
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


def request_pdf(invoice: Invoice) -> None:
    """Render (again) after commit, e.g. when staff retry a failed rendering."""
    enqueue_on_commit(PDF_TASK, invoice.clinic_id, invoice_id=invoice.pk)


# --- settlement -----------------------------------------------------------------------------------------


def _settle(invoice: Invoice) -> None:
    if invoice.balance == 0:
        invoice.status = InvoiceStatus.PAID if invoice.paid_total > 0 else InvoiceStatus.VOID
    elif invoice.paid_total > 0:
        invoice.status = InvoiceStatus.PARTLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED
    invoice.save(update_fields=["status", "balance", "paid_total", "credited_total"])


@transaction.atomic
def record_payment(
    invoice: Invoice, *, amount, method: str, on: date | None = None, reference: str = "", by=None
) -> tuple[Payment, str]:
    """Record money received for an issued invoice. What exceeds the balance is kept as the patient's
    credit at the clinic. Returns the payment and a message saying what happened to the money."""
    invoice = _locked(invoice)
    if invoice.status not in OPEN_STATUSES:
        if invoice.is_draft:
            raise ValidationError(_("Issue the invoice before recording a payment."))
        raise ValidationError(_("This invoice has nothing left to pay."))
    amount = _decimal(amount, "amount")
    errors = {}
    if amount <= 0:
        errors["amount"] = _("Enter an amount greater than 0.")
    elif amount != quantize(amount, invoice.currency):
        errors["amount"] = _("Enter the amount in whole minor units of %(currency)s.") % {
            "currency": invoice.currency
        }
    elif amount >= 10**10:
        errors["amount"] = _("This amount is too large.")
    if method not in PaymentMethod.values:
        errors["method"] = _("Select a valid choice. That choice is not one of the available choices.")
    today = local_today(invoice.clinic)
    on = on or today
    if on > today:
        errors["date"] = _("A payment cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    applied = min(amount, invoice.balance)
    extra = amount - applied
    payment = Payment.objects.create(
        organization_id=invoice.organization_id,
        clinic_id=invoice.clinic_id,
        invoice=invoice,
        method=method,
        amount=amount,
        applied_amount=applied,
        credit_amount=extra,
        currency=invoice.currency,
        date=on,
        reference=str(reference)[:100],
        recorded_by=by,
    )
    invoice.balance -= applied
    invoice.paid_total += applied
    _settle(invoice)
    from .formatting import money

    if extra > 0:
        PatientCredit.objects.create(
            organization_id=invoice.organization_id,
            clinic_id=invoice.clinic_id,
            patient_id=invoice.patient_id,
            amount=extra,
            currency=invoice.currency,
            payment=payment,
            note=_("Overpayment of %(number)s") % {"number": invoice.number},
        )
        message = _(
            "Payment of %(amount)s recorded. It was %(extra)s more than the balance; that is kept as the "
            "patient's credit."
        ) % {"amount": money(amount, invoice.currency), "extra": money(extra, invoice.currency)}
    elif invoice.balance == 0:
        message = _("Payment of %(amount)s recorded. The invoice is paid.") % {
            "amount": money(amount, invoice.currency)
        }
    else:
        message = _("Payment of %(amount)s recorded. %(balance)s is still due.") % {
            "amount": money(amount, invoice.currency),
            "balance": money(invoice.balance, invoice.currency),
        }
    announce_payment(invoice, payment)
    return payment, message


def patient_credit(clinic, patient, currency: str | None = None) -> Decimal:
    """What the patient has left as credit at ``clinic`` (in ``currency``, default the clinic's)."""
    total = PatientCredit.objects.filter(
        organization_id=clinic.organization_id,
        clinic=clinic,
        patient=patient,
        currency=currency or clinic.currency,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


@transaction.atomic
def apply_credit(invoice: Invoice, *, amount=None, by=None) -> tuple[Decimal, str]:
    """Pay (part of) an open invoice from the patient's credit at its clinic: ``amount``, or as much as
    the credit and the balance allow. Returns the amount used and a message saying what happened.

    The invoice is locked, then every entry of the patient's credit ledger at the clinic (in id order, so
    two applications never deadlock). A second application for the same patient waits on those rows and
    sums the ledger afterwards in a new statement, so it sees the first one's use: credit is never spent
    twice and never goes below zero."""
    from .formatting import money

    invoice = _locked(invoice)
    if invoice.status not in OPEN_STATUSES:
        if invoice.is_draft:
            raise ValidationError(_("Issue the invoice before applying credit."))
        raise ValidationError(_("This invoice has nothing left to pay."))
    ledger = PatientCredit.objects.filter(
        organization_id=invoice.organization_id,
        clinic_id=invoice.clinic_id,
        patient_id=invoice.patient_id,
        currency=invoice.currency,
    )
    list(ledger.select_for_update().order_by("pk").values_list("pk", flat=True))
    available = ledger.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    currency = invoice.currency
    if available <= 0:
        raise ValidationError(_("The patient has no credit at this clinic."))
    if amount in (None, ""):
        amount = min(available, invoice.balance)
    amount = _decimal(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("Enter an amount greater than 0.")})
    if amount != quantize(amount, currency):
        raise ValidationError(
            {"amount": _("Enter the amount in whole minor units of %(currency)s.") % {"currency": currency}}
        )
    if amount > available:
        raise ValidationError(
            {
                "amount": _("The patient has only %(credit)s of credit.")
                % {"credit": money(available, currency)}
            }
        )
    if amount > invoice.balance:
        raise ValidationError(
            {
                "amount": _("Only %(balance)s is left to pay on this invoice.")
                % {"balance": money(invoice.balance, currency)}
            }
        )
    PatientCredit.objects.create(
        organization_id=invoice.organization_id,
        clinic_id=invoice.clinic_id,
        patient_id=invoice.patient_id,
        amount=-amount,
        currency=currency,
        applied_to=invoice,
        note=(_("Applied to %(number)s") % {"number": invoice.number})[:200],
    )
    invoice.balance -= amount
    invoice.paid_total += amount
    _settle(invoice)
    message = _("%(amount)s of the patient's credit applied.") % {"amount": money(amount, currency)}
    if invoice.balance == 0:
        message += " " + _("The invoice is paid.")
    else:
        message += " " + _("%(balance)s is still due.") % {"balance": money(invoice.balance, currency)}
    return amount, message


def credited_quantities(invoice: Invoice) -> dict[int, Decimal]:
    """How much of each line earlier credit notes took back (positive quantities)."""
    rows = (
        CreditNoteLine.objects.filter(organization_id=invoice.organization_id, credit_note__invoice=invoice)
        .values("invoice_line_id")
        .annotate(quantity=Sum("quantity"), net=Sum("net_amount"))
    )
    return {row["invoice_line_id"]: -row["quantity"] for row in rows}


@transaction.atomic
def issue_credit_note(
    invoice: Invoice, *, reason: str, quantities: dict[int, object] | None = None, by=None
) -> CreditNote:
    """Correct an issued invoice: ``quantities`` maps line ids to how much of each to take back (None: all
    that is left). Numbered in the clinic's credit-note series; ``clinic_invoice_credited`` is called in
    this transaction. The credit lowers the balance; what was already paid beyond it is refundable."""
    invoice = _locked(invoice)
    if invoice.number is None:
        raise ValidationError(_("Only an issued invoice can be credited."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is credited.")})
    lines = {line.pk: line for line in invoice.lines.all()}
    done = credited_quantities(invoice)
    wanted: dict[int, Decimal] = {}
    if quantities is None:
        wanted = {pk: line.quantity - done.get(pk, Decimal(0)) for pk, line in lines.items()}
    else:
        for key, value in quantities.items():
            try:
                pk = int(key)
            except (TypeError, ValueError):
                pk = 0
            if pk not in lines:
                raise ValidationError({"lines": _("That line is not on this invoice.")})
            qty = _decimal(value, "lines")
            if qty < 0:
                raise ValidationError({"lines": _("Enter how much to take back as a positive quantity.")})
            wanted[pk] = qty
    wanted = {pk: q for pk, q in wanted.items() if q > 0}
    if not wanted:
        raise ValidationError({"lines": _("Nothing is left to credit on this invoice.")})
    for pk, qty in wanted.items():
        if qty > lines[pk].quantity - done.get(pk, Decimal(0)):
            raise ValidationError(
                {
                    "lines": _("“%(line)s”: more than was billed and not yet credited.")
                    % {"line": lines[pk].description}
                }
            )
    currency = invoice.currency
    today = local_today(invoice.clinic)
    series, sequence, number = _take_number(invoice.clinic, SeriesKind.CREDIT_NOTE, today)
    credit_lines = []
    for pk, qty in wanted.items():
        line = lines[pk]
        remaining = line.quantity - done.get(pk, Decimal(0))
        if qty == remaining:
            # The rest of the line exactly, so crediting in parts never leaves a stray minor unit behind.
            earlier = CreditNoteLine.objects.filter(
                organization_id=invoice.organization_id, invoice_line=line
            ).aggregate(net=Sum("net_amount"))["net"] or Decimal(0)
            net = line.net_amount + earlier
        else:
            net = line_net(qty, line.unit_price, line.discount_percent, currency)
        tax = tax_on(net, line.tax_rate, currency)
        credit_lines.append(
            CreditNoteLine(
                organization_id=invoice.organization_id,
                invoice_line=line,
                description=line.description,
                quantity=-qty,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                net_amount=-net,
                tax_amount=-tax,
                gross_amount=-(net + tax),
            )
        )
    net = sum((-cl.net_amount for cl in credit_lines), Decimal(0))
    tax = sum((-cl.tax_amount for cl in credit_lines), Decimal(0))
    gross = net + tax
    # Never credit more than the invoice was for (per-line rounding could otherwise add a minor unit).
    gross = min(gross, invoice.gross_total - invoice.credited_total)
    tax = gross - net
    applied = min(gross, invoice.balance)
    note = CreditNote.objects.create(
        organization_id=invoice.organization_id,
        clinic_id=invoice.clinic_id,
        invoice=invoice,
        series=series,
        number=number,
        sequence=sequence,
        issue_date=today,
        currency=currency,
        reason=reason[:300],
        net_total=-net,
        tax_total=-tax,
        gross_total=-gross,
        refundable_amount=gross - applied,
        issued_by=by,
    )
    for credit_line in credit_lines:
        credit_line.credit_note = note
    CreditNoteLine.objects.bulk_create(credit_lines)
    invoice.credited_total += gross
    invoice.balance -= applied
    _settle(invoice)
    announce_credit(invoice, note, credit_lines)
    return note


@transaction.atomic
def record_refund(
    credit_note: CreditNote, *, amount, method: str, on: date | None = None, reference: str = "", by=None
) -> Refund:
    """Money paid back to the patient against a credit note: never more than the credit note left
    refundable, and never more, over all of the invoice's refunds, than was paid on the invoice. The
    invoice is locked first (the same order as crediting it), so parallel refunds queue."""
    from .formatting import money

    invoice = Invoice.objects.select_for_update().get(
        pk=credit_note.invoice_id, organization_id=credit_note.organization_id
    )
    note = CreditNote.objects.select_for_update().get(
        pk=credit_note.pk, organization_id=credit_note.organization_id
    )
    currency = note.currency
    amount = _decimal(amount, "amount")
    errors = {}
    refunded = Refund.objects.filter(
        organization_id=note.organization_id, credit_note__invoice_id=invoice.pk
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    left = min(note.refundable_amount - note.refunded_amount, invoice.paid_total - refunded)
    if amount <= 0:
        errors["amount"] = _("Enter an amount greater than 0.")
    elif amount != quantize(amount, currency):
        errors["amount"] = _("Enter the amount in whole minor units of %(currency)s.") % {
            "currency": currency
        }
    elif left <= 0:
        errors["amount"] = _("Nothing is left to refund on this credit note.")
    elif amount > left:
        errors["amount"] = _("At most %(left)s is left to refund.") % {"left": money(left, currency)}
    if method not in PaymentMethod.values:
        errors["method"] = _("Select a valid choice. That choice is not one of the available choices.")
    today = local_today(note.clinic)
    on = on or today
    if on > today:
        errors["date"] = _("A refund cannot be dated in the future.")
    elif on < note.issue_date:
        errors["date"] = _("A refund cannot be dated before its credit note.")
    if errors:
        raise ValidationError(errors)
    refund = Refund.objects.create(
        organization_id=note.organization_id,
        credit_note=note,
        method=method,
        amount=amount,
        date=on,
        reference=str(reference)[:100],
        recorded_by=by,
    )
    note.refunded_amount += amount
    note.save(update_fields=["refunded_amount"])
    return refund


def refundable_left(note: CreditNote) -> Decimal:
    return max(note.refundable_amount - note.refunded_amount, Decimal(0))
