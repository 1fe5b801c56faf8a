"""Recurring series: weekly or monthly appointments at the same local time.

A series is booked whole or not at all: every date is checked first (series_plan), and when one cannot be
booked as asked nothing is written and the caller gets the dates with their reasons, to choose for each
one (skip it, or another time that day) and send the series again with those choices."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, Membership

from ..models import Appointment, AppointmentSeries, Channel, Frequency, Room, Service
from ..selectors import booking_policy
from .booking import book_appointment
from .checks import aware
from .conflicts import SlotTaken
from .diary_locks import lock_diaries, with_retries
from .series_plan import Occurrence, SeriesConflicts, SeriesPlan, plan_series

SERIES_MAX_OCCURRENCES = 52
SERIES_MAX_DAYS = 366


@dataclass
class SeriesResult:
    series: AppointmentSeries
    booked: list[Appointment] = field(default_factory=list)
    # The dates the office chose to leave out.
    skipped: list[Occurrence] = field(default_factory=list)


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
    choices: dict[date, str | time] | None = None,
) -> SeriesResult:
    """Book a recurring series at the same local time, all of it or nothing.

    ``choices`` are the office's answers for dates that could not be booked: ``"skip"`` or another local
    time that day. Any date still refused — one never answered for, or one taken since the office saw the
    dates — raises ``SeriesConflicts`` with the dates as they now stand, and nothing is written."""
    now = now or timezone.now()
    local_first = aware(first_start).astimezone(clinic.tzinfo)
    dates = occurrence_dates(local_first.date(), frequency, interval, until, count)

    def attempt() -> SeriesResult:
        with transaction.atomic():
            # The diaries stay locked from the check to the last booking: no one books in between.
            lock_diaries([practitioner.pk], [room.pk if room is not None else None])
            plan = plan_series(
                clinic=clinic,
                practitioner=practitioner,
                service=service,
                dates=dates,
                at=local_first.time(),
                room=room,
                override=override,
                now=now,
                policy=booking_policy(clinic),
                choices=choices,
            )
            if plan.conflicts:
                raise SeriesConflicts(plan)
            if not plan.to_book:
                raise ValidationError(_("Every date of this series is skipped: there is nothing to book."))
            series = AppointmentSeries.objects.create(
                organization_id=clinic.organization_id,
                clinic=clinic,
                frequency=frequency,
                interval=interval,
                until=until,
                count=count,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            booked = _book_each(
                plan, series, clinic, practitioner, patient, service, by, channel, room, notes, override, now
            )
            return SeriesResult(series, booked, plan.skipped)

    def give_up() -> SlotTaken:
        return SlotTaken(_("Someone else is booking this practitioner right now. Try again."), [])

    return with_retries(attempt, give_up)


def _book_each(
    plan: SeriesPlan,
    series: AppointmentSeries,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    by: Any,
    channel: str,
    room: Room | None,
    notes: str,
    override: bool,
    now: datetime,
) -> list[Appointment]:
    """Book every date the plan found free; a date refused even so (a module's veto, say) is added to the
    plan's conflicts, and then nothing of the series stays written."""
    booked = []
    for occurrence in plan.to_book:
        try:
            booked.append(
                book_appointment(
                    clinic=clinic,
                    practitioner=practitioner,
                    patient=patient,
                    service=service,
                    start=occurrence.start,
                    by=by,
                    channel=channel,
                    room=room,
                    notes=notes,
                    override=override,
                    series=series,
                    now=now,
                )
            )
        except SlotTaken as error:
            occurrence.problem = error.message
            occurrence.alternatives = [s.start for s in error.next_slots if s.start.date() == occurrence.day]
        except ValidationError as error:
            occurrence.problem = " ".join(error.messages)
    if plan.conflicts:
        raise SeriesConflicts(plan)
    return booked
