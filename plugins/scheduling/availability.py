"""The availability engine: pure functions, no database.

Inputs are plain values (working-hour rules, busy intervals, closures, the policy's limits, a time zone
and a date range); the output is the list of bookable slot starts as aware datetimes in the clinic's
time zone.

Time zones: working hours are wall-clock times, so each date's local times are built one by one and
converted. A local time that does not exist (the hour skipped when clocks go forward) is never offered as
a slot start; an ambiguous one (the hour repeated when clocks go back) always means its first occurrence
(``fold=0``). All arithmetic and comparison is done in UTC: Python compares two datetimes that share a
tzinfo by wall clock, which is wrong across a transition.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class HoursRule:
    """Working hours on one weekday (0 = Monday), valid between two dates (inclusive, open when None)."""

    weekday: int
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    def applies_on(self, day: date) -> bool:
        if day.weekday() != self.weekday:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span of time ``[start, end)``, aware datetimes."""

    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end

    def utc(self) -> Interval:
        return Interval(self.start.astimezone(UTC), self.end.astimezone(UTC))


@dataclass(frozen=True)
class Closure:
    """Days (inclusive, in the clinic's calendar) when nothing can be booked."""

    start_date: date
    end_date: date


def days(date_from: date, date_to: date) -> Iterable[date]:
    day = date_from
    while day <= date_to:
        yield day
        day += timedelta(days=1)


def is_closed(day: date, closures: Sequence[Closure]) -> bool:
    return any(c.start_date <= day <= c.end_date for c in closures)


def local_instant(day: date, at: time, tz: tzinfo) -> datetime | None:
    """The instant (UTC) the wall clock shows ``day at`` in ``tz``; None if that local time does not exist.

    Ambiguous local times resolve to their first occurrence (fold=0).
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    instant = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def boundary_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """Like ``local_instant`` for the edge of a window: a non-existent time is read with the offset in
    force before the gap, which lands just after the gap (02:30 on a spring-forward night is 03:30)."""
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def working_windows(
    rules: Sequence[HoursRule],
    tz: tzinfo,
    date_from: date,
    date_to: date,
    closures: Sequence[Closure] = (),
) -> list[Interval]:
    """Working time as disjoint UTC intervals, sorted; adjacent or overlapping rules are merged."""
    spans = []
    for day in days(date_from, date_to):
        if is_closed(day, closures):
            continue
        for rule in rules:
            if rule.applies_on(day) and rule.end > rule.start:
                start, end = boundary_instant(day, rule.start, tz), boundary_instant(day, rule.end, tz)
                if end > start:
                    spans.append(Interval(start, end))
    return merge(spans)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Disjoint, sorted UTC intervals covering the same time as ``intervals`` (touching ones joined)."""
    merged: list[Interval] = []
    for interval in sorted(i.utc() for i in intervals):
        if interval.end <= interval.start:
            continue
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


class Timeline:
    """Disjoint sorted intervals with O(log n) overlap and containment checks."""

    def __init__(self, intervals: Iterable[Interval]):
        self.intervals = merge(intervals)
        self.starts = [i.start for i in self.intervals]

    def overlaps(self, span: Interval) -> bool:
        index = bisect.bisect_right(self.starts, span.start) - 1
        if index >= 0 and self.intervals[index].end > span.start:
            return True
        return index + 1 < len(self.intervals) and self.intervals[index + 1].start < span.end

    def contains(self, span: Interval) -> bool:
        index = bisect.bisect_right(self.starts, span.start) - 1
        return index >= 0 and self.intervals[index].contains(span)


# Why a booked appointment is stranded: it lies where its practitioner no longer works.
OUTSIDE_HOURS = "outside_hours"
IN_TIME_OFF = "time_off"


def why_stranded(span: Interval, windows: Timeline, away: Timeline) -> str:
    """``IN_TIME_OFF`` or ``OUTSIDE_HOURS`` when an appointment over ``span`` lies where its practitioner is
    not working (``away`` is their time off), or "" when it is inside working time."""
    span = span.utc()
    if away.overlaps(span):
        return IN_TIME_OFF
    if not windows.contains(span):
        return OUTSIDE_HOURS
    return ""


@dataclass(frozen=True)
class Request:
    """What is being booked: its length and the buffers kept free around it."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)

    def span(self, start: datetime) -> Interval:
        start = start.astimezone(UTC)
        return Interval(start, start + self.duration)

    def occupied(self, start: datetime) -> Interval:
        span = self.span(start)
        return Interval(span.start - self.buffer_before, span.end + self.buffer_after)


def fits(
    start: datetime,
    request: Request,
    *,
    windows: Sequence[Interval] | Timeline | None,
    blocked: Sequence[Interval] | Timeline,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> bool:
    """Whether an appointment starting at ``start`` lies inside working time (unless ``windows`` is None),
    inside the booking window, and keeps its buffers clear of ``blocked`` time."""
    span = request.span(start)
    if not_before is not None and span.start < not_before:
        return False
    if not_after is not None and span.start > not_after:
        return False
    if windows is not None:
        windows = windows if isinstance(windows, Timeline) else Timeline(windows)
        if not windows.contains(span):
            return False
    blocked = blocked if isinstance(blocked, Timeline) else Timeline(blocked)
    return not blocked.overlaps(request.occupied(start))


def compute_slots(
    *,
    rules: Sequence[HoursRule],
    tz: tzinfo,
    date_from: date,
    date_to: date,
    request: Request,
    granularity: timedelta,
    busy: Sequence[Interval] = (),
    time_off: Sequence[Interval] = (),
    closures: Sequence[Closure] = (),
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    limit: int | None = None,
) -> list[datetime]:
    """Bookable slot starts between two local dates (inclusive), in ``tz``, sorted.

    Candidate starts step by ``granularity`` in wall-clock time from each working-hours rule's start. A
    slot is offered when its local start exists, the appointment lies inside working time, it starts
    within ``[not_before, not_after]``, and its span widened by the buffers touches no busy interval
    (other appointments' occupied spans) and no time off.
    """
    if granularity <= timedelta(0) or request.duration <= timedelta(0):
        return []
    windows = Timeline(working_windows(rules, tz, date_from, date_to, closures))
    blocked = Timeline([*busy, *time_off])
    step = int(granularity.total_seconds() // 60) or 1
    found: set[datetime] = set()
    for day in days(date_from, date_to):
        if is_closed(day, closures):
            continue
        for rule in rules:
            if not rule.applies_on(day):
                continue
            first = rule.start.hour * 60 + rule.start.minute
            last = rule.end.hour * 60 + rule.end.minute
            for minute in range(first, last, step):
                instant = local_instant(day, time(minute // 60, minute % 60), tz)
                if instant is None or instant in found:
                    continue
                if fits(
                    instant,
                    request,
                    windows=windows,
                    blocked=blocked,
                    not_before=not_before,
                    not_after=not_after,
                ):
                    found.add(instant)
    slots = [instant.astimezone(tz) for instant in sorted(found)]
    return slots[:limit] if limit is not None else slots
