"""Credit notes: correcting an issued invoice by taking back (part of) its lines, numbered in the clinic's
credit-note series."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.accounts.models import User

from ..announcements import announce_credit
from ..models import CreditNote, CreditNoteLine, Invoice, SeriesKind
from ..money import line_net, tax_on
from .amounts import decimal_from
from .dates import local_today
from .invoice_state import lock_invoice, settle
from .numbering import take_number


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
    invoice: Invoice, *, reason: str, quantities: dict[int, object] | None = None, by: User | None = None
) -> CreditNote:
    """Correct an issued invoice: ``quantities`` maps line ids to how much of each to take back (None: all
    that is left). Numbered in the clinic's credit-note series; ``clinic_invoice_credited`` is called in
    this transaction. The credit lowers the balance; what was already paid beyond it is refundable."""
    invoice = lock_invoice(invoice)
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
            qty = decimal_from(value, "lines")
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
    series, sequence, number = take_number(invoice.clinic, SeriesKind.CREDIT_NOTE, today)
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
    settle(invoice)
    announce_credit(invoice, note, credit_lines)
    return note
