"""Stocktakes: a count sheet, and the adjustments a posted count makes to the books."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from ..models import Item, MovementKind, StockLevel, StockMovement, Stocktake, StocktakeLine, StocktakeStatus
from .ledger import Delta, lock_levels, post_movements
from .quantities import parse_quantity

if TYPE_CHECKING:
    from core.accounts.models import User


@transaction.atomic
def start_stocktake(clinic: Clinic, *, by: User | None) -> Stocktake:
    """A count sheet of every active item (and every lot in stock) at ``clinic``."""
    stocktake = Stocktake.objects.create(organization_id=clinic.organization_id, clinic=clinic, created_by=by)
    keys = set(
        StockLevel.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .exclude(quantity=0, lot__isnull=False)
        .values_list("item_id", "lot_id")
    )
    for item_id in Item.objects.filter(
        organization_id=clinic.organization_id, active=True, lot_tracked=False
    ).values_list("pk", flat=True):
        keys.add((item_id, None))
    StocktakeLine.objects.bulk_create(
        [
            StocktakeLine(organization_id=clinic.organization_id, stocktake=stocktake, item_id=i, lot_id=lot)
            for i, lot in sorted(keys, key=lambda k: (k[0], k[1] or 0))
        ]
    )
    return stocktake


@transaction.atomic
def post_stocktake(
    stocktake: Stocktake, counts: dict[int, Decimal | str], *, by: User | None
) -> list[StockMovement]:
    """Record the counts and post an adjustment for every line whose count differs from the books."""
    stocktake = (
        Stocktake.objects.select_for_update(of=("self",))
        .select_related("clinic")
        .get(pk=stocktake.pk, organization_id=stocktake.organization_id)
    )
    if stocktake.status != StocktakeStatus.OPEN:
        raise ValidationError(_("This stocktake has already been posted."))
    lines = list(stocktake.lines.all())
    for line in lines:
        if line.pk in counts and counts[line.pk] not in (None, ""):
            line.counted = parse_quantity(counts[line.pk], f"line_{line.pk}", allow_zero=True)
    counted = [line for line in lines if line.counted is not None]
    if not counted:
        raise ValidationError(_("Enter at least one count."))
    clinic = stocktake.clinic
    levels = lock_levels(
        clinic.organization_id,
        [(clinic.pk, line.item_id) for line in counted],
        ensure=[(clinic.pk, line.item_id, line.lot_id) for line in counted],
    )
    deltas = []
    for line in counted:
        book = levels[(clinic.pk, line.item_id, line.lot_id)].quantity
        if line.counted != book:
            deltas.append(
                Delta(
                    clinic.pk,
                    line.item_id,
                    line.lot_id,
                    line.counted - book,
                    MovementKind.ADJUSTED,
                    _("Stocktake"),
                    f"stocktake:{stocktake.pk}",
                )
            )
    StocktakeLine.objects.bulk_update(lines, ["counted"])
    stocktake.status = StocktakeStatus.POSTED
    stocktake.posted_at = timezone.now()
    stocktake.save(update_fields=["status", "posted_at"])
    if not deltas:
        return []
    # A count is the truth even below zero is impossible: counted quantities are never negative.
    return post_movements({clinic.pk: clinic}, levels, deltas, by)
