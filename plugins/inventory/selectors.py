"""Reads: stock on hand, what is low or expiring, movement history, billable products, metrics."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from core.plugins.types import BillableItem
from core.quantities import plain_quantity

from .models import Item, MovementKind, ReorderRule, StockLevel, StockMovement, TransferLine, TransferStatus

EXPIRING_DAYS = 60


def items(organization_id: int) -> QuerySet[Item]:
    return Item.objects.filter(organization_id=organization_id).select_related("supplier")


def levels_at(clinic) -> QuerySet[StockLevel]:
    return (
        StockLevel.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .exclude(quantity=0)
        .select_related("item", "lot")
        .order_by("item__name", "item_id", "lot__expiry_date", "lot_id")
    )


def on_hand_by_item(clinic) -> list[dict]:
    """One row per item stocked at ``clinic``: quantity and value at cost (a single grouped query)."""
    value = ExpressionWrapper(
        F("quantity") * F("item__cost_price"), output_field=DecimalField(max_digits=26, decimal_places=5)
    )
    return list(
        StockLevel.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .values("item_id", "item__name", "item__sku", "item__unit", "item__cost_price")
        .annotate(total=Sum("quantity"), value=Sum(value))
        .exclude(total=0)
        .order_by("item__name", "item_id")
    )


def on_hand(clinic, item) -> Decimal:
    total = StockLevel.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, item=item
    ).aggregate(t=Sum("quantity"))["t"]
    return total or Decimal("0")


def in_transit(organization_id: int) -> QuerySet:
    return TransferLine.objects.filter(organization_id=organization_id, transfer__status=TransferStatus.SENT)


def below_reorder(clinic) -> QuerySet[ReorderRule]:
    return (
        ReorderRule.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, below_reorder_since__isnull=False
        )
        .select_related("item")
        .order_by("below_reorder_since", "id")
    )


def expiring_levels(clinic, days: int = EXPIRING_DAYS, today: date | None = None) -> QuerySet[StockLevel]:
    """Lots with stock at ``clinic`` that expire within ``days`` (or already have), soonest first."""
    today = today or timezone.now().astimezone(clinic.tzinfo).date()
    return (
        StockLevel.objects.filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            quantity__gt=0,
            lot__expiry_date__lte=today + timedelta(days=days),
        )
        .select_related("item", "lot")
        .order_by("lot__expiry_date", "item__name", "id")
    )


def movements(organization_id: int, clinic_ids, *, item=None, clinic=None, kind="", start=None, end=None):
    qs = StockMovement.objects.filter(organization_id=organization_id, clinic_id__in=list(clinic_ids))
    if item:
        qs = qs.filter(item_id=item)
    if clinic:
        qs = qs.filter(clinic_id=clinic)
    if kind:
        qs = qs.filter(kind=kind)
    if start:
        qs = qs.filter(created_at__date__gte=start)
    if end:
        qs = qs.filter(created_at__date__lte=end)
    return qs.select_related("item", "lot", "clinic", "created_by", "patient").order_by("-created_at", "-id")


def billable_items(clinic, query: str) -> list[BillableItem]:
    """Sellable active items matching ``query`` by name or SKU; the line's reference is the SKU.

    Billing asks for one chosen item as ``product:<SKU>`` (the reference it was offered), which matches
    that SKU exactly and nothing else."""
    query = (query or "").strip()[:100]
    qs = Item.objects.filter(organization_id=clinic.organization_id, sellable=True, active=True)
    kind, sep, reference = query.partition(":")
    if sep and kind == "product":
        qs = qs.filter(sku=reference)
    elif query:
        qs = qs.filter(Q(name__icontains=query) | Q(sku__iexact=query) | Q(sku__istartswith=query))
    stock = dict(
        StockLevel.objects.filter(organization_id=clinic.organization_id, clinic=clinic, item__in=qs)
        .values("item_id")
        .annotate(t=Sum("quantity"))
        .values_list("item_id", "t")
    )
    return [
        BillableItem(
            kind="product",
            reference=item.sku,
            label=item.name,
            unit_price=item.price,
            currency=clinic.currency,
            tax_rate=item.tax_rate,
            details={
                "item_id": item.pk,
                "unit": item.unit,
                "on_hand": plain_quantity(stock.get(item.pk) or 0),
            },
        )
        for item in qs.order_by("name")[:50]
    ]


def stock_value_metric(clinic_ids, start=None, end=None, **filters):
    value = ExpressionWrapper(
        F("quantity") * F("item__cost_price"), output_field=DecimalField(max_digits=26, decimal_places=5)
    )
    total = StockLevel.objects.filter(clinic_id__in=list(clinic_ids)).aggregate(v=Sum(value))["v"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def dispensed_metric(clinic_ids, start=None, end=None, **filters):
    qs = StockMovement.objects.filter(
        clinic_id__in=list(clinic_ids), kind__in=[MovementKind.DISPENSED, MovementKind.USED]
    )
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lt=end)
    return -(qs.aggregate(t=Sum("quantity"))["t"] or Decimal("0"))
