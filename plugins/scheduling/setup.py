"""Changes to a clinic's scheduling set-up: services, rooms, working hours, time off, closures and the
booking policy. Each validates and writes in one transaction; bad input raises ``ValidationError`` and
writes nothing. (Creating services, hours and time off lives in ``services``, shared with the API.)"""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic, Membership, MembershipClinic

from .models import BookingPolicy, ClinicClosure, Room, Service, TimeOff, WorkingHours
from .services.catalogue import set_service_practitioners
from .services.working_time import add_working_hours

SERVICE_FIELDS = (
    "name",
    "duration_minutes",
    "price",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "bookable_online",
    "colour",
)


@transaction.atomic
def update_service(service: Service, *, practitioners, **fields) -> Service:
    locked = Service.objects.select_for_update().get(organization_id=service.organization_id, pk=service.pk)
    for name in SERVICE_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.full_clean(exclude=["organization", "clinic", "currency", "practitioners"], validate_unique=False)
    if (
        Service.objects.filter(
            organization_id=locked.organization_id, clinic_id=locked.clinic_id, name=locked.name
        )
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError({"name": _("This clinic already has a service with that name.")})
    locked.save()
    set_service_practitioners(locked, practitioners)
    return locked


@transaction.atomic
def set_service_active(service: Service, active: bool) -> Service:
    """Archive (or bring back) a service: archived services cannot be booked; booked ones stay."""
    Service.objects.filter(organization_id=service.organization_id, pk=service.pk).update(active=active)
    service.active = active
    return service


@transaction.atomic
def save_room(clinic: Clinic, *, room: Room | None = None, name: str, active: bool = True) -> Room:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the room a name.")})
    clash = Room.objects.filter(organization_id=clinic.organization_id, clinic=clinic, name=name)
    if room is not None:
        clash = clash.exclude(pk=room.pk)
    if clash.exists():
        raise ValidationError({"name": _("This clinic already has a room with that name.")})
    room = room or Room(organization_id=clinic.organization_id, clinic=clinic)
    room.name, room.active = name[:100], active
    room.save()
    return room


@transaction.atomic
def add_closure(clinic: Clinic, *, start_date: date, end_date: date, reason: str = "") -> ClinicClosure:
    if end_date < start_date:
        raise ValidationError({"end_date": _("The last day must not be before the first.")})
    if (end_date - start_date).days > 366:
        raise ValidationError({"end_date": _("Close for at most a year at a time.")})
    return ClinicClosure.objects.create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        start_date=start_date,
        end_date=end_date,
        reason=(reason or "")[:200],
    )


@transaction.atomic
def delete_closure(closure: ClinicClosure) -> None:
    ClinicClosure.objects.filter(organization_id=closure.organization_id, pk=closure.pk).delete()


@transaction.atomic
def save_policy(clinic: Clinic, **fields) -> BookingPolicy:
    policy = (
        BookingPolicy.objects.select_for_update()
        .filter(organization_id=clinic.organization_id, clinic=clinic)
        .first()
    ) or BookingPolicy(organization_id=clinic.organization_id, clinic=clinic)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean(exclude=["organization", "clinic"], validate_unique=False)
    policy.save()
    return policy


def _works_here(clinic: Clinic, membership: Membership) -> None:
    if not MembershipClinic.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, membership=membership
    ).exists():
        raise ValidationError({"practitioner": _("This person does not work at this clinic.")})


@transaction.atomic
def update_working_hours(hours: WorkingHours, **fields) -> WorkingHours:
    locked = WorkingHours.objects.select_for_update().get(organization_id=hours.organization_id, pk=hours.pk)
    for name in ("weekday", "start_time", "end_time", "valid_from", "valid_until"):
        if name in fields:
            setattr(locked, name, fields[name])
    if locked.end_time <= locked.start_time:
        raise ValidationError({"end_time": _("The end must be after the start.")})
    if locked.valid_until is not None and locked.valid_until < locked.valid_from:
        raise ValidationError({"valid_until": _("The rule must not end before it starts.")})
    locked.full_clean(exclude=["organization", "clinic", "membership"])
    locked.save()
    return locked


@transaction.atomic
def add_extra_hours(
    clinic: Clinic, membership: Membership, *, day: date, start: time, end: time
) -> WorkingHours:
    """One-off extra hours: a weekly rule valid on that single day."""
    _works_here(clinic, membership)
    return add_working_hours(
        clinic,
        membership,
        weekday=day.weekday(),
        start_time=start,
        end_time=end,
        valid_from=day,
        valid_until=day,
    )


@transaction.atomic
def delete_working_hours(hours: WorkingHours) -> None:
    WorkingHours.objects.filter(organization_id=hours.organization_id, pk=hours.pk).delete()


@transaction.atomic
def delete_time_off(entry: TimeOff) -> None:
    TimeOff.objects.filter(organization_id=entry.organization_id, pk=entry.pk).delete()


def time_off_between(practitioner_ids: list[int], organization_id: int, start: datetime, end: datetime):
    return (
        TimeOff.objects.filter(
            organization_id=organization_id, membership_id__in=practitioner_ids, end__gt=start, start__lt=end
        )
        .select_related("membership__user")
        .order_by("start", "id")
    )
