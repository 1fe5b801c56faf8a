"""Why a time is taken, in the clinic's words: which appointment is in the way, and whether it is the
appointment itself or one of the buffers kept free around it. Shown to staff in the office and the API
(the portal says only that the time was taken: patients never see each other's names)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from ..models import ACTIVE_STATUSES, Appointment, Service


def _minutes(span) -> int:
    return int(span.total_seconds() // 60)


def why_taken(
    *, practitioner_id: int, organization_id: int, service: Service, start: datetime, tz, exclude=None
) -> str:
    """The reason the practitioner cannot take ``service`` at ``start``; a general one when the time
    became free again meanwhile."""
    end = start + service.duration
    wanted_start, wanted_end = start - service.buffer_before, end + service.buffer_after
    in_the_way = (
        Appointment.objects.filter(
            organization_id=organization_id,
            practitioner_id=practitioner_id,
            status__in=ACTIVE_STATUSES,
            occupied_start__lt=wanted_end,
            occupied_end__gt=wanted_start,
        )
        .exclude(pk=exclude)
        .select_related("patient")
        .order_by("start")
        .first()
    )
    if in_the_way is None:
        return _("This time is already taken.")
    other = {
        "patient": f"{in_the_way.patient.given_name} {in_the_way.patient.family_name}".strip(),
        "start": in_the_way.start.astimezone(tz).strftime("%H:%M"),
        "end": in_the_way.end.astimezone(tz).strftime("%H:%M"),
    }
    if start < in_the_way.end and in_the_way.start < end:
        return _("This time overlaps %(patient)s's appointment (%(start)s–%(end)s).") % other
    if in_the_way.occupied_end > start and in_the_way.end <= start:
        minutes = _minutes(in_the_way.occupied_end - in_the_way.end)
        return _(
            "This time is blocked by the %(minutes)s-minute buffer after %(patient)s's appointment "
            "(%(start)s–%(end)s)."
        ) % {**other, "minutes": minutes}
    if in_the_way.start >= end and in_the_way.occupied_start < end:
        minutes = _minutes(in_the_way.start - in_the_way.occupied_start)
        return _(
            "This time is blocked by the %(minutes)s-minute buffer before %(patient)s's appointment "
            "(%(start)s–%(end)s)."
        ) % {**other, "minutes": minutes}
    # The other appointment is clear of this one; this service's own buffers reach it.
    return _(
        "This service keeps %(before)s minutes free before and %(after)s after; that would overlap "
        "%(patient)s's appointment (%(start)s–%(end)s)."
    ) % {**other, "before": _minutes(service.buffer_before), "after": _minutes(service.buffer_after)}
