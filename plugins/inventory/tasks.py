"""The daily inventory scan, run once per clinic where inventory is on."""

from __future__ import annotations

from core.plugins import events
from core.plugins.events import emit
from core.tasks import clinic_task

from . import selectors
from .services import reorder_rules


@clinic_task(module="inventory")
def daily_scan(clinic) -> dict:
    """Announce low stock a change did not catch, and the lots expiring soon (or expired with stock)."""
    low = reorder_rules.scan_low_stock(clinic)
    levels = list(selectors.expiring_levels(clinic))
    if levels:
        lots = tuple(
            events.ExpiringLot(
                lot_id=level.lot_id,
                item_name=level.item.name,
                lot_number=level.lot.number,
                expires_on=level.lot.expiry_date,
                on_hand=level.quantity,
            )
            for level in levels
        )
        emit(clinic, events.LotsExpiring(lots=lots))
    return {"low": low, "expiring": len(levels)}
