"""The waitlist: patients waiting for a slot of a service, and what became of their wait."""

from __future__ import annotations

from django.http import Http404
from ninja import Router, Status

from core.patients.selectors import visible_patient
from core.tenancy.access import check_perm, parse_id

from .. import waitlist
from ..access import access_active_service, access_practitioner, access_waitlist_entry
from ..models import Channel
from .responses import ERRORS
from .schemas import WaitlistIn, WaitlistOut, WaitlistStatusIn

router = Router()


@router.get("/waitlist", response={200: list[WaitlistOut], **ERRORS})
def list_waitlist(request):
    """Entries still waiting or offered a slot, longest-waiting first."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    return list(waitlist.open_entries(request.clinic)[:500])


@router.post("/waitlist", response={201: WaitlistOut, **ERRORS})
def join_waitlist(request, payload: WaitlistIn):
    clinic = request.clinic
    check_perm(request, "scheduling.manage_waitlist", clinic)
    patient = visible_patient(request.member, parse_id(payload.patient_id))
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
