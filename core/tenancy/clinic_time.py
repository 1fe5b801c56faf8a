"""Every date and time a person reads is in the clinic's time zone.

The server's own zone (``settings.TIME_ZONE``) is never shown to anyone. Instead, as soon as a request
knows its clinic, the clinic's zone becomes the active one, and Django's ``|date``, ``|time``,
``{% now %}``, ``localtime`` and ``localdate`` all speak it:

- portal pages: the clinic whose portal is visited (``portal_site.access.portal_view``);
- back-office module pages: the clinic in the address (``core.plugins.gating.require_module``);
- other back-office pages: the clinic being worked in (``core.office.decorators.member_required``);
- tasks: the task's clinic (``core.tasks.clinic_task``).

``ClinicTimeMiddleware`` bounds each request, so a zone chosen for one request never leaks into the next
one served by the same thread.

A page that lists rows of several clinics (a patient's appointments across clinics, the audit log)
formats each row in its own clinic's zone with ``clinic_time`` (template tag ``{% clinic_time %}``).
Rows that belong to no clinic are shown in the organization's zone: that of its first clinic, the one
made together with the organization.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, tzinfo

from django.utils import formats, timezone


def zone_of(place) -> tzinfo:
    """The zone of ``place``: a clinic, a zone object or an IANA name."""
    if isinstance(place, tzinfo):
        return place
    if isinstance(place, str):
        return zoneinfo.ZoneInfo(place)
    return place.tzinfo


def organization_zone(organization_id: int) -> tzinfo:
    """The zone of the organization's first clinic; the server's zone when it has none yet."""
    from .models import Clinic

    name = (
        Clinic.objects.filter(organization_id=organization_id)
        .order_by("pk")
        .values_list("timezone", flat=True)
        .first()
    )
    return zoneinfo.ZoneInfo(name) if name else timezone.get_default_timezone()


def read_in_clinic_time(clinic) -> None:
    """From here to the end of the request, show dates and times in ``clinic``'s zone."""
    timezone.activate(zone_of(clinic))


def clinic_moment(value: datetime, place) -> datetime:
    """The aware ``value`` carrying the zone of ``place``, for exports that print an ISO time with its
    offset (a spreadsheet then shows the clinic's wall clock)."""
    return timezone.localtime(value, zone_of(place))


def clinic_time(value: datetime | date | time | None, place, fmt: str = "DATETIME_FORMAT") -> str:
    """``value`` formatted with Django's format ``fmt`` as read on the wall clock of ``place`` (a
    clinic, a zone or a zone name); "" for no value. Dates and wall-clock times are shown as they are."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, zone_of(place))
    return formats.date_format(value, fmt)


def localize_day(day: date, place) -> datetime:
    """The first instant of ``day`` on the wall clock of ``place`` (for filtering by a day people read)."""
    return datetime.combine(day, time.min, tzinfo=zone_of(place))


class ClinicTimeMiddleware:
    """Start every request in the server's zone and forget, when it ends, the clinic zone it chose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with timezone.override(None):
            return self.get_response(request)
