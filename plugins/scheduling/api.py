"""Scheduling API, mounted by the core at ``/api/v1/clinics/{clinic_id}/scheduling/``.

The core has already resolved ``request.clinic`` (a clinic the caller may see, with scheduling on).
Each operation checks the same permissions as the back-office pages.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.errors import ApiConflict
from core.api.schemas import ErrorOut, StrictSchema
from core.api.types import BoundedDate, BoundedDateTime, LocalTime
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm, parse_id
from core.tenancy.models import Membership

from . import selectors, waitlist
from .access import (
    access_active_service,
    access_appointment,
    access_practitioner,
    access_room,
    access_waitlist_entry,
)
from .models import (
    Appointment,
    Channel,
    Service,
    ServicePractitioner,
    TimeOff,
    WorkingHours,
)
from .services import catalogue
from .services.booking import book_appointment
from .services.conflicts import SlotTaken, StaleAppointment
from .services.rescheduling import reschedule
from .services.status import cancel, set_status
from .services.working_time import add_time_off, add_working_hours

router = Router()

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_RANGE_DAYS = 62


# --- schemas ---------------------------------------------------------------------------------------------


class ServiceIn(StrictSchema):
    name: str = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(ge=5, le=720)
    price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    buffer_before_minutes: int = Field(default=0, ge=0, le=240)
    buffer_after_minutes: int = Field(default=0, ge=0, le=240)
    bookable_online: bool = True
    colour: str = Field(default="#2563eb", pattern=r"^#[0-9a-fA-F]{6}$")
    practitioner_ids: list[int] = []


class ServiceOut(Schema):
    id: int
    name: str
    duration_minutes: int
    price: Decimal
    currency: str
    buffer_before_minutes: int
    buffer_after_minutes: int
    bookable_online: bool
    colour: str
    active: bool
    practitioner_ids: list[int]


class WorkingHoursIn(StrictSchema):
    practitioner_id: int
    weekday: int = Field(ge=0, le=6)
    start_time: LocalTime
    end_time: LocalTime
    valid_from: BoundedDate | None = None
    valid_until: BoundedDate | None = None


class WorkingHoursOut(Schema):
    id: int
    practitioner_id: int
    weekday: int
    start_time: LocalTime
    end_time: LocalTime
    valid_from: date
    valid_until: date | None


class TimeOffIn(StrictSchema):
    practitioner_id: int
    start: BoundedDateTime
    end: BoundedDateTime
    reason: str = Field(default="", max_length=200)


class TimeOffOut(Schema):
    id: int
    practitioner_id: int
    start: datetime
    end: datetime
    reason: str


class SlotOut(Schema):
    start: datetime
    end: datetime
    practitioner_ids: list[int]


class AvailabilityOut(Schema):
    service_id: int
    timezone: str
    slots: list[SlotOut]


class AppointmentIn(StrictSchema):
    patient_id: int
    service_id: int
    practitioner_id: int
    start: BoundedDateTime
    room_id: int | None = None
    notes: str = Field(default="", max_length=5000)
    override: bool = False


class AppointmentOut(Schema):
    id: int
    clinic_id: int
    practitioner_id: int
    patient_id: int
    service_id: int
    room_id: int | None
    start: datetime
    end: datetime
    status: str
    channel: str
    version: int
    series_id: int | None
    cancellation_reason: str


class RescheduleIn(StrictSchema):
    start: BoundedDateTime
    version: int
    practitioner_id: int | None = None
    override: bool = False


class CancelIn(StrictSchema):
    by: Literal["patient", "clinic"] = "clinic"
    reason: str = Field(default="", max_length=300)
    version: int | None = None


class StatusIn(StrictSchema):
    status: str
    version: int | None = None


class DateRange(Schema):
    from_: BoundedDate = Field(alias="from")
    to: BoundedDate


class AvailabilityQuery(DateRange):
    service: int
    practitioner: str = "any"


class AppointmentQuery(DateRange):
    practitioner: int | None = None


# --- helpers ---------------------------------------------------------------------------------------------


def _service_out(service: Service, practitioner_ids: list[int]) -> dict:
    return {
        **{
            f: getattr(service, f)
            for f in (
                "id",
                "name",
                "duration_minutes",
                "price",
                "currency",
                "buffer_before_minutes",
                "buffer_after_minutes",
                "bookable_online",
                "colour",
                "active",
            )
        },
        "practitioner_ids": practitioner_ids,
    }


def _slot_taken(error: SlotTaken) -> ApiConflict:
    return ApiConflict(
        error.message,
        code="slot_taken",
        extra={
            "next_slots": [
                {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "practitioner_ids": list(s.practitioner_ids),
                }
                for s in error.next_slots
            ]
        },
    )


def _stale(error: StaleAppointment) -> ApiConflict:
    return ApiConflict(error.message, code="stale", extra={"current_version": error.current_version})


def _range(from_: date, to: date) -> tuple[date, date]:
    if to < from_:
        raise ValidationError({"to": _("The end of the range must not be before its start.")})
    if (to - from_).days > MAX_RANGE_DAYS:
        raise ValidationError({"to": _("Ask for at most %(days)s days.") % {"days": MAX_RANGE_DAYS}})
    return from_, to


# --- services --------------------------------------------------------------------------------------------


@router.get("/services", response={200: list[ServiceOut], **ERRORS})
def list_services(request):
    """Active services of the clinic."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    service_list = list(selectors.active_services(request.clinic))
    offered: dict[int, list[int]] = {s.pk: [] for s in service_list}
    for service_id, membership_id in (
        ServicePractitioner.objects.filter(
            organization_id=request.clinic.organization_id, service_id__in=list(offered)
        )
        .order_by("membership_id")
        .values_list("service_id", "membership_id")
    ):
        offered[service_id].append(membership_id)
    return [_service_out(s, offered[s.pk]) for s in service_list]


