"""Recurring series: weekly or monthly appointments at the same local time, each booked on its own."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, Membership

from .. import availability as av
from ..models import Appointment, AppointmentSeries, Channel, Frequency, Room, Service
from ..selectors import Slot
from .booking import book_appointment
from .checks import aware
from .conflicts import SlotTaken

SERIES_MAX_OCCURRENCES = 52
SERIES_MAX_DAYS = 366


@dataclass
class SeriesResult:
    series: AppointmentSeries
    booked: list[Appointment] = field(default_factory=list)
    # (local start or date, why it could not be booked, next free slots when the time was taken)
    skipped: list[tuple[datetime | date, str, list[Slot]]] = field(default_factory=list)


def _add_months(day: date, months: int) -> date | None:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if day.day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day.day)


def occurrence_dates(
    first: date, frequency: str, interval: int, until: date | None, count: int | None
) -> list[date | tuple[date, str]]:
    """The dates of a series; a month without the first date's day yields ``(date, reason)`` instead."""
    if interval < 1:
        raise ValidationError({"interval": _("Repeat at least every 1.")})
    if until is None and count is None:
        raise ValidationError({"until": _("Say until when, or how many times.")})
    limit = min(count or SERIES_MAX_OCCURRENCES, SERIES_MAX_OCCURRENCES)
    last = min(until or date.max, first + timedelta(days=SERIES_MAX_DAYS))
    dates: list[date | tuple[date, str]] = []
    n = 0
    while len(dates) < limit:
        if frequency == Frequency.WEEKLY:
            day = first + timedelta(weeks=interval * n)
        elif frequency == Frequency.MONTHLY:
            day = _add_months(first, interval * n)
            if day is None:
                month_start = _add_months(first.replace(day=1), interval * n)
                if month_start > last:
                    break
                dates.append((month_start, _("This month has no day %(day)s.") % {"day": first.day}))
                n += 1
                continue
        else:
            raise ValidationError({"frequency": _("Choose weekly or monthly.")})
        if day > last:
            break
        dates.append(day)
        n += 1
    return dates


@transaction.atomic
def book_series(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    first_start: datetime,
    frequency: str,
    interval: int = 1,
    until: date | None = None,
    count: int | None = None,
    by: Any = None,
    room: Room | None = None,
    notes: str = "",
    override: bool = False,
    channel: str = Channel.OFFICE,
    now: datetime | None = None,
) -> SeriesResult:
    """Book a recurring series at the same local time. Each occurrence is booked on its own; the ones
    that cannot be booked are reported in ``skipped`` and the rest stay booked."""
    tz = clinic.tzinfo
    local_first = aware(first_start).astimezone(tz)
    dates = occurrence_dates(local_first.date(), frequency, interval, until, count)
    series = AppointmentSeries.objects.create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        frequency=frequency,
        interval=interval,
        until=until,
        count=count,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    result = SeriesResult(series)
    for item in dates:
        if isinstance(item, tuple):
            result.skipped.append((item[0], item[1], []))
            continue
        start = av.local_instant(item, local_first.timetz().replace(tzinfo=None), tz)
        if start is None:
            result.skipped.append((item, _("This local time does not exist (clocks go forward)."), []))
            continue
        try:
            appointment = book_appointment(
                clinic=clinic,
                practitioner=practitioner,
                patient=patient,
                service=service,
                start=start,
                by=by,
                channel=channel,
                room=room,
                notes=notes,
                override=override,
                series=series,
                now=now,
            )
        except SlotTaken as error:
            result.skipped.append((start.astimezone(tz), error.message, error.next_slots))
        except ValidationError as error:
            result.skipped.append((start.astimezone(tz), " ".join(error.messages), []))
        else:
            result.booked.append(appointment)
    return result
