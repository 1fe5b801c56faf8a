"""The lines of a draft invoice: added with their amounts worked out, and removed, the draft's totals
following each change."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.integrity import refused_by

from ..models import BILLED_ONCE_KINDS, Invoice, InvoiceLine, LineKind, TaxRate
from ..money import line_net, tax_on
from .amounts import decimal_from
from .clinic_settings import default_tax_rate
from .invoice_state import lock_invoice, require_draft
from .totals import refresh_totals

MAX_LINES = 200


def already_billed_message() -> str:
    return _("This appointment is already on an invoice.")


@transaction.atomic
def add_line(
    invoice: Invoice,
    *,
    description: str,
    quantity: Decimal | int | str,
    unit_price: Decimal | int | str,
    discount_percent: Decimal | int | str = 0,
    tax_rate: TaxRate | None = None,
    kind: str = LineKind.FREE,
    reference: str = "",
    currency: str | None = None,
) -> InvoiceLine:
    """Add a line to a draft. Quantity must be positive (negative amounts belong on credit notes) and the
    price must be in the invoice's currency."""
    invoice = lock_invoice(invoice)
    require_draft(invoice)
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe what is billed.")
    quantity = decimal_from(quantity, "quantity")
    unit_price = decimal_from(unit_price, "unit_price")
    discount = decimal_from(discount_percent or 0, "discount_percent")
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
    reference = str(reference)[:100]
    with refused_by("billing_line_source_billed_once", already_billed_message()):
        line = InvoiceLine.objects.create(
            organization_id=invoice.organization_id,
            invoice=invoice,
            position=position + 1,
            kind=kind,
            reference=reference,
            # An appointment's line claims it: the database refuses a second live line for it (models.py).
            claims_source=kind in BILLED_ONCE_KINDS and bool(reference),
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
    refresh_totals(invoice)
    return line


@transaction.atomic
def remove_line(invoice: Invoice, line_id: int) -> None:
    invoice = lock_invoice(invoice)
    require_draft(invoice)
    deleted, _rows = InvoiceLine.objects.filter(
        organization_id=invoice.organization_id, invoice=invoice, pk=line_id
    ).delete()
    if not deleted:
        raise ValidationError(_("That line is not on this invoice."))
    refresh_totals(invoice)