@router.post("/services", response={201: ServiceOut, **ERRORS})
def create_service(request, payload: ServiceIn):
    check_perm(request, "scheduling.manage_services", request.clinic)
    data = payload.dict()
    ids = data.pop("practitioner_ids")
    members = list(Membership.objects.filter(organization_id=request.clinic.organization_id, pk__in=ids))
    if len(members) != len(set(ids)):
        raise ValidationError({"practitioner_ids": _("Choose members of this organization.")})
    service = catalogue.create_service(request.clinic, practitioners=members, **data)
    return Status(201, _service_out(service, sorted(m.pk for m in members)))


# --- working hours and time off ----------------------------------------------------------------------


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
    from_, to = _range(query.from_, query.to)
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


# --- availability ------------------------------------------------------------------------------------


@router.get("/availability", response={200: AvailabilityOut, **ERRORS})
def availability(
    request,
    query: Query[AvailabilityQuery],
):
    """Free slots for a service, with one practitioner or ``any`` who offers it, between two local dates
    (inclusive). The clinic's booking window (notice and horizon) applies."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    from_, to = _range(query.from_, query.to)
    chosen = access_active_service(request, query.service)
    practitioner_id = None if query.practitioner == "any" else parse_id(query.practitioner)
    slots = selectors.search_availability(
        request.clinic, chosen, practitioner_id, from_, to, now=timezone.now()
    )
    return {
        "service_id": chosen.pk,
        "timezone": request.clinic.timezone,
        "slots": [
            {"start": s.start, "end": s.end, "practitioner_ids": list(s.practitioner_ids)} for s in slots
        ],
    }


# --- appointments ------------------------------------------------------------------------------------


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def list_appointments(
    request,
    query: Query[AppointmentQuery],
):
    """Appointments starting between two local dates (inclusive)."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    from_, to = _range(query.from_, query.to)
    practitioner = query.practitioner
    start, end = selectors.local_day_bounds(request.clinic.tzinfo, from_, to)
    rows = Appointment.objects.filter(
        organization_id=request.clinic.organization_id, clinic=request.clinic, start__gte=start, start__lt=end
    ).order_by("start", "id")
    if practitioner:
        rows = rows.filter(practitioner_id=practitioner)
    return list(rows)


@router.post("/appointments", response={201: AppointmentOut, 409: ErrorOut, **ERRORS})
def create_appointment(request, payload: AppointmentIn):
    """Book an appointment. 409 with ``next_slots`` when the time is taken."""
    clinic = request.clinic
    patient = visible_patients(request.member).filter(pk=parse_id(payload.patient_id)).first()
    if patient is None:
        raise Http404
    service = access_active_service(request, payload.service_id)
    practitioner = access_practitioner(request, payload.practitioner_id)
    room = access_room(request, payload.room_id) if payload.room_id is not None else None
    probe = Appointment(organization_id=clinic.organization_id, clinic=clinic, practitioner=practitioner)
    check_perm(request, "scheduling.book_appointment", probe)
    if payload.override:
        check_perm(request, "scheduling.override_availability", probe)
    try:
        appointment = book_appointment(
            clinic=clinic,
            practitioner=practitioner,
            patient=patient,
            service=service,
            start=payload.start,
            room=room,
            notes=payload.notes,
            override=payload.override,
            channel=Channel.API,
            by=request.user,
        )
    except SlotTaken as error:
        raise _slot_taken(error)
    return Status(201, appointment)


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request, appointment_id: int):
    return access_appointment(request, appointment_id, "scheduling.view_calendar")


