"""Corrections and write-offs: stock found, broken, miscounted, damaged or expired."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from ..models import Item, Lot, MovementKind, StockLevel, StockMovement
from .ledger import Delta, lock_levels, post_movements
from .quantities import MAX_QTY, ZERO, clinic_today, parse_quantity, require_same_organization

if TYPE_CHECKING:
    from core.accounts.models import User


@transaction.atomic
def adjust(
    clinic: Clinic, item: Item, delta: Decimal | str, reason: str, *, by: User | None, lot: Lot | None = None
) -> StockMovement:
    """A correction (found, broken, miscounted): signed ``delta``, a reason is required."""
    require_same_organization(clinic, item, lot)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stock is adjusted.")})
    try:
        delta = Decimal(str(delta))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"quantity": _("Enter a number.")}) from None
    if delta == 0 or not delta.is_finite() or abs(delta) > MAX_QTY:
        raise ValidationError({"quantity": _("Enter a non-zero change.")})
    if lot is not None and lot.item_id != item.pk:
        raise ValidationError({"lot": _("That lot is of another item.")})
    lot_id = lot.pk if lot else None
    levels = lock_levels(
        clinic.organization_id, [(clinic.pk, item.pk)], ensure=[(clinic.pk, item.pk, lot_id)]
    )
    return post_movements(
        {clinic.pk: clinic},
        levels,
        [Delta(clinic.pk, item.pk, lot_id, delta, MovementKind.ADJUSTED, reason)],
        by,
    )[0]


@transaction.atomic
def write_off(
    clinic: Clinic,
    item: Item,
    quantity: Decimal | str,
    reason: str,
    *,
    by: User | None,
    lot: Lot | None = None,
) -> StockMovement:
    """Write off stock that can no longer be used (damaged, recalled, expired): a reason is required,
    and a write-off never takes a count below zero, whatever the clinic allows for dispensing."""
    require_same_organization(clinic, item, lot)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stock is written off.")})
    quantity = parse_quantity(quantity)
    if lot is not None and lot.item_id != item.pk:
        raise ValidationError({"lot": _("That lot is of another item.")})
    levels = lock_levels(clinic.organization_id, [(clinic.pk, item.pk)])
    if lot is None and any(lv.lot_id and lv.quantity > 0 for lv in levels.values()):
        raise ValidationError({"lot": _("Choose the lot being written off.")})
    lot_id = lot.pk if lot else None
    level = levels.get((clinic.pk, item.pk, lot_id))
    on_hand = level.quantity if level else ZERO
    if quantity > on_hand:
        raise ValidationError(
            {
                "quantity": _("Only %(on_hand)s %(unit)s on hand to write off.")
                % {"on_hand": max(on_hand, ZERO).normalize(), "unit": item.get_unit_display()}
            }
        )
    return post_movements(
        {clinic.pk: clinic},
        levels,
        [Delta(clinic.pk, item.pk, lot_id, -quantity, MovementKind.WRITTEN_OFF, reason)],
        by,
    )[0]


@transaction.atomic
def write_off_expired(clinic: Clinic, *, by: User | None, today: date | None = None) -> list[StockMovement]:
    """Write off every expired lot still in stock at ``clinic``."""
    today = today or clinic_today(clinic)
    expired = list(
        StockLevel.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, lot__expiry_date__lt=today, quantity__gt=0
        ).values_list("item_id", flat=True)
    )
    if not expired:
        return []
    levels = lock_levels(clinic.organization_id, [(clinic.pk, i) for i in expired])
    deltas = [
        Delta(clinic.pk, level.item_id, level.lot_id, -level.quantity, MovementKind.WRITTEN_OFF, _("Expired"))
        for level in levels.values()
        if level.lot and level.lot.expiry_date and level.lot.expiry_date < today and level.quantity > 0
    ]
    return post_movements({clinic.pk: clinic}, levels, deltas, by) if deltas else []
