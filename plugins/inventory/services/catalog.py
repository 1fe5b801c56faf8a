"""Saving catalog items and suppliers, with a clear message for a name or SKU already taken."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Item, Supplier


@transaction.atomic
def save_item(item: Item) -> Item:
    try:
        item.full_clean()
    except ValidationError as exc:
        if "sku" in getattr(exc, "error_dict", {}) or "__all__" in getattr(exc, "error_dict", {}):
            raise ValidationError(
                {"sku": _("Another item already has the SKU %(sku)s.") % {"sku": item.sku}}
            ) from None
        raise
    item.save()
    return item


@transaction.atomic
def save_supplier(supplier: Supplier) -> Supplier:
    """Create or edit a supplier of the organization's catalog; names are unique in the organization."""
    supplier.name = (supplier.name or "").strip()
    taken = ValidationError(
        {"name": _("Another supplier is already called %(name)s.") % {"name": supplier.name}}
    )
    try:
        supplier.full_clean()
    except ValidationError as exc:
        if "__all__" in getattr(exc, "error_dict", {}):
            raise taken from None
        raise
    try:
        with transaction.atomic():
            supplier.save()
    except IntegrityError:
        raise taken from None
    return supplier
