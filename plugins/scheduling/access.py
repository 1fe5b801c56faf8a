"""Scheduling records addressed by id, for the office pages, the API and the portal alike.

Each ``access_*`` function answers the same 404 for "missing" and "not yours" (another clinic's, another
organization's, another patient's), then checks the permission once (403 when refused). The API turns the
404 into its JSON error like any other.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from core.audit.recording import saw_patient
from core.audit.vocabulary import Category
from core.patients.accounts import patient_in
from core.tenancy.access import check_perm, parse_id
from core.tenancy.models import Membership

from .models import Appointment, CalendarFeed, Room, Service, WaitlistEntry


def _one(queryset: QuerySet, pk: object, *, for_update: bool):
    """The row ``pk`` of ``queryset`` (locked for the transaction when ``for_update``), or 404."""
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=parse_id(pk)).first()
    if found is None:
        raise Http404
    return found


def access_appointment(
    request: HttpRequest, pk: object, permission: str, *, for_update: bool = False
) -> Appointment:
    """An appointment of the clinic being worked in, which the member may ``permission``."""
    clinic = request.clinic
    appointment = _one(
        Appointment.objects.filter(organization_id=clinic.organization_id, clinic=clinic).select_related(
            "patient", "service", "room", "practitioner__user"
        ),
        pk,
        for_update=for_update,
    )
    check_perm(request, permission, appointment)
    saw_patient(appointment.patient, clinic, category=Category.APPOINTMENTS)
    return appointment


def access_own_appointment(request: HttpRequest, pk: object, *, for_update: bool = False) -> Appointment:
    """On the portal: the signed-in patient's own appointment at the portal's clinic."""
    clinic = request.portal_clinic
    patient = patient_in(request.user, clinic.organization_id)
    if patient is None:
        raise Http404
    appointment = _one(
        Appointment.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, patient=patient
        ).select_related("clinic", "service", "practitioner__user"),
        pk,
        for_update=for_update,
    )
    saw_patient(patient, clinic, category=Category.APPOINTMENTS)
    return appointment


def access_waitlist_entry(
    request: HttpRequest, pk: object, permission: str, *, for_update: bool = False
) -> WaitlistEntry:
    """A waitlist entry of the clinic being worked in, which the member may ``permission``."""
    clinic = request.clinic
    entry = _one(
        WaitlistEntry.objects.filter(organization_id=clinic.organization_id, clinic=clinic),
        pk,
        for_update=for_update,
    )
    check_perm(request, permission, entry)
    saw_patient(entry.patient, clinic, category=Category.APPOINTMENTS)
    return entry


def access_active_service(request: HttpRequest, pk: object, *, for_update: bool = False) -> Service:
    """A service the clinic being worked in offers now (archived ones are not addressed)."""
    clinic = request.clinic
    return _one(
        Service.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=True),
        pk,
        for_update=for_update,
    )


def access_room(request: HttpRequest, pk: object, *, for_update: bool = False) -> Room:
    """A room of the clinic being worked in."""
    clinic = request.clinic
    return _one(
        Room.objects.filter(organization_id=clinic.organization_id, clinic=clinic), pk, for_update=for_update
    )


def access_practitioner(request: HttpRequest, pk: object, *, for_update: bool = False) -> Membership:
    """A member of the organization, named as the practitioner of a booking, hours or time off (with their
    login, whose name the booking's confirmation and events carry)."""
    members = Membership.objects.filter(organization_id=request.clinic.organization_id).select_related("user")
    return _one(members, pk, for_update=for_update)


def access_calendar_feed(
    request: HttpRequest, pk: object, permission: str, *, for_update: bool = False
) -> CalendarFeed:
    """A calendar feed of the organization, which the member may ``permission``."""
    feed = _one(
        CalendarFeed.objects.filter(organization_id=request.clinic.organization_id), pk, for_update=for_update
    )
    check_perm(request, permission, feed)
    return feed
