"""Stock ledgers for the scale dataset: a catalog per organization, a year of movements per clinic, and
on-hand levels that are the ledger's sums, as ``plugins.inventory.services.ledger`` keeps them.

Every clinic receives a delivery of each item, uses it a few units at a time and reorders when it runs
low, so no level ever goes below zero. The movements are appended (the ledger refuses updates); the levels
are written afterwards from the ledger itself, so they equal its sums by construction.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from plugins.inventory.models import InventorySettings, Item, ReorderRule, StockMovement

from .copy import checked_after_load, copy_rows, reserve_ids

# sku, name, category, unit, cost, delivery size, reorder level
CATALOG = [
    ("GLV-M", "Nitrile gloves (M), box of 100", "Supplies", "box", "6.50", 40, 10),
    ("GLV-L", "Nitrile gloves (L), box of 100", "Supplies", "box", "6.50", 30, 8),
    ("GAUZE-10", "Sterile gauze 10x10 cm, pack", "Supplies", "pack", "2.10", 60, 15),
    ("SYR-5", "Syringe 5 ml", "Supplies", "each", "0.12", 500, 100),
    ("ALC-SWAB", "Alcohol swabs, box of 200", "Supplies", "box", "3.40", 25, 5),
    ("TAPE-25", "Medical tape 2.5 cm", "Supplies", "each", "1.20", 50, 10),
    ("IBU-400", "Ibuprofen 400 mg, 20 tablets", "Medicines", "pack", "1.80", 60, 20),
    ("PARA-500", "Paracetamol 500 mg, 20 tablets", "Medicines", "pack", "1.10", 80, 20),
    ("BAND-K", "Knee support bandage", "Supplies", "each", "9.00", 20, 5),
    ("SPEC-S", "Vaginal speculum (S)", "Supplies", "each", "0.90", 100, 25),
]


def generate(plan, movements_per_doctor: float, rng) -> int:
    now = timezone.now()
    items, settings, rules, movements = [], [], [], []
    item_ids = iter(reserve_ids(Item, len(plan) * len(CATALOG)))
    start = now - timedelta(days=365)
    for org in plan:
        oid = org["org"]
        catalog = []
        for sku, name, category, unit, cost, delivery, level in CATALOG:
            iid = next(item_ids)
            catalog.append((iid, Decimal(cost), delivery, level))
            items.append((iid, oid, name, sku, category, unit, Decimal(cost), False, False, True, start))
        for cid in org["clinics"]:
            settings.append((oid, cid, False))
            rules.extend(
                (oid, cid, iid, Decimal(level), Decimal(delivery)) for iid, _c, delivery, level in catalog
            )
            count = round(movements_per_doctor * max(1, len(org["doctors"][cid])))
            movements.extend(_ledger(oid, cid, catalog, count, start, rng))
    copy_rows(
        Item,
        ["id", "organization", "name", "sku", "category", "unit", "cost_price", "sellable", "lot_tracked"]
        + ["active", "created_at"],
        items,
    )
    copy_rows(InventorySettings, ["organization", "clinic", "allow_negative_stock"], settings)
    copy_rows(ReorderRule, ["organization", "clinic", "item", "reorder_level", "reorder_quantity"], rules)
    with checked_after_load(StockMovement):
        written = copy_rows(
            StockMovement,
            [
                "organization",
                "clinic",
                "item",
                "kind",
                "quantity",
                "unit_cost",
                "reason",
                "reference",
                "created_at",
            ],
            movements,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO inventory_stocklevel
                    (organization_id, clinic_id, item_id, lot_id, quantity, updated_at)
                SELECT organization_id, clinic_id, item_id, lot_id, sum(quantity), max(created_at)
                FROM inventory_stockmovement WHERE organization_id = ANY(%s)
                GROUP BY organization_id, clinic_id, item_id, lot_id
                """,
                [[org["org"] for org in plan]],
            )
            # The low-stock mark the services set when on-hand crosses down to the reorder level.
            cursor.execute(
                """
                UPDATE inventory_reorderrule r SET below_reorder_since = l.updated_at
                FROM inventory_stocklevel l
                WHERE l.organization_id = r.organization_id AND l.clinic_id = r.clinic_id
                  AND l.item_id = r.item_id
                  AND l.quantity <= r.reorder_level AND r.organization_id = ANY(%s)
                """,
                [[org["org"] for org in plan]],
            )
    return written


def _ledger(oid, cid, catalog, count, start, rng):
    """``count`` movements of one clinic over the year, in time order, never below zero per item."""
    on_hand = {iid: 0 for iid, *_ in catalog}
    step = timedelta(days=365) / max(1, count)
    for n in range(count):
        iid, cost, delivery, level = catalog[rng.randrange(len(catalog))]
        at = start + step * n
        if on_hand[iid] <= level:
            on_hand[iid] += delivery
            yield (oid, cid, iid, "received", Decimal(delivery), cost, "", f"po:{cid}-{n}", at)
            continue
        used = min(on_hand[iid], rng.randint(1, max(1, delivery // 10)))
        on_hand[iid] -= used
        yield (oid, cid, iid, "used", Decimal(-used), None, "", "", at)
