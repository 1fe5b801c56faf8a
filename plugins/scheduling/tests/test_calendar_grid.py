"""The calendar's time grid, built without a database: rows follow the wall clock (also on the days the
clocks change), hours span the working hours of the shown days, cells are free, booked or off, and
appointments that may overlap sit side by side."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plugins.scheduling import availability as av
from plugins.scheduling.calendar.grid import BOOKED, FREE, OFF, Entry, build_grid, grid_hours

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2031, 3, 3)
SPRING_FORWARD = date(2031, 3, 9)  # a Sunday: 02:00 becomes 03:00 in New York
FALL_BACK = date(2031, 11, 2)  # a Sunday: 02:00 becomes 01:00 again


def every_day(start, end):
    return [av.HoursRule(weekday, time(start), time(end)) for weekday in range(7)]


def local(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


def entry(pk, start, minutes, item=None, practitioner=1):
    """An appointment lasting ``minutes`` of real time (arithmetic in UTC, as the database keeps it)."""
    end = start.astimezone(UTC) + timedelta(minutes=minutes)
    return Entry(practitioner, start, end, item or pk)


def one_day(day, *, rules=None, entries=(), step=15, hours=None, time_off=None):
    return build_grid(
        days=[day],
        practitioners=[(1, "Dr Lee")],
        tz=NEW_YORK,
        step=step,
        rules={1: every_day(8, 18) if rules is None else rules},
        time_off=time_off,
        entries=entries,
        hours=hours,
    )


def cell_at(column, label):
    return next(c for c in column.cells if c.label == label)


def test_rows_span_working_hours_padded_to_whole_hours_at_the_clinic_step():
    rules = {1: [av.HoursRule(0, time(9, 30), time(12))], 2: [av.HoursRule(0, time(13), time(16, 45))]}
    grid = build_grid(days=[MONDAY], practitioners=[(1, "A"), (2, "B")], tz=NEW_YORK, step=30, rules=rules)
    assert (grid.first_minute, grid.last_minute) == (9 * 60, 17 * 60)
    assert [r.label for r in grid.rows][:3] == ["09:00", "09:30", "10:00"]
    assert grid.row_count == 16 and grid.rows[2].is_hour and not grid.rows[1].is_hour
    a, b = grid.columns
    assert cell_at(a, "09:00").state == OFF and cell_at(a, "09:30").state == FREE
    assert cell_at(a, "12:00").state == OFF and cell_at(b, "16:30").state == FREE


def test_nobody_working_falls_back_to_eight_to_six():
    grid = one_day(MONDAY, rules=[])
    assert (grid.first_minute, grid.last_minute) == (8 * 60, 18 * 60)
    assert {c.state for c in grid.columns[0].cells} == {OFF}
    assert not grid.columns[0].works


def test_hours_widen_so_no_appointment_is_hidden():
    assert grid_hours([MONDAY], every_day(8, 18), [(20 * 60 + 15, 21 * 60)]) == (8 * 60, 21 * 60)
    late = Entry(1, local(MONDAY, 20, 15), local(MONDAY, 21), "late")
    grid = one_day(MONDAY, entries=[late])
    assert (grid.first_minute, grid.last_minute) == (8 * 60, 21 * 60)
    assert grid.columns[0].blocks[0].row_start == 12 * 4 + 2


def test_appointment_spans_its_rows_and_its_cells_are_booked():
    grid = one_day(MONDAY, entries=[entry("a", local(MONDAY, 10, 30), 45)])
    column = grid.columns[0]
    (block,) = column.blocks
    assert (block.row_start, block.row_end) == (11, 14)  # 10:30 is row 11; three 15-minute rows
    assert [c.state for c in column.cells[9:14]] == [FREE, BOOKED, BOOKED, BOOKED, FREE]
    assert (block.lane, block.lanes, block.starts_before, block.ends_after) == (0, 1, False, False)


def test_appointment_crossing_the_grid_edge_is_clipped_and_marked():
    early = entry("early", local(MONDAY, 7, 30), 60)
    late = entry("late", local(MONDAY, 17, 30), 60)
    grid = one_day(MONDAY, entries=[early, late], hours=(8 * 60, 18 * 60))
    blocks = {b.item: b for b in grid.columns[0].blocks}
    assert (blocks["early"].row_start, blocks["early"].row_end) == (1, 3)
    assert blocks["early"].starts_before and not blocks["early"].ends_after
    assert (blocks["late"].row_start, blocks["late"].row_end) == (39, 41)
    assert blocks["late"].ends_after and grid.columns[0].cells[-1].state == BOOKED


def test_appointment_past_midnight_stops_at_the_end_of_the_day():
    grid = one_day(MONDAY, rules=every_day(8, 23), entries=[entry("night", local(MONDAY, 23, 30), 60)])
    assert grid.last_minute == 24 * 60
    (block,) = grid.columns[0].blocks
    assert block.row_end == grid.row_count + 1 and block.ends_after


def test_overlapping_allowed_appointments_sit_side_by_side():
    a = entry("a", local(MONDAY, 9), 60)
    b = entry("b", local(MONDAY, 9, 30), 30)
    c = entry("c", local(MONDAY, 9, 45), 30)
    alone = entry("alone", local(MONDAY, 14), 30)
    grid = one_day(MONDAY, entries=[alone, c, b, a])
    column = grid.columns[0]
    blocks = {x.item: x for x in column.blocks}
    assert (blocks["a"].lane, blocks["b"].lane, blocks["c"].lane) == (0, 1, 2)
    assert {blocks[k].lanes for k in "abc"} == {3}
    assert (blocks["alone"].lane, blocks["alone"].lanes) == (0, 1)
    assert column.lanes == 3


def test_a_freed_lane_is_reused_within_a_cluster():
    long = entry("long", local(MONDAY, 9), 120)
    first = entry("first", local(MONDAY, 9), 30)
    second = entry("second", local(MONDAY, 10), 30)
    blocks = {b.item: b for b in one_day(MONDAY, entries=[long, first, second]).columns[0].blocks}
    assert (blocks["long"].lane, blocks["first"].lane, blocks["second"].lane) == (0, 1, 1)
    assert blocks["second"].lanes == 2


def test_spring_forward_day_keeps_wall_clock_rows_and_skips_the_missing_hour():
    rules = [av.HoursRule(6, time(0), time(6))]  # a night clinic, Sundays
    nine_utc = datetime(2031, 3, 9, 9, 0, tzinfo=UTC)  # 05:00 EDT on that day
    grid = one_day(
        SPRING_FORWARD, rules=rules, entries=[Entry(1, nine_utc, nine_utc + timedelta(minutes=30), "x")]
    )
    column = grid.columns[0]
    assert (grid.first_minute, grid.last_minute) == (0, 6 * 60)
    assert [cell_at(column, t).state for t in ("01:45", "02:00", "02:45", "03:00")] == [FREE, OFF, OFF, FREE]
    (block,) = column.blocks
    assert block.row_start == 5 * 4 + 1  # drawn at 05:00 on the wall clock, not at 04:00


def test_appointment_over_the_skipped_hour_spans_its_wall_clock():
    rules = [av.HoursRule(6, time(0), time(6))]
    start = local(SPRING_FORWARD, 1, 30)
    grid = one_day(SPRING_FORWARD, rules=rules, entries=[entry("x", start, 60)])
    (block,) = grid.columns[0].blocks
    assert (block.row_start, block.row_end) == (7, 15)  # 01:30 to 03:30


def test_fall_back_day_keeps_real_length_over_the_repeated_hour():
    rules = [av.HoursRule(6, time(0), time(6))]
    start = datetime(2031, 11, 2, 1, 30, tzinfo=NEW_YORK)  # the first 01:30
    grid = one_day(FALL_BACK, rules=rules, entries=[entry("x", start, 60)])
    (block,) = grid.columns[0].blocks
    assert (block.row_start, block.row_end) == (7, 11)  # 01:30 to 02:30 on the wall clock
    assert grid.row_count == 24


def test_time_off_and_closures_shade_cells():
    off = [av.Interval(local(MONDAY, 12), local(MONDAY, 13, 10))]
    grid = one_day(MONDAY, time_off={1: off})
    column = grid.columns[0]
    assert [cell_at(column, t).state for t in ("11:45", "12:00", "13:00", "13:15")] == [FREE, OFF, OFF, FREE]
    closed = build_grid(
        days=[MONDAY, MONDAY + timedelta(days=1)],
        practitioners=[(1, "Dr Lee")],
        tz=NEW_YORK,
        step=15,
        rules={1: every_day(8, 18)},
        closures=[av.Closure(MONDAY, MONDAY)],
    )
    monday, tuesday = closed.columns
    assert not monday.works and {c.state for c in monday.cells} == {OFF}
    assert tuesday.works and cell_at(tuesday, "08:00").state == FREE


def test_week_of_one_practitioner_has_a_column_per_day_with_their_blocks():
    days = [MONDAY + timedelta(days=n) for n in range(7)]
    wednesday = entry("wed", local(days[2], 9), 30)
    other = entry("other", local(days[2], 9), 30, practitioner=2)
    grid = build_grid(
        days=days,
        practitioners=[(1, "Dr Lee")],
        tz=NEW_YORK,
        step=30,
        rules={1: every_day(8, 18)},
        entries=[wednesday, other],
    )
    assert [c.day for c in grid.columns] == days
    assert [b.item for c in grid.columns for b in c.blocks] == ["wed"]
