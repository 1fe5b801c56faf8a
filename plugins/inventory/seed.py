"""Demo catalog and stock: common supplies and medicines, stock at every demo clinic, a few items below their
reorder level and a few lots expiring soon. Idempotent: stock is received once per clinic."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import Item, ReorderRule, StockMovement, Supplier
from .services import receiving, reorder_rules

SEED_REFERENCE = "seed:demo"

# Names, categories and units are written in the language of the organization's first clinic.
# sku, name, category, unit, cost, sellable, price, tax, lot-tracked, stock, reorder level, expiry (days)
CATALOG = [
    (
        "GLV-M",
        _("Nitrile gloves (M), box of 100"),
        _("Supplies"),
        _("box"),
        "6.50",
        False,
        "0",
        "0",
        False,
        40,
        10,
        None,
    ),
    (
        "GAUZE-10",
        _("Sterile gauze 10x10 cm, pack"),
        _("Supplies"),
        _("pack"),
        "2.10",
        False,
        "0",
        "0",
        False,
        6,
        15,
        None,
    ),
    ("SYR-5", _("Syringe 5 ml"), _("Supplies"), _("each"), "0.12", False, "0", "0", False, 500, 100, None),
    (
        "ALC-SWAB",
        _("Alcohol swabs, box of 200"),
        _("Supplies"),
        _("box"),
        "3.40",
        False,
        "0",
        "0",
        False,
        25,
        5,
        None,
    ),
    (
        "IBU-400",
        _("Ibuprofen 400 mg, 20 tablets"),
        _("Medicines"),
        _("pack"),
        "1.80",
        True,
        "4.90",
        "7",
        True,
        60,
        20,
        400,
    ),
    (
        "AMOX-500",
        _("Amoxicillin 500 mg, 21 capsules"),
        _("Medicines"),
        _("pack"),
        "3.20",
        True,
        "8.50",
        "7",
        True,
        8,
        12,
        20,
    ),
    (
        "LIDO-2",
        # xgettext:no-python-format
        _("Lidocaine 2% injection"),
        _("Medicines"),
        _("vial"),
        "2.75",
        False,
        "0",
        "0",
        True,
        30,
        10,
        25,
    ),
    (
        "VITD-1000",
        _("Vitamin D 1000 IU, 60 tablets"),
        _("Supplements"),
        _("pack"),
        "4.00",
        True,
        "11.00",
        "7",
        True,
        45,
        10,
        300,
    ),
]


def seed(organization, clinics, users) -> None:
    first = next(iter(clinics.values()), None)
    with translation.override(first.locale if first is not None else None):
        _seed(organization, clinics, users)


def _seed(organization, clinics, users) -> None:
    owner = next((u for email, u in users.items() if email.startswith("owner")), None)
    supplier, _c = Supplier.objects.get_or_create(organization=organization, name="MedSupply Co.")
    today = timezone.now().date()
    items = {}
    for sku, name, category, unit, cost, sellable, price, tax, lots, *_rest in CATALOG:
        items[sku], _c = Item.objects.get_or_create(
            organization=organization,
            sku=sku,
            defaults={
                "name": str(name),
                "category": str(category),
                "unit": str(unit),
                "cost_price": Decimal(cost),
                "sellable": sellable,
                "price": Decimal(price),
                "tax_rate": Decimal(tax),
                "lot_tracked": lots,
                "supplier": supplier,
            },
        )
    for clinic in clinics.values():
        if StockMovement.objects.filter(
            organization=organization, clinic=clinic, reference=SEED_REFERENCE
        ).exists():
            continue
        for sku, *_mid, stock, level, expiry_days in CATALOG:
            item = items[sku]
            expiry = today + timedelta(days=expiry_days) if expiry_days else None
            receiving.receive(
                clinic,
                item,
                stock,
                by=owner,
                lot_number=f"{sku}-{today:%y%m}" if item.lot_tracked else "",
                expiry_date=expiry,
                reference=SEED_REFERENCE,
            )
            if not ReorderRule.objects.filter(organization=organization, clinic=clinic, item=item).exists():
                reorder_rules.set_reorder_rule(clinic, item, level, level * 3)
