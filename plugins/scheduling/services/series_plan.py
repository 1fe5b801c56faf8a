"""Checking every date of a recurring series before anything is booked: which dates are free at the series'
time, which are not and why (in why_taken's words), and the nearest free times on each refused day, so the
office can decide date by date — skip it, take another time that day, or drop the whole series."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic, Membership

from .. import availability as av
from ..models import ACTIVE_STATUSES, Appointment, BookingPolicy, Room, Service
from ..selectors import AvailabilityInputs, load_inputs, slots_from_inputs
from .checks import OUTSIDE_HOURS, OUTSIDE_WINDOW, TAKEN, problem_message, time_problem
from .why_taken import why_taken

# How many other times of the same day are offered for a refused date.
ALTERNATIVES = 4
SKIP = "skip"


@dataclass
class Occurrence:
    """One date of the series: when it would be booked, and what stands in the way (empty when free)."""

    day: date
    start: datetime | None  # in the clinic's time zone; None when the day has no such time
    problem: str = ""
    alternatives: list[datetime] = field(default_factory=list)
    skipped: bool = False  # the office chose to leave this date out
    moved: bool = False  # the office chose another time that day

    @property
    def key(self) -> str:
        """The name the office's choice for this date is sent under."""
        return self.day.isoformat()


@dataclass
class SeriesPlan:
    occurrences: list[Occurrence]

    @property
    def conflicts(self) -> list[Occurrence]:
        """Dates that cannot be booked as they stand and that the office has not chosen to skip."""
        return [o for o in self.occurrences if o.problem and not o.skipped]

    @property
    def to_book(self) -> list[Occurrence]:
        return [o for o in self.occurrences if not o.skipped and not o.problem]

    @property
    def skipped(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.skipped]


class SeriesConflicts(Exception):
    """Some dates of the series cannot be booked as asked: nothing was booked; ``plan`` says which and why."""

    def __init__(self, plan: SeriesPlan):
        super().__init__(_("Some dates of this series cannot be booked as asked."))
        self.plan = plan


def parse_choices(raw: dict[str, str]) -> dict[date, str | time]:
    """The office's choice for each date (``"YYYY-MM-DD" -> "skip" or "HH:MM"``), checked; a
    ``ValidationError`` for anything else, so a tampered form gets a message, not a server error."""
    choices: dict[date, str | time] = {}
    for key, value in raw.items():
        try:
            day = date.fromisoformat(key)
            choices[day] = SKIP if value == SKIP else time.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                _("Choose, for each date, to skip it or one of the times offered.")
            ) from None
    return choices


def plan_series(
    *,
    clinic: Clinic,
    practitioner: Membership,
    service: Service,
    dates: list[date | tuple[date, str]],
    at: time,
    room: Room | None,
    override: bool,
    now: datetime,
    policy: BookingPolicy | None = None,
    choices: dict[date, str | time] | None = None,
) -> SeriesPlan:
    """Check each date of the series (``at`` local time, or the time chosen for that date) with the
    availability engine, from one loading of its inputs over the whole series; the refused dates carry
    the reason and the nearest free times that day. Reads only."""
    choices = choices or {}
    tz = clinic.tzinfo
    occurrences = []
    for item in dates:
        day, reason = item if isinstance(item, tuple) else (item, "")
        choice = choices.get(day)
        wanted = choice if isinstance(choice, time) else at
        start = None if reason else av.local_instant(day, wanted, tz)
        if start is None and not reason:
            reason = _("This local time does not exist (clocks go forward).")
        occurrences.append(
            Occurrence(
                day=day,
                start=start.astimezone(tz) if start else None,
                problem=reason,
                skipped=choice == SKIP,
                moved=isinstance(choice, time) and wanted != at,
            )
        )
    plan = SeriesPlan(occurrences)
    days = [o.day for o in occurrences]
    if not days:
        return plan
    inputs = load_inputs(
        clinic,
        service,
        [practitioner.pk],
        min(days) - timedelta(days=1),
        max(days) + timedelta(days=1),
        policy=policy,
    )
    room_busy = _room_busy(clinic, room, inputs)
    for occurrence in occurrences:
        if occurrence.skipped or occurrence.start is None:
            continue
        problem = time_problem(inputs, practitioner.pk, occurrence.start, override=override, now=now)
        if problem is None and _room_taken(room_busy, occurrence.start, service):
            occurrence.problem = _("The room %(room)s is booked at this time.") % {"room": room.name}
        elif problem in (OUTSIDE_HOURS, OUTSIDE_WINDOW):
            occurrence.problem = problem_message(problem)
        elif problem == TAKEN:
            occurrence.problem = why_taken(
                practitioner_id=practitioner.pk,
                organization_id=clinic.organization_id,
                service=service,
                start=occurrence.start,
                tz=tz,
            )
    for occurrence in plan.conflicts:
        occurrence.alternatives = nearest_free_times(
            inputs, occurrence, at, room_busy, override=override, now=now
        )
    return plan


def nearest_free_times(
    inputs: AvailabilityInputs,
    occurrence: Occurrence,
    at: time,
    room_busy: list[av.Interval],
    *,
    override: bool,
    now: datetime,
) -> list[datetime]:
    """The free times of the occurrence's day closest to the series' time, earliest first."""
    one_day = dataclasses.replace(inputs, date_from=occurrence.day, date_to=occurrence.day)
    tz = inputs.clinic.tzinfo
    wanted = datetime.combine(occurrence.day, at, tzinfo=tz)
    free = [
        slot.start
        for slot in slots_from_inputs(one_day, now=None if override else now)
        if not _room_taken(room_busy, slot.start, inputs.service)
    ]
    nearest = sorted(free, key=lambda start: (abs(start - wanted), start))[:ALTERNATIVES]
    return sorted(nearest)


def _room_busy(clinic: Clinic, room: Room | None, inputs: AvailabilityInputs) -> list[av.Interval]:
    """When the room is in use over the series, by anyone (the room's own constraint: no buffers)."""
    if room is None:
        return []
    tz = clinic.tzinfo
    start = datetime.combine(inputs.date_from, time(0), tzinfo=tz)
    end = datetime.combine(inputs.date_to + timedelta(days=1), time(0), tzinfo=tz)
    rows = Appointment.objects.filter(
        organization_id=clinic.organization_id,
        room=room,
        status__in=ACTIVE_STATUSES,
        start__lt=end,
        end__gt=start,
    ).values_list("start", "end")
    return [av.Interval(s, e) for s, e in rows]


def _room_taken(room_busy: list[av.Interval], start: datetime, service: Service) -> bool:
    end = start + service.duration
    return any(busy.start < end and start < busy.end for busy in room_busy)
