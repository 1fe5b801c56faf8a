"""Practitioners' working time: their weekly working hours and their time off."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from core.tenancy.access import check_perm

from .. import selectors
from ..access import access_practitioner
from ..models import TimeOff, WorkingHours
from ..services.working_time import add_time_off, add_working_hours
from .responses import ERRORS, checked_range
from .schemas import DateRange, TimeOffIn, TimeOffOut, WorkingHoursIn, WorkingHoursOut

router = Router()


@router.get("/working-hours", response={200: list[WorkingHoursOut], **ERRORS})
def list_working_hours(request, practitioner: int | None = None):
    check_perm(request, "scheduling.view_calendar", request.clinic)
    hours = WorkingHours.objects.filter(organization_id=request.clinic.organization_id, clinic=request.clinic)
    if practitioner:
        hours = hours.filter(membership_id=practitioner)
    return [
        {
            **{f: getattr(h, f) for f in WorkingHoursOut.model_fields if f != "practitioner_id"},
            "practitioner_id": h.membership_id,
        }
        for h in hours.order_by("membership_id", "weekday", "start_time")
    ]


@router.post("/working-hours", response={201: WorkingHoursOut, **ERRORS})
def create_working_hours(request, payload: WorkingHoursIn):
    member = access_practitioner(request, payload.practitioner_id)
    probe = WorkingHours(
        organization_id=request.clinic.organization_id, clinic=request.clinic, membership=member
    )
    check_perm(request, "scheduling.manage_working_hours", probe)
    data = payload.dict(exclude={"practitioner_id"})
    if data["valid_from"] is None:
        data["valid_from"] = timezone.localdate()
    hours = add_working_hours(request.clinic, member, **data)
    return Status(201, {**data, "id": hours.pk, "practitioner_id": member.pk})


@router.get("/time-off", response={200: list[TimeOffOut], **ERRORS})
def list_time_off(request, query: Query[DateRange]):
    check_perm(request, "scheduling.view_calendar", request.clinic)
    from_, to = checked_range(query.from_, query.to)
    start, end = selectors.local_day_bounds(request.clinic.tzinfo, from_, to)
    practitioner_ids = [m.pk for m in selectors.clinic_practitioners(request.clinic)]
    rows = TimeOff.objects.filter(
        organization_id=request.clinic.organization_id,
        membership_id__in=practitioner_ids,
        end__gt=start,
        start__lt=end,
    ).order_by("start")
    return [
        {"id": t.pk, "practitioner_id": t.membership_id, "start": t.start, "end": t.end, "reason": t.reason}
        for t in rows
    ]


@router.post("/time-off", response={201: TimeOffOut, **ERRORS})
def create_time_off(request, payload: TimeOffIn):
    member = access_practitioner(request, payload.practitioner_id)
    probe = TimeOff(organization_id=request.clinic.organization_id, membership=member)
    check_perm(request, "scheduling.manage_time_off", probe)
    if timezone.is_naive(payload.start) or timezone.is_naive(payload.end):
        raise ValidationError({"start": _("Give times with their time zone.")})
    entry = add_time_off(member, start=payload.start, end=payload.end, reason=payload.reason)
    return Status(
        201,
        {
            "id": entry.pk,
            "practitioner_id": member.pk,
            "start": entry.start,
            "end": entry.end,
            "reason": entry.reason,
        },
    )
