"""Appointments: listing a period, booking, and moving, cancelling or advancing one."""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router, Status

from core.api.schemas import ErrorOut
from core.patients.selectors import visible_patient
from core.tenancy.access import check_perm, parse_id

from .. import selectors
from ..access import access_active_service, access_appointment, access_practitioner, access_room
from ..models import Appointment, Channel
from ..services.booking import book_appointment
from ..services.conflicts import SlotTaken, StaleAppointment
from ..services.rescheduling import reschedule
from ..services.status import cancel, set_status
from .responses import ERRORS, checked_range, slot_taken, stale
from .schemas import AppointmentIn, AppointmentOut, AppointmentQuery, CancelIn, RescheduleIn, StatusIn

router = Router()


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def list_appointments(
    request,
    query: Query[AppointmentQuery],
):
    """Appointments starting between two local dates (inclusive)."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    from_, to = checked_range(query.from_, query.to)
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
    patient = visible_patient(request.member, parse_id(payload.patient_id))
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
        raise slot_taken(error)
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
        raise slot_taken(error)
    except StaleAppointment as error:
        raise stale(error)


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
        raise stale(error)


@router.post("/appointments/{appointment_id}/status", response={200: AppointmentOut, 409: ErrorOut, **ERRORS})
def set_appointment_status(request, appointment_id: int, payload: StatusIn):
    appointment = access_appointment(request, appointment_id, "scheduling.set_appointment_status")
    try:
        return set_status(appointment, payload.status, by=request.user, expected_version=payload.version)
    except StaleAppointment as error:
        raise stale(error)
