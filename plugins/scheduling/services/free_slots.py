"""The next free times offered when the time asked for is taken."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.tenancy.models import Clinic, Membership

from ..models import BookingPolicy, Service
from ..selectors import Slot, load_inputs, slots_from_inputs

NEXT_SLOTS = 5
NEXT_SLOTS_DAYS = 14


def next_free_slots(
    clinic: Clinic,
    service: Service,
    practitioner: Membership,
    after: datetime,
    *,
    limit: int = NEXT_SLOTS,
    exclude_appointment_id: int | None = None,
    policy: BookingPolicy | None = None,
    allow_overlap: bool | None = None,
) -> list[Slot]:
    """The first free slots for this practitioner and service from ``after`` on (inside working hours).
    ``policy`` and ``allow_overlap`` are read when not given."""
    local = after.astimezone(clinic.tzinfo).date()
    inputs = load_inputs(
        clinic,
        service,
        [practitioner.pk],
        local,
        local + timedelta(days=NEXT_SLOTS_DAYS),
        exclude_appointment_id=exclude_appointment_id,
        policy=policy,
        allow_overlap=None if allow_overlap is None else {practitioner.pk: allow_overlap},
    )
    slots = slots_from_inputs(inputs, now=None)
    return [s for s in slots if s.start >= after][:limit]
