"""Free slots: when a service can be booked, with one practitioner or any who offers it."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router

from core.tenancy.access import check_perm, parse_id

from .. import selectors
from ..access import access_active_service
from .responses import ERRORS, checked_range
from .schemas import AvailabilityOut, AvailabilityQuery

router = Router()


@router.get("/availability", response={200: AvailabilityOut, **ERRORS})
def availability(
    request,
    query: Query[AvailabilityQuery],
):
    """Free slots for a service, with one practitioner or ``any`` who offers it, between two local dates
    (inclusive). The clinic's booking window (notice and horizon) applies."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    from_, to = checked_range(query.from_, query.to)
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
