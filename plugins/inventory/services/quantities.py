"""Checks every stock change makes of what it is given: quantities, the clinic's day, and that
everything named belongs to the clinic's organization."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

ZERO = Decimal("0")
MAX_QTY = Decimal("99999999999")


def parse_quantity(
    value: Decimal | str | int, field_name: str = "quantity", allow_zero: bool = False
) -> Decimal:
    try:
        q = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field_name: _("Enter a number.")}) from None
    if not q.is_finite() or q < 0 or (q == 0 and not allow_zero) or q > MAX_QTY:
        raise ValidationError({field_name: _("Enter a quantity greater than zero.")})
    if q != q.quantize(Decimal("0.001")):
        raise ValidationError({field_name: _("Use at most three decimal places.")})
    return q


def clinic_today(clinic: Clinic) -> date:
    return timezone.now().astimezone(clinic.tzinfo).date()


def require_same_organization(clinic: Clinic, *objs: Any) -> None:
    for obj in objs:
        if obj is not None and obj.organization_id != clinic.organization_id:
            raise ValidationError(_("That belongs to another organization."))
