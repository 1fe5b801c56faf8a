"""Receiving stock without a purchase order (a delivery, a donation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from core.tenancy.models import Clinic

from ..models import Item, MovementKind, StockMovement
from .ledger import Delta, lock_levels, post_movements
from .lots import lot_for
from .quantities import parse_quantity, require_same_organization

if TYPE_CHECKING:
    from core.accounts.models import User


@transaction.atomic
def receive(
    clinic: Clinic,
    item: Item,
    quantity: Decimal | str,
    *,
    by: User | None,
    lot_number: str = "",
    expiry_date: date | None = None,
    unit_cost: Decimal | str | None = None,
    reference: str = "",
    reason: str = "",
) -> StockMovement:
    """Ad-hoc receiving (a delivery without a purchase order, a donation)."""
    require_same_organization(clinic, item)
    quantity = parse_quantity(quantity)
    lot = lot_for(item, lot_number, expiry_date)
    levels = lock_levels(
        clinic.organization_id, [(clinic.pk, item.pk)], ensure=[(clinic.pk, item.pk, lot and lot.pk)]
    )
    cost = Decimal(str(unit_cost)) if unit_cost not in (None, "") else item.cost_price
    return post_movements(
        {clinic.pk: clinic},
        levels,
        [
            Delta(
                clinic.pk,
                item.pk,
                lot and lot.pk,
                quantity,
                MovementKind.RECEIVED,
                reason,
                reference,
                unit_cost=cost,
            )
        ],
        by,
    )[0]
