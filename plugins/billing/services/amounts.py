"""Numbers as a person typed them (quantities, prices, amounts), read as ``Decimal`` or refused with a
translated message on the field they came from."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def decimal_from(value: object, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not result.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return result
