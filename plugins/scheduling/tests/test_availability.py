"""The availability engine, without a database: properties checked with generated inputs, and DST."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.scheduling import availability as av

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
ZONES = [NEW_YORK, BERLIN, ZoneInfo("UTC"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]
FIRST_DAY = date(2031, 3, 1)


@st.composite
def hours_rules(draw):
    start = draw(st.integers(0, 23 * 60))
    end = draw(st.integers(start + 5, 24 * 60 - 1))
    return av.HoursRule(
        weekday=draw(st.integers(0, 6)),
        start=time(start // 60, start % 60),
        end=time(end // 60, end % 60),
        valid_from=draw(st.none() | st.dates(date(2031, 2, 20), date(2031, 3, 10))),
        valid_until=draw(st.none() | st.dates(date(2031, 3, 5), date(2031, 4, 30))),
    )


@st.composite
def intervals(draw):
    start = datetime(2031, 3, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(-1440, 20 * 1440)))
    return av.Interval(start, start + timedelta(minutes=draw(st.integers(1, 600))))


@st.composite
def scenarios(draw):
    return {
        "rules": draw(st.lists(hours_rules(), max_size=6)),
        "tz": draw(st.sampled_from(ZONES)),
        "date_from": FIRST_DAY + timedelta(days=draw(st.integers(0, 10))),
        "span": draw(st.integers(0, 14)),
        "request": av.Request(
            timedelta(minutes=draw(st.integers(5, 180))),
            timedelta(minutes=draw(st.integers(0, 30))),
            timedelta(minutes=draw(st.integers(0, 30))),
        ),
        "granularity": timedelta(minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60]))),
        "busy": draw(st.lists(intervals(), max_size=15)),
        "time_off": draw(st.lists(intervals(), max_size=4)),
        "closures": [
            av.Closure(d, d + timedelta(days=draw(st.integers(0, 3))))
            for d in draw(st.lists(st.dates(FIRST_DAY, FIRST_DAY + timedelta(days=25)), max_size=2))
        ],
        "not_before": draw(st.none() | st.builds(lambda i: i.start, intervals())),
    }


def run(s):
    return av.compute_slots(
        rules=s["rules"],
        tz=s["tz"],
        date_from=s["date_from"],
        date_to=s["date_from"] + timedelta(days=s["span"]),
        request=s["request"],
        granularity=s["granularity"],
        busy=s["busy"],
        time_off=s["time_off"],
        closures=s["closures"],
        not_before=s["not_before"],
    )


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_no_slot_overlaps_busy_time_or_time_off_or_leaves_working_hours(s):
    slots = run(s)
    tz, request = s["tz"], s["request"]
    windows = av.working_windows(
        s["rules"], tz, s["date_from"], s["date_from"] + timedelta(days=s["span"]), s["closures"]
    )
    assert slots == sorted(slots, key=lambda d: d.astimezone(UTC))
    assert len({d.astimezone(UTC) for d in slots}) == len(slots)
    for slot in slots:
        assert slot.tzinfo is tz
        span, occupied = request.span(slot), request.occupied(slot)
        # Inside one working window (as wall-clock hours were converted on that date).
        assert any(w.contains(span) for w in windows), slot
        # Its local time is one that exists and its local date is not closed.
        local = slot.astimezone(tz)
        assert av.local_instant(local.date(), local.time(), tz) == slot.astimezone(UTC)
        assert not av.is_closed(local.date(), s["closures"])
        # Buffers included, it touches no busy interval and no time off.
        for busy in [*s["busy"], *s["time_off"]]:
            assert not occupied.overlaps(busy), (slot, busy)
        if s["not_before"] is not None:
            assert span.start >= s["not_before"]


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_free_grid_time_is_offered(s):
    """Completeness: a grid time that fits and is free is returned (the engine drops nothing valid)."""
    slots = {d.astimezone(UTC) for d in run(s)}
    tz = s["tz"]
    windows = av.working_windows(
        s["rules"], tz, s["date_from"], s["date_from"] + timedelta(days=s["span"]), s["closures"]
    )
    blocked = [*s["busy"], *s["time_off"]]
    for day in av.days(s["date_from"], s["date_from"] + timedelta(days=s["span"])):
        if av.is_closed(day, s["closures"]):
            continue
        for rule in s["rules"]:
            if not rule.applies_on(day):
                continue
            minute = rule.start.hour * 60 + rule.start.minute
            instant = av.local_instant(day, time(minute // 60, minute % 60), tz)
            if instant is None:
                continue
            if av.fits(instant, s["request"], windows=windows, blocked=blocked, not_before=s["not_before"]):
                assert instant in slots


def nine_to_five_every_day():
    return [av.HoursRule(weekday=d, start=time(9), end=time(17)) for d in range(7)]


def hourly(tz, day, rules, minutes=60):
    return av.compute_slots(
        rules=rules,
        tz=tz,
        date_from=day,
        date_to=day,
        request=av.Request(timedelta(minutes=minutes)),
        granularity=timedelta(minutes=60),
    )


def test_new_york_spring_forward_skips_the_missing_hour():
    # 9 March 2031: 02:00 EST jumps to 03:00 EDT.
    rules = [av.HoursRule(weekday=6, start=time(0), end=time(5))]
    slots = hourly(NEW_YORK, date(2031, 3, 9), rules)
    assert [(s.hour, s.utcoffset()) for s in slots] == [
        (0, timedelta(hours=-5)),
        (1, timedelta(hours=-5)),
        (3, timedelta(hours=-4)),
        (4, timedelta(hours=-4)),
    ]
    # Every slot is a real hour long in absolute time.
    assert all(
        (s + timedelta(hours=1)).astimezone(UTC) - s.astimezone(UTC) == timedelta(hours=1) for s in slots
    )


def test_new_york_fall_back_uses_the_first_occurrence_of_the_repeated_hour():
    # 2 November 2031: 02:00 EDT falls back to 01:00 EST; 01:00 happens twice.
    rules = [av.HoursRule(weekday=6, start=time(0), end=time(4))]
    slots = hourly(NEW_YORK, date(2031, 11, 2), rules)
    assert [(s.hour, s.fold, s.utcoffset()) for s in slots] == [
        (0, 0, timedelta(hours=-4)),
        (1, 0, timedelta(hours=-4)),
        (2, 0, timedelta(hours=-5)),
        (3, 0, timedelta(hours=-5)),
    ]
    # The working window is 00:00 EDT to 04:00 EST: five real hours.
    (window,) = av.working_windows(rules, NEW_YORK, date(2031, 11, 2), date(2031, 11, 2))
    assert window.end - window.start == timedelta(hours=5)


def test_berlin_both_transitions_keep_wall_clock_hours():
    rules = nine_to_five_every_day()
    for day in (date(2031, 3, 29), date(2031, 3, 30), date(2031, 3, 31), date(2031, 10, 26)):
        slots = hourly(BERLIN, day, rules)
        assert [s.hour for s in slots] == list(range(9, 17)), day
        assert all(s.date() == day for s in slots)
    summer = hourly(BERLIN, date(2031, 3, 31), rules)[0]
    winter = hourly(BERLIN, date(2031, 3, 29), rules)[0]
    assert summer.astimezone(UTC).hour == 7 and winter.astimezone(UTC).hour == 8


def test_berlin_night_shift_across_spring_forward():
    # 30 March 2031: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and is never offered.
    rules = [av.HoursRule(weekday=6, start=time(1), end=time(4))]
    slots = av.compute_slots(
        rules=rules,
        tz=BERLIN,
        date_from=date(2031, 3, 30),
        date_to=date(2031, 3, 30),
        request=av.Request(timedelta(minutes=30)),
        granularity=timedelta(minutes=30),
    )
    assert [(s.hour, s.minute) for s in slots] == [(1, 0), (1, 30), (3, 0), (3, 30)]


def test_busy_interval_with_buffers_and_closures():
    day = date(2031, 3, 3)
    busy = av.Interval(datetime(2031, 3, 3, 10, tzinfo=BERLIN), datetime(2031, 3, 3, 11, tzinfo=BERLIN))
    slots = av.compute_slots(
        rules=nine_to_five_every_day(),
        tz=BERLIN,
        date_from=day,
        date_to=day + timedelta(days=1),
        request=av.Request(timedelta(minutes=60), timedelta(minutes=15), timedelta(minutes=0)),
        granularity=timedelta(minutes=60),
        busy=[busy],
        closures=[av.Closure(day + timedelta(days=1), day + timedelta(days=1))],
    )
    assert [s.hour for s in slots] == [9, 12, 13, 14, 15, 16]
    assert {s.date() for s in slots} == {day}
