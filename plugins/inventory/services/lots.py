"""Finding or recording the lot a delivery arrives in."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Item, Lot


def lot_for(item: Item, number: str, expiry: date | None) -> Lot | None:
    number = (number or "").strip()[:64]
    if not item.lot_tracked:
        return None
    if not number:
        raise ValidationError(
            {"lot_number": _("%(item)s is tracked by lot: enter the lot number.") % {"item": item.name}}
        )
    lot, created = Lot.objects.get_or_create(
        organization_id=item.organization_id, item=item, number=number, defaults={"expiry_date": expiry}
    )
    if not created and expiry and lot.expiry_date and lot.expiry_date != expiry:
        raise ValidationError(
            {
                "expiry_date": _("Lot %(lot)s is already recorded with expiry %(date)s.")
                % {"lot": number, "date": lot.expiry_date}
            }
        )
    if not created and expiry and not lot.expiry_date:
        lot.expiry_date = expiry
        lot.save(update_fields=["expiry_date"])
    return lot
