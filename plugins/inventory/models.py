"""Inventory: the organization's catalog (items, suppliers, lots), per-clinic reorder rules and settings,
the append-only stock movement ledger, the on-hand levels it maintains, and the documents that post to it
(transfers, purchase orders, stocktakes).

StockMovement rows are never updated or deleted (a database trigger refuses it); StockLevel is the running
sum of the ledger per (clinic, item, lot), written in the same transaction as each movement.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, TenantModel

QTY = {"max_digits": 14, "decimal_places": 3}
MONEY = {"max_digits": 12, "decimal_places": 2}


class Unit(models.TextChoices):
    EACH = "each", _("each")
    BOX = "box", _("box")
    PACK = "pack", _("pack")
    ML = "ml", _("ml")
    G = "g", _("g")
    TABLET = "tablet", _("tablet")
    VIAL = "vial", _("vial")


@pghistory.track()
class Supplier(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supplier")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="inv_supplier_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Item(TenantModel):
    """A product of the organization's catalog, stocked at any of its clinics."""

    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=64)
    category = models.CharField(_("category"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, default=Unit.EACH)
    cost_price = models.DecimalField(
        _("cost price"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    sellable = models.BooleanField(_("sold to patients"), default=False)
    price = models.DecimalField(
        _("sale price"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    lot_tracked = models.BooleanField(_("tracked by lot and expiry"), default=False)
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("item")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "sku"], name="inv_item_sku_unique")]
        indexes = [models.Index(fields=["organization", "name"], name="inv_item_org_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


@pghistory.track()
class Lot(TenantModel):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField(_("lot number"), max_length=64)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        constraints = [
            models.UniqueConstraint(fields=["organization", "item", "number"], name="inv_lot_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.expiry_date})" if self.expiry_date else self.number


@pghistory.track()
class InventorySettings(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    allow_negative_stock = models.BooleanField(
        _("allow negative stock"),
        default=False,
        help_text=_("Let stock be dispensed before it is received (the count goes below zero)."),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "clinic"], name="inv_settings_unique")]


@pghistory.track()
class ReorderRule(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reorder_rules")
    reorder_level = models.DecimalField(_("reorder level"), **QTY, validators=[MinValueValidator(0)])
    reorder_quantity = models.DecimalField(_("reorder quantity"), **QTY, validators=[MinValueValidator(0)])
    # Set when on-hand crossed down to the level (the low-stock event was sent); cleared when it rises above.
    below_reorder_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic", "item"], name="inv_reorder_rule_unique")
        ]


@pghistory.track()
class StockLevel(TenantModel):
    """On hand of one item (and lot) at one clinic: the ledger's running sum, kept in step under row locks."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="levels")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="levels")
    quantity = models.DecimalField(_("on hand"), **QTY, default=Decimal("0"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clinic", "item", "lot"],
                name="inv_stock_level_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["organization", "item", "clinic"], name="inv_level_by_item")]


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPENSED = "dispensed", _("Dispensed to a patient")
    USED = "used", _("Used in a visit")
    ADJUSTED = "adjusted", _("Adjusted")
    TRANSFER_OUT = "transfer_out", _("Transferred out")
    TRANSFER_IN = "transfer_in", _("Transferred in")
    RETURNED = "returned", _("Returned")
    WRITTEN_OFF = "written_off", _("Written off")


@pghistory.track()
class StockMovement(TenantModel):
    """One line of the append-only ledger. ``quantity`` is signed: positive adds to the clinic's stock."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=MovementKind.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # What caused it: "invoice:12", "credit:3", "transfer:7", "po:5", "stocktake:2", "visit:…" or blank.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("stock movement")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "clinic", "created_at"], name="inv_move_clinic_time"),
            models.Index(fields=["organization", "item", "created_at"], name="inv_move_item_time"),
            models.Index(fields=["organization", "reference"], name="inv_move_reference"),
        ]
        triggers = [
            pgtrigger.Protect(name="inv_movement_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]


class TransferStatus(models.TextChoices):
    SENT = "sent", _("In transit")
    RECEIVED = "received", _("Received")


@pghistory.track()
class Transfer(TenantModel):
    source = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    destination = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    status = models.CharField(max_length=20, choices=TransferStatus.choices, default=TransferStatus.SENT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "source", "status"], name="inv_transfer_source"),
            models.Index(fields=["organization", "destination", "status"], name="inv_transfer_dest"),
        ]

    def ehr_clinic_ids(self) -> list[int]:
        return [self.source_id, self.destination_id]


@pghistory.track()
class TransferLine(TenantModel):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity_sent = models.DecimalField(**QTY)
    quantity_received = models.DecimalField(**QTY, null=True, blank=True)
    discrepancy_note = models.CharField(max_length=300, blank=True)


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    PARTLY_RECEIVED = "partly_received", _("Partly received")
    RECEIVED = "received", _("Received")


@pghistory.track()
class PurchaseOrder(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.ORDERED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "clinic", "status"], name="inv_po_clinic")]


@pghistory.track()
class PurchaseOrderLine(TenantModel):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity_ordered = models.DecimalField(**QTY, validators=[MinValueValidator(0)])
    quantity_received = models.DecimalField(**QTY, default=Decimal("0"))
    unit_cost = models.DecimalField(**MONEY, default=Decimal("0"))

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity_ordered - self.quantity_received, Decimal("0"))


class StocktakeStatus(models.TextChoices):
    OPEN = "open", _("Counting")
    POSTED = "posted", _("Posted")


@pghistory.track()
class Stocktake(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=StocktakeStatus.choices, default=StocktakeStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


@pghistory.track()
class StocktakeLine(TenantModel):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    counted = models.DecimalField(**QTY, null=True, blank=True)
