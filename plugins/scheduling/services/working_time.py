"""When practitioners work: their weekly working hours at a clinic and their time off."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic, Membership, MembershipClinic

from ..models import TimeOff, WorkingHours


@transaction.atomic
def add_working_hours(clinic: Clinic, membership: Membership, **fields: Any) -> WorkingHours:
    if not MembershipClinic.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, membership=membership
    ).exists():
        raise ValidationError({"practitioner": _("This person does not work at this clinic.")})
    hours = WorkingHours(
        organization_id=clinic.organization_id, clinic=clinic, membership=membership, **fields
    )
    if hours.start_time and hours.end_time and hours.end_time <= hours.start_time:
        raise ValidationError({"end_time": _("The end must be after the start.")})
    hours.full_clean(exclude=["organization", "clinic", "membership"])
    hours.save()
    return hours


@transaction.atomic
def add_time_off(membership: Membership, *, start: datetime, end: datetime, reason: str = "") -> TimeOff:
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    return TimeOff.objects.create(
        organization_id=membership.organization_id, membership=membership, start=start, end=end, reason=reason
    )
