"""The back-office calendar as a time grid, built once per page in plain Python (no database, no
templates): rows are the clinic's slot steps in wall-clock time, columns are (day, practitioner) pairs,
each cell is free, booked, buffer (kept clear around an appointment) or off (outside working hours, time
off, a closure, a local time that does not exist, busy at another clinic), and each appointment is a block
spanning its rows, in a lane of its own where appointments that are allowed to overlap share time.

A cell is free exactly when the availability engine would take a booking of one slot step starting there
(``av.fits`` with the same working time, busy time and time off), so the calendar never offers a time the
booking then refuses.

Wall-clock rows: a clinic's day reads 08:00 to 18:00 on every date, including the days clocks change.
An appointment is placed by its local start and end; across the hour skipped in spring it spans its wall
clock (01:30 to 03:30 for an hour), across the hour repeated in autumn it keeps its real length.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from .. import availability as av

DAY_MINUTES = 24 * 60
DEFAULT_HOURS = (8 * 60, 18 * 60)

FREE = "free"
BOOKED = "booked"
OFF = "off"
BUFFER = "buffer"

# Why an appointment is stranded: booked where its practitioner no longer works (see the engine).
OUTSIDE_HOURS = av.OUTSIDE_HOURS
IN_TIME_OFF = av.IN_TIME_OFF


@dataclass(frozen=True)
class Entry:
    """An appointment as the grid sees it; ``item`` is handed back untouched on its block."""

    practitioner_id: int
    start: datetime
    end: datetime
    item: Any = None
    # The span kept clear around it (its service's buffers); None when it has no buffers.
    occupied_start: datetime | None = None
    occupied_end: datetime | None = None


@dataclass
class Buffer:
    """Time kept clear before or after an appointment, drawn as a shaded band."""

    row_start: int
    row_end: int
    minutes: int
    after: bool  # after the appointment (else before it)


@dataclass
class Block:
    item: Any
    row_start: int  # first grid row line (1-based, CSS grid numbering)
    row_end: int  # the line the block stops at (exclusive)
    lane: int = 0
    lanes: int = 1
    starts_before: bool = False  # begins before the first row (drawn from the top edge)
    ends_after: bool = False  # runs past the last row
    start_minute: int = 0  # wall-clock minutes after the day's midnight
    end_minute: int = 0
    buffers: list[Buffer] = field(default_factory=list)
    stranded: str = ""  # OUTSIDE_HOURS or IN_TIME_OFF when booked where the practitioner is not working


@dataclass
class Cell:
    row: int  # 1-based grid row
    minute: int  # minutes after local midnight
    label: str  # "10:30"
    state: str  # FREE, BOOKED, BUFFER or OFF


@dataclass
class Column:
    day: date
    practitioner: Any
    cells: list[Cell] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    lanes: int = 1
    works: bool = False  # any working time on this day


@dataclass(frozen=True)
class Row:
    row: int
    minute: int
    label: str
    is_hour: bool


@dataclass
class Grid:
    days: list[date]
    step: int
    first_minute: int
    last_minute: int
    rows: list[Row]
    columns: list[Column]

    @property
    def row_count(self) -> int:
        return len(self.rows)


def clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def wall_minute(moment: datetime, day: date, tz: tzinfo) -> int:
    """Minutes after ``day``'s local midnight that the wall clock shows at ``moment`` (negative before
    the day, past 1440 after it; whole days counted by date, not by elapsed time)."""
    local = moment.astimezone(tz)
    return (local.date() - day).days * DAY_MINUTES + local.hour * 60 + local.minute


def entry_span(entry: Entry, day: date, tz: tzinfo) -> tuple[int, int]:
    """Wall-clock minutes ``[start, end)`` of an appointment on ``day``'s grid (see the module notes)."""
    start = wall_minute(entry.start, day, tz)
    end = wall_minute(entry.end, day, tz)
    real = int((entry.end - entry.start).total_seconds() // 60)
    return start, max(end, start + real)


def working_ranges(rules: Iterable[av.HoursRule], day: date) -> list[tuple[int, int]]:
    """The wall-clock minute ranges of the rules that apply on ``day``, merged."""
    spans = sorted(
        (r.start.hour * 60 + r.start.minute, r.end.hour * 60 + r.end.minute)
        for r in rules
        if r.applies_on(day) and r.end > r.start
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def grid_hours(
    days: Sequence[date],
    rules: Iterable[av.HoursRule],
    spans: Iterable[tuple[int, int]] = (),
    *,
    closures: Sequence[av.Closure] = (),
    default: tuple[int, int] = DEFAULT_HOURS,
) -> tuple[int, int]:
    """First and last minute of the grid: from the earliest start to the latest end of the working hours
    that apply on the shown days, widened so no shown appointment (``spans``: wall-clock minutes on its
    own day, see ``entry_span``) falls outside, padded to whole hours; ``default`` (08:00-18:00) when
    nobody works and nothing is booked."""
    rules = list(rules)
    first, last = DAY_MINUTES, 0
    for day in days:
        if av.is_closed(day, closures):
            continue
        for start, end in working_ranges(rules, day):
            first, last = min(first, start), max(last, end)
    for start, end in spans:
        first, last = min(first, start), max(last, min(end, DAY_MINUTES))
    if first >= last:
        return default
    first = first // 60 * 60
    last = min(DAY_MINUTES, -(-last // 60) * 60)
    return first, last


def _row_at_or_after(minute: int, first: int, step: int) -> int:
    """Index of the first row starting at or after ``minute`` (may be past the last row)."""
    return max(0, -(-(minute - first) // step))


def _lay_out(blocks: list[Block]) -> int:
    """Give overlapping blocks side-by-side lanes; each cluster of mutually reachable overlaps shares its
    lane count. Returns the most lanes any cluster needs."""
    blocks.sort(key=lambda b: (b.row_start, -b.row_end))
    widest = 1
    cluster: list[Block] = []
    lane_ends: list[int] = []
    cluster_end = 0

    def close() -> None:
        for member in cluster:
            member.lanes = len(lane_ends)

    for block in blocks:
        if cluster and block.row_start >= cluster_end:
            close()
            widest = max(widest, len(lane_ends))
            cluster, lane_ends = [], []
        for lane, end in enumerate(lane_ends):
            if end <= block.row_start:
                lane_ends[lane] = block.row_end
                block.lane = lane
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.row_end)
        cluster.append(block)
        cluster_end = max(cluster_end, block.row_end) if len(cluster) > 1 else block.row_end
    if cluster:
        close()
        widest = max(widest, len(lane_ends))
    return widest


def build_grid(
    *,
    days: Sequence[date],
    practitioners: Sequence[tuple[int, Any]],
    tz: tzinfo,
    step: int,
    rules: dict[int, list[av.HoursRule]],
    time_off: dict[int, list[av.Interval]] | None = None,
    closures: Sequence[av.Closure] = (),
    entries: Iterable[Entry] = (),
    busy: dict[int, list[av.Interval]] | None = None,
    hours: tuple[int, int] | None = None,
) -> Grid:
    """The grid for ``days`` x ``practitioners`` (``(membership id, anything)`` pairs, in column order).

    ``rules``, ``time_off`` and ``busy`` (the occupied spans the engine counts, at any clinic; left out for
    someone allowed to overlap) are keyed by membership id; ``entries`` are the appointments to draw
    (those of practitioners not listed are left out). ``hours`` fixes the first and last minute; by default
    ``grid_hours`` decides. A column's days follow ``days``: one practitioner per column group.
    """
    step = max(1, int(step))
    time_off = time_off or {}
    busy = busy or {}
    one_step = av.Request(timedelta(minutes=step))
    shown = {pk for pk, _ in practitioners}
    # Each appointment's local day and wall-clock span, worked out once.
    by_column: dict[tuple[date, int], list[tuple[int, int, Entry]]] = {}
    for entry in entries:
        if entry.practitioner_id not in shown:
            continue
        day = entry.start.astimezone(tz).date()
        start, end = entry_span(entry, day, tz)
        by_column.setdefault((day, entry.practitioner_id), []).append((start, end, entry))
    if hours is None:
        all_rules = [rule for pk in shown for rule in rules.get(pk, ())]
        spans = [(start, end) for found in by_column.values() for start, end, _entry in found]
        hours = grid_hours(days, all_rules, spans, closures=closures)
    first, last = hours
    minutes = list(range(first, last, step))
    rows = [Row(i + 1, m, clock(m), m % 60 == 0) for i, m in enumerate(minutes)]
    count = len(rows)

    columns = []
    for day in days:
        # Each row's instant on this date; None where the local time does not exist (clocks go forward).
        instants = [
            av.local_instant(day, time(m // 60, m % 60), tz) if m < DAY_MINUTES else None for m in minutes
        ]
        for pk, practitioner in practitioners:
            column = Column(day, practitioner)
            day_rules = rules.get(pk, ())
            windows = av.Timeline(av.working_windows(day_rules, tz, day, day, closures))
            away = av.Timeline(time_off.get(pk, ()))
            blocked = av.Timeline([*busy.get(pk, ()), *time_off.get(pk, ())])
            column.works = bool(windows.intervals)
            states = [
                FREE
                if instant is not None and av.fits(instant, one_step, windows=windows, blocked=blocked)
                else OFF
                for instant in instants
            ]
            for start, end, entry in by_column.get((day, pk), ()):
                row_start = min(max((start - first) // step, 0), count - 1)
                row_end = min(max(_row_at_or_after(end, first, step), row_start + 1), count)
                block = Block(
                    entry.item,
                    row_start + 1,
                    row_end + 1,
                    starts_before=start < first,
                    ends_after=end > last,
                    start_minute=start,
                    end_minute=end,
                    stranded=av.why_stranded(av.Interval(entry.start, entry.end), windows, away),
                )
                block.buffers = _buffers(entry, day, tz, first, step, count, states)
                column.blocks.append(block)
                for index in range(row_start, row_end):
                    states[index] = BOOKED
            column.lanes = _lay_out(column.blocks)
            column.cells = [Cell(i + 1, minutes[i], rows[i].label, states[i]) for i in range(count)]
            columns.append(column)
    return Grid(list(days), step, first, last, rows, columns)


def _buffers(entry: Entry, day: date, tz: tzinfo, first: int, step: int, count: int, states) -> list[Buffer]:
    """The shaded bands of ``entry``'s buffers; the cells they cover that are not free turn BUFFER."""
    bands = []
    sides = (
        (entry.occupied_start, entry.start, False),
        (entry.end, entry.occupied_end, True),
    )
    for begins, ends, after in sides:
        if begins is None or ends is None or ends <= begins:
            continue
        start, end = wall_minute(begins, day, tz), wall_minute(ends, day, tz)
        row_start = max((start - first) // step, 0)
        row_end = min(_row_at_or_after(end, first, step), count)
        if row_start >= row_end:
            continue
        bands.append(Buffer(row_start + 1, row_end + 1, int((ends - begins).total_seconds() // 60), after))
        for index in range(row_start, row_end):
            if states[index] == OFF:
                states[index] = BUFFER
    return bands
