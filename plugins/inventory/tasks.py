"""The daily inventory scan, run once per clinic where inventory is on."""

from __future__ import annotations

from core.plugins.gating import announce
from core.tasks import clinic_task

from . import selectors
from .services import reorder_rules


@clinic_task(module="inventory")
def daily_scan(clinic) -> dict:
    """Announce low stock a change did not catch, and the lots expiring soon (or expired with stock)."""
    low = reorder_rules.scan_low_stock(clinic)
    lots = list(selectors.expiring_levels(clinic))
    if lots:
        announce(clinic, "clinic_lots_expiring", clinic=clinic, lots=lots)
    return {"low": low, "expiring": len(lots)}
