"""Each item's reorder level per clinic, and the daily scan for crossings a change missed."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.tenancy.models import Clinic

from ..models import Item, ReorderRule
from .ledger import lock_levels
from .quantities import ZERO, parse_quantity, require_same_organization
from .reorder_crossings import apply_crossing


@transaction.atomic
def set_reorder_rule(
    clinic: Clinic, item: Item, reorder_level: Decimal | str, reorder_quantity: Decimal | str
) -> ReorderRule:
    require_same_organization(clinic, item)
    level = parse_quantity(reorder_level, "reorder_level", allow_zero=True)
    quantity = parse_quantity(reorder_quantity, "reorder_quantity", allow_zero=True)
    levels = lock_levels(clinic.organization_id, [(clinic.pk, item.pk)])
    rule, _created = ReorderRule.objects.select_for_update().get_or_create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        item=item,
        defaults={"reorder_level": level, "reorder_quantity": quantity},
    )
    rule.reorder_level, rule.reorder_quantity = level, quantity
    rule.save(update_fields=["reorder_level", "reorder_quantity"])
    rule.item = item
    apply_crossing(clinic, rule, sum((lv.quantity for lv in levels.values()), ZERO))
    return rule


def scan_low_stock(clinic: Clinic) -> int:
    """Catch crossings a change missed (a rule added or lowered later); announce each once, count them."""
    announced = 0
    for rule in ReorderRule.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic
    ).select_related("item"):
        with transaction.atomic():
            levels = lock_levels(clinic.organization_id, [(clinic.pk, rule.item_id)])
            rule = ReorderRule.objects.select_for_update(of=("self",)).select_related("item").get(pk=rule.pk)
            was = rule.below_reorder_since
            apply_crossing(clinic, rule, sum((lv.quantity for lv in levels.values()), ZERO))
            announced += int(was is None and rule.below_reorder_since is not None)
    return announced
