"""The clinic's choice whether dispensing may take stock below zero."""

from __future__ import annotations

from django.db import transaction

from core.tenancy.models import Clinic

from ..models import InventorySettings


def allows_negative(clinic: Clinic) -> bool:
    return InventorySettings.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, allow_negative_stock=True
    ).exists()


@transaction.atomic
def set_allow_negative(clinic: Clinic, allow: bool) -> None:
    InventorySettings.objects.update_or_create(
        organization_id=clinic.organization_id, clinic=clinic, defaults={"allow_negative_stock": allow}
    )
