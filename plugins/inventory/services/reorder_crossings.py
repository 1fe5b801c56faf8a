"""Tracking when an item's stock crosses its reorder level, announcing low stock once per crossing."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from core.plugins import events
from core.plugins.events import emit
from core.tenancy.models import Clinic

from ..models import ReorderRule, StockLevel


def track_reorder(
    clinics: dict[int, Clinic], levels: dict[tuple, StockLevel], pairs: set[tuple[int, int]]
) -> None:
    if not pairs:
        return
    condition = Q()
    for clinic_id, item_id in pairs:
        condition |= Q(clinic_id=clinic_id, item_id=item_id)
    rules = list(
        ReorderRule.objects.select_for_update(of=("self",))
        .filter(organization_id=next(iter(clinics.values())).organization_id)
        .filter(condition)
        .select_related("item")
        .order_by("clinic_id", "item_id")
    )
    on_hand = defaultdict(Decimal)
    for (clinic_id, item_id, _lot), level in levels.items():
        on_hand[(clinic_id, item_id)] += level.quantity
    for rule in rules:
        apply_crossing(clinics[rule.clinic_id], rule, on_hand[(rule.clinic_id, rule.item_id)])


def apply_crossing(clinic: Clinic, rule: ReorderRule, on_hand: Decimal) -> None:
    if on_hand <= rule.reorder_level and rule.below_reorder_since is None:
        rule.below_reorder_since = timezone.now()
        rule.save(update_fields=["below_reorder_since"])
        emit(
            clinic,
            events.StockLow(
                item_id=rule.item_id,
                item_name=rule.item.name,
                sku=rule.item.sku,
                on_hand=on_hand,
                reorder_level=rule.reorder_level,
            ),
        )
    elif on_hand > rule.reorder_level and rule.below_reorder_since is not None:
        rule.below_reorder_since = None
        rule.save(update_fields=["below_reorder_since"])