@router.post(
    "/appointments/{appointment_id}/reschedule", response={200: AppointmentOut, 409: ErrorOut, **ERRORS}
)
def reschedule_appointment(request, appointment_id: int, payload: RescheduleIn):
    """Move an appointment. Send the ``version`` you loaded: 409 ``stale`` when it changed meanwhile."""
    appointment = access_appointment(request, appointment_id, "scheduling.change_appointment")
    practitioner = access_practitioner(request, payload.practitioner_id) if payload.practitioner_id else None
    if practitioner is not None:
        probe = Appointment(
            organization_id=appointment.organization_id,
            clinic_id=appointment.clinic_id,
            practitioner=practitioner,
        )
        check_perm(request, "scheduling.change_appointment", probe)
    if payload.override:
        check_perm(request, "scheduling.override_availability", appointment)
    try:
        return reschedule(
            appointment,
            expected_version=payload.version,
            start=payload.start,
            practitioner=practitioner,
            override=payload.override,
            by=request.user,
        )
    except SlotTaken as error:
        raise _slot_taken(error)
    except StaleAppointment as error:
        raise _stale(error)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, 409: ErrorOut, **ERRORS})
def cancel_appointment(request, appointment_id: int, payload: CancelIn):
    appointment = access_appointment(request, appointment_id, "scheduling.cancel_appointment")
    try:
        return cancel(
            appointment,
            by_patient=payload.by == "patient",
            reason=payload.reason,
            by=request.user,
            expected_version=payload.version,
        )
    except StaleAppointment as error:
        raise _stale(error)


@router.post("/appointments/{appointment_id}/status", response={200: AppointmentOut, 409: ErrorOut, **ERRORS})
def set_appointment_status(request, appointment_id: int, payload: StatusIn):
    appointment = access_appointment(request, appointment_id, "scheduling.set_appointment_status")
    try:
        return set_status(appointment, payload.status, by=request.user, expected_version=payload.version)
    except StaleAppointment as error:
        raise _stale(error)


# --- waitlist ----------------------------------------------------------------------------------------


class WaitlistIn(StrictSchema):
    patient_id: int
    service_id: int
    practitioner_id: int | None = None
    earliest: BoundedDate
    latest: BoundedDate
    notes: str = Field(default="", max_length=300)


class WaitlistOut(Schema):
    id: int
    patient_id: int
    service_id: int
    practitioner_id: int | None
    earliest: date
    latest: date
    status: str
    channel: str
    notes: str


class WaitlistStatusIn(StrictSchema):
    status: Literal["waiting", "offered", "booked", "removed"]


@router.get("/waitlist", response={200: list[WaitlistOut], **ERRORS})
def list_waitlist(request):
    """Entries still waiting or offered a slot, longest-waiting first."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    return list(waitlist.open_entries(request.clinic)[:500])


@router.post("/waitlist", response={201: WaitlistOut, **ERRORS})
def join_waitlist(request, payload: WaitlistIn):
    clinic = request.clinic
    check_perm(request, "scheduling.manage_waitlist", clinic)
    patient = visible_patients(request.member).filter(pk=parse_id(payload.patient_id)).first()
    if patient is None:
        raise Http404
    service = access_active_service(request, payload.service_id)
    practitioner = access_practitioner(request, payload.practitioner_id) if payload.practitioner_id else None
    entry = waitlist.join(
        clinic=clinic,
        patient=patient,
        service=service,
        practitioner=practitioner,
        earliest=payload.earliest,
        latest=payload.latest,
        notes=payload.notes,
        channel=Channel.API,
        by=request.user,
    )
    return Status(201, entry)


@router.post("/waitlist/{waitlist_entry_id}/status", response={200: WaitlistOut, **ERRORS})
def set_waitlist_status(request, waitlist_entry_id: int, payload: WaitlistStatusIn):
    entry = access_waitlist_entry(request, waitlist_entry_id, "scheduling.manage_waitlist")
    return waitlist.set_status(entry, payload.status)
