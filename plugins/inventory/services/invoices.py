"""Stock that follows billing: an issued invoice's products leave stock, a credit note's come back."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.plugins import events
from core.tenancy.models import Clinic

from ..models import Item, MovementKind, StockMovement
from .dispensing import DispenseLine, dispense
from .ledger import Delta, lock_levels, post_movements
from .quantities import parse_quantity

# Billing's invoice lines of this kind are products of this module; their ``reference`` is the item's SKU.
PRODUCT_LINE_KIND = "product"


def _product_lines(clinic, lines: tuple[events.BilledLine, ...]) -> list[tuple[Item, Decimal]]:
    # A product line without a SKU was typed in by hand: something sold that this clinic does not stock.
    wanted = [
        (line.reference, line.quantity) for line in lines if line.kind == PRODUCT_LINE_KIND and line.reference
    ]
    if not wanted:
        return []
    items = {
        i.sku: i
        for i in Item.objects.filter(organization_id=clinic.organization_id, sku__in=[s for s, _q in wanted])
    }
    result = []
    for sku, quantity in wanted:
        item = items.get(sku)
        if item is None:
            raise ValidationError(_("The product %(sku)s is not in the catalog.") % {"sku": sku})
        result.append((item, parse_quantity(quantity)))
    return result


def dispense_for_invoice(clinic: Clinic, event: events.InvoiceIssuing) -> list[StockMovement]:
    """Take the invoice's product lines out of stock (once per invoice); refuse when stock is short."""
    products = _product_lines(clinic, event.lines)
    if not products:
        return []  # nothing stocked on it: no transaction of our own (a savepoint is two round trips)
    return _dispense_once(clinic, products, event)


@transaction.atomic
def _dispense_once(
    clinic: Clinic, products: list[tuple[Item, Decimal]], event: events.InvoiceIssuing
) -> list[StockMovement]:
    """The stock movements of ``products``, unless this invoice already took them out."""
    reference = f"invoice:{event.invoice_id}"
    if StockMovement.objects.filter(organization_id=clinic.organization_id, reference=reference).exists():
        return []
    merged: dict[int, DispenseLine] = {}
    for item, quantity in products:
        if item.pk in merged:
            merged[item.pk].quantity += quantity
        else:
            merged[item.pk] = DispenseLine(item, quantity)
    patient_id = event.patient_id
    from core.patients.models import Patient

    patient = (
        Patient.objects.filter(organization_id=clinic.organization_id, pk=patient_id).first()
        if patient_id
        else None
    )
    return dispense(clinic, list(merged.values()), by=None, patient=patient, reference=reference)


@transaction.atomic
def return_for_credit(clinic: Clinic, event: events.InvoiceCrediting) -> list[StockMovement]:
    """Put a credit note's product lines back in stock: into the lots its invoice took them from (latest
    expiry first) when the credit note names its invoice (``invoice_id``), else as stock without a lot."""
    products = _product_lines(clinic, event.lines)
    reference = f"credit:{event.credit_note_id}"
    if (
        not products
        or StockMovement.objects.filter(organization_id=clinic.organization_id, reference=reference).exists()
    ):
        return []
    invoice_id = event.invoice_id
    taken = defaultdict(list)
    if invoice_id:
        for m in (
            StockMovement.objects.filter(
                organization_id=clinic.organization_id, reference=f"invoice:{invoice_id}", clinic=clinic
            )
            .values("item_id", "lot_id")
            .annotate(total=Sum("quantity"))
        ):
            taken[m["item_id"]].append([m["lot_id"], -m["total"]])
    pairs = [(clinic.pk, item.pk) for item, _q in products]
    levels = lock_levels(
        clinic.organization_id,
        pairs,
        ensure=[(clinic.pk, item.pk, None) for item, _q in products if not taken[item.pk]],
    )
    lot_expiry = {lv.lot_id: (lv.lot.expiry_date if lv.lot else None) for lv in levels.values()}
    deltas = []
    patient_id = event.patient_id
    for item, quantity in products:
        remaining = quantity
        sources = sorted(taken[item.pk], key=lambda s: lot_expiry.get(s[0]) or date.max, reverse=True)
        for source in sources:
            back = min(source[1], remaining)
            if back > 0:
                deltas.append(
                    Delta(
                        clinic.pk, item.pk, source[0], back, MovementKind.RETURNED, "", reference, patient_id
                    )
                )
                source[1] -= back
                remaining -= back
        if remaining > 0:
            if (clinic.pk, item.pk, None) not in levels:
                levels.update(
                    lock_levels(
                        clinic.organization_id, [(clinic.pk, item.pk)], ensure=[(clinic.pk, item.pk, None)]
                    )
                )
            deltas.append(
                Delta(clinic.pk, item.pk, None, remaining, MovementKind.RETURNED, "", reference, patient_id)
            )
    return post_movements({clinic.pk: clinic}, levels, deltas, None)
