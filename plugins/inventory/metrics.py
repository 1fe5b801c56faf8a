"""Inventory's figures for analytics: stock value, what is below its reorder level or expiring, and what
was used. Stock figures are the state right now (``snapshot``); use is counted per day (``sum``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plugins.types import Metric

from . import selectors
from .models import MovementKind, ReorderRule, StockLevel, StockMovement

CENT = Decimal("0.01")
VALUE = ExpressionWrapper(
    F("quantity") * F("item__cost_price"), output_field=DecimalField(max_digits=26, decimal_places=5)
)


def _by_clinic(qs, amount=None):
    """``qs`` summed (or counted) per clinic: the report's clinic table in one query, not one per clinic."""
    rows = qs.values("clinic_id").annotate(v=Sum(amount) if amount else Count("id")).order_by("clinic_id")
    return [(str(r["clinic_id"]), str(r["clinic_id"]), r["v"] or 0) for r in rows]


def _by_item(qs, amount):
    rows = qs.values("item_id", "item__name").annotate(v=Sum(amount)).order_by("item__name", "item_id")
    return [(str(r["item_id"]), r["item__name"], r["v"]) for r in rows if r["v"]]


def stock_value(clinic_ids, start=None, end=None, *, breakdown=None, **_):
    """Stock on hand valued at cost price."""
    levels = StockLevel.objects.filter(clinic_id__in=list(clinic_ids))
    if breakdown == "item":
        return [(k, label, v.quantize(CENT)) for k, label, v in _by_item(levels, VALUE)]
    if breakdown == "clinic":
        return [(k, label, Decimal(v).quantize(CENT)) for k, label, v in _by_clinic(levels, VALUE)]
    return selectors.stock_value_metric(clinic_ids)


def below_reorder(clinic_ids, start=None, end=None, *, breakdown=None, **_):
    """Items at or below their reorder level."""
    rules = ReorderRule.objects.filter(clinic_id__in=list(clinic_ids), below_reorder_since__isnull=False)
    if breakdown == "item":
        rows = rules.values("item_id", "item__name").order_by("item__name", "item_id")
        return [(str(r["item_id"]), r["item__name"], 1) for r in rows]
    if breakdown == "clinic":
        return _by_clinic(rules)
    return rules.count()


def expiring_value(clinic_ids, start=None, end=None, *, breakdown=None, tz=None, **_):
    """Value at cost of lots that expire within the inventory's warning window (or already have)."""
    today = timezone.now().astimezone(tz or timezone.get_current_timezone()).date()
    levels = StockLevel.objects.filter(
        clinic_id__in=list(clinic_ids),
        quantity__gt=0,
        lot__expiry_date__lte=today + timedelta(days=selectors.EXPIRING_DAYS),
    )
    if breakdown == "item":
        return [(k, label, v.quantize(CENT)) for k, label, v in _by_item(levels, VALUE)]
    if breakdown == "clinic":
        return [(k, label, Decimal(v).quantize(CENT)) for k, label, v in _by_clinic(levels, VALUE)]
    return (levels.aggregate(v=Sum(VALUE))["v"] or Decimal("0")).quantize(CENT)


def used(clinic_ids, start, end, *, breakdown=None, tz=None, **_):
    """Quantity dispensed to patients or used in visits in the period."""
    qs = StockMovement.objects.filter(
        clinic_id__in=list(clinic_ids),
        kind__in=[MovementKind.DISPENSED, MovementKind.USED],
        created_at__gte=start,
        created_at__lt=end,
    )
    if breakdown is None:
        return -(qs.aggregate(t=Sum("quantity"))["t"] or Decimal("0"))
    if breakdown == "item":
        return [(k, label, -v) for k, label, v in _by_item(qs, "quantity")]
    if breakdown == "day":
        day = TruncDate("created_at", tzinfo=tz or timezone.get_current_timezone())
        rows = qs.annotate(d=day).values("d").annotate(t=Sum("quantity")).order_by("d")
        return [(r["d"].isoformat(), r["d"].isoformat(), -r["t"]) for r in rows]
    raise ValueError(f"unknown breakdown {breakdown!r}")


def metrics() -> list[Metric]:
    m, section = "inventory", "inventory"
    return [
        Metric(
            "inventory_stock_value",
            _("Stock value at cost"),
            "money",
            stock_value,
            ("item", "clinic"),
            m,
            section,
            kind="snapshot",
            tables=("clinic",),
        ),
        Metric(
            "inventory_below_reorder",
            _("Items below reorder level"),
            "count",
            below_reorder,
            ("item", "clinic"),
            m,
            section,
            kind="snapshot",
            tables=("clinic",),
            column=1,
        ),
        Metric(
            "inventory_expiring_value",
            _("Expiring stock value"),
            "money",
            expiring_value,
            ("item", "clinic"),
            m,
            section,
            kind="snapshot",
            description=_("Stock of lots that expire within 60 days or already have, at cost."),
            tables=("clinic",),
        ),
        Metric(
            "inventory_items_dispensed",
            _("Items used"),
            "count",
            used,
            ("item",),
            m,
            section,
            description=_("Quantity dispensed to patients or used in visits."),
            kind="sum",
            tables=("clinic", "item"),
            column=1,
        ),
    ]
