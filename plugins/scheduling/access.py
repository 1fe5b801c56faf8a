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
from core.compiled import CompiledQuery
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


def _active_services(organization_id: int, clinic_id: int) -> QuerySet[Service]:
    return Service.objects.filter(organization_id=organization_id, clinic_id=clinic_id, active=True)


def _members(organization_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(organization_id=organization_id).select_related("user")


# The service and the practitioner a booking names, read on every booking: compiled once
# (core/compiled.py), then only run.
_ACTIVE_SERVICE = CompiledQuery(
    lambda organization_id, clinic_id, pk: _active_services(organization_id, clinic_id).filter(pk=pk)[:1]
)
_MEMBER = CompiledQuery(lambda organization_id, pk: _members(organization_id).filter(pk=pk)[:1])


def _only(found: list):
    if not found:
        raise Http404
    return found[0]


def access_active_service(request: HttpRequest, pk: object, *, for_update: bool = False) -> Service:
    """A service the clinic being worked in offers now (archived ones are not addressed)."""
    clinic = request.clinic
    if for_update:
        return _one(_active_services(clinic.organization_id, clinic.pk), pk, for_update=True)
    return _only(
        _ACTIVE_SERVICE(organization_id=clinic.organization_id, clinic_id=clinic.pk, pk=parse_id(pk))
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
    organization_id = request.clinic.organization_id
    if for_update:
        return _one(_members(organization_id), pk, for_update=True)
    return _only(_MEMBER(organization_id=organization_id, pk=parse_id(pk)))


def access_calendar_feed(
    request: HttpRequest, pk: object, permission: str, *, for_update: bool = False
) -> CalendarFeed:
    """A calendar feed of the organization, which the member may ``permission``."""
    feed = _one(
        CalendarFeed.objects.filter(organization_id=request.clinic.organization_id), pk, for_update=for_update
    )
    check_perm(request, permission, feed)
    return feed
