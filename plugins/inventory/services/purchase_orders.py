"""Ordering from a supplier and receiving what arrives against the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from ..models import Item, MovementKind, OrderStatus, PurchaseOrder, PurchaseOrderLine, Supplier
from .ledger import Delta, lock_levels, post_movements
from .lots import lot_for
from .quantities import parse_quantity, require_same_organization

if TYPE_CHECKING:
    from core.accounts.models import User


@transaction.atomic
def create_purchase_order(
    clinic: Clinic,
    supplier: Supplier | None,
    lines: list[tuple[Item, Decimal, Decimal | None]],
    *,
    by: User | None,
) -> PurchaseOrder:

    if not lines:
        raise ValidationError(_("Add at least one item."))
    require_same_organization(clinic, supplier, *[line[0] for line in lines])
    order = PurchaseOrder.objects.create(
        organization_id=clinic.organization_id, clinic=clinic, supplier=supplier, created_by=by
    )
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                organization_id=clinic.organization_id,
                order=order,
                item=item,
                quantity_ordered=parse_quantity(qty),
                unit_cost=Decimal(str(cost)) if cost not in (None, "") else item.cost_price,
            )
            for item, qty, cost in lines
        ]
    )
    return order


@dataclass
class Arrival:
    quantity: Decimal
    lot_number: str = ""
    expiry_date: date | None = None


@transaction.atomic
def receive_purchase_order(
    order: PurchaseOrder, arrivals: dict[int, Arrival], *, by: User | None
) -> PurchaseOrder:
    """Receive some or all of what was ordered; the order becomes partly received or received."""
    order = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("clinic")
        .get(pk=order.pk, organization_id=order.organization_id)
    )
    if order.status == OrderStatus.RECEIVED:
        raise ValidationError(_("This order has been received in full."))
    lines = {line.pk: line for line in order.lines.select_related("item")}
    clinic = order.clinic
    deltas, touched = [], []
    for line_id, arrival in arrivals.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationError(_("That line is not on this order."))
        quantity = parse_quantity(arrival.quantity, f"line_{line_id}", allow_zero=True)
        if quantity == 0:
            continue
        lot = lot_for(line.item, arrival.lot_number, arrival.expiry_date)
        deltas.append(
            Delta(
                clinic.pk,
                line.item_id,
                lot and lot.pk,
                quantity,
                MovementKind.RECEIVED,
                "",
                f"po:{order.pk}",
                unit_cost=line.unit_cost,
            )
        )
        line.quantity_received += quantity
        touched.append(line)
    if not deltas:
        raise ValidationError(_("Enter the quantity that arrived."))
    levels = lock_levels(
        order.organization_id,
        [(d.clinic_id, d.item_id) for d in deltas],
        ensure=[(d.clinic_id, d.item_id, d.lot_id) for d in deltas],
    )
    post_movements({clinic.pk: clinic}, levels, deltas, by)
    PurchaseOrderLine.objects.bulk_update(touched, ["quantity_received"])
    done = all(line.quantity_received >= line.quantity_ordered for line in lines.values())
    order.status = OrderStatus.RECEIVED if done else OrderStatus.PARTLY_RECEIVED
    order.save(update_fields=["status"])
    return order
