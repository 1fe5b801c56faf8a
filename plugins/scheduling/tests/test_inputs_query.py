"""The engine's inputs come in one query, and they are what the ORM read in four: working hours inside
their validity window, time off and busy time around the range (with the buffers' margin), not the
cancelled or the excluded appointment, nobody's busy time when they may overlap, the clinic's closures."""

from datetime import UTC, date, time, timedelta

import pytest
from django.db.models import Q, Value
from django_scopes import scope

from plugins.scheduling import availability as av
from plugins.scheduling.models import (
    ACTIVE_STATUSES,
    MAX_BUFFER_MINUTES,
    MAX_OCCUPIED,
    Appointment,
    ClinicClosure,
    PractitionerSettings,
    Status,
    TimeOff,
    WorkingHours,
)
from plugins.scheduling.selectors import PractitionerInputs, local_day_bounds, practitioner_inputs
from tests.factories import add_member, make_user

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)


def orm_inputs(clinic, ids, date_from, date_to, *, exclude_appointment_id=None, allow_overlap=None):
    """The same reads with the ORM, one query each, as ``practitioner_inputs`` made them before."""
    org = clinic.organization_id
    range_start, range_end = local_day_bounds(clinic.tzinfo, date_from, date_to)
    margin = timedelta(minutes=MAX_BUFFER_MINUTES)
    practitioners = {pk: PractitionerInputs(pk) for pk in ids}
    if ids:
        if allow_overlap is None:
            allow_overlap = dict.fromkeys(
                PractitionerSettings.objects.filter(
                    organization_id=org, membership_id__in=ids, allow_overlap=True
                ).values_list("membership_id", flat=True),
                True,
            )
        for pk in ids:
            practitioners[pk].allow_overlap = bool(allow_overlap.get(pk))
        hours = WorkingHours.objects.filter(
            organization_id=org, clinic=clinic, membership_id__in=ids, valid_from__lte=date_to
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=date_from))
        for row in hours.values_list(
            "membership_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
        ):
            practitioners[row[0]].rules.append(av.HoursRule(*row[1:]))
        time_off = TimeOff.objects.filter(
            organization_id=org,
            membership_id__in=ids,
            end__gt=range_start - margin,
            start__lt=range_end + margin,
        ).annotate(kind=Value("away"))
        busy = Appointment.objects.filter(
            organization_id=org,
            practitioner_id__in=ids,
            status__in=ACTIVE_STATUSES,
            occupied_start__lt=range_end + margin,
            occupied_start__gte=range_start - margin - MAX_OCCUPIED,
            occupied_end__gt=range_start - margin,
        ).annotate(kind=Value("busy"))
        if exclude_appointment_id:
            busy = busy.exclude(pk=exclude_appointment_id)
        rows = time_off.values_list("membership_id", "start", "end", "kind").union(
            busy.values_list("practitioner_id", "occupied_start", "occupied_end", "kind"), all=True
        )
        for pk, start, end, kind in rows:
            if kind == "away":
                practitioners[pk].time_off.append(av.Interval(start, end))
            elif not practitioners[pk].allow_overlap:
                practitioners[pk].busy.append(av.Interval(start, end))
    closures = [
        av.Closure(start, end)
        for start, end in ClinicClosure.objects.filter(
            organization_id=org, clinic=clinic, end_date__gte=date_from, start_date__lte=date_to
        ).values_list("start_date", "end_date")
    ]
    return practitioners, closures


def in_order(result):
    """The inputs with each list sorted: the ORM read time off and closures in no particular order."""
    practitioners, closures = result
    for data in practitioners.values():
        data.rules.sort(key=lambda r: (r.weekday, r.start, r.end, r.valid_from, r.valid_until or date.max))
        data.time_off.sort()
        data.busy.sort()
    return practitioners, sorted(closures, key=lambda c: (c.start_date, c.end_date))


def hours(t, member, clinic, weekday, start, end, valid_from, valid_until=None):
    WorkingHours.objects.create(
        organization=t.org,
        membership=member,
        clinic=clinic,
        weekday=weekday,
        start_time=time(start),
        end_time=time(end),
        valid_from=valid_from,
        valid_until=valid_until,
    )


def time_off(t, member, start, end):
    TimeOff.objects.create(organization=t.org, membership=member, start=start, end=end)


def appointment(t, member, clinic, start, *, status=Status.BOOKED, overlap=False):
    end = start + timedelta(minutes=30)
    return Appointment.objects.create(
        organization=t.org,
        clinic=clinic,
        practitioner=member,
        patient=t.patient,
        service=t.service,
        start=start,
        end=end,
        occupied_start=start - timedelta(minutes=10),
        occupied_end=end + timedelta(minutes=5),
        status=status,
        allow_overlap=overlap,
    )


def closure(t, clinic, first_day, last_day):
    ClinicClosure.objects.create(organization=t.org, clinic=clinic, start_date=first_day, end_date=last_day)


@pytest.fixture
def week(sched):
    """Two practitioners at the clinic, Monday to Wednesday: the doctor (08:00-18:00 every day, and the
    hours, time off, appointments and closures around them), and Dr Lee, who may overlap."""
    t, clinic, other_clinic, doctor = sched, sched.clinic, sched.clinics[1], sched.doctor
    with scope(organization=t.org.pk):
        lee = add_member(t.org, make_user("lee@alpha.test", full_name="Dr Lee"), "practitioner", [clinic])
        PractitionerSettings.objects.create(organization=t.org, membership=lee, allow_overlap=True)
        hours(t, lee, clinic, MONDAY.weekday(), 9, 12, date(2030, 1, 1))
        # Ended the day before, starts the day after, and a window inside the range; at the other clinic.
        hours(t, doctor, clinic, 0, 19, 20, date(2030, 1, 1), MONDAY - timedelta(days=1))
        hours(t, doctor, clinic, 3, 19, 20, WEDNESDAY + timedelta(days=1))
        hours(t, doctor, clinic, 1, 19, 21, TUESDAY, TUESDAY)
        hours(t, doctor, other_clinic, 2, 6, 7, date(2030, 1, 1))
        # Across the range's start, far before it, inside the margin after its end, beyond the margin.
        time_off(t, doctor, at(MONDAY, 0) - timedelta(hours=6), at(MONDAY, 10))
        time_off(t, doctor, at(MONDAY, 0) - timedelta(days=3), at(MONDAY, 0) - timedelta(days=2))
        time_off(t, doctor, at(WEDNESDAY, 23) + timedelta(hours=2), at(WEDNESDAY, 23) + timedelta(hours=3))
        time_off(t, lee, at(WEDNESDAY, 23) + timedelta(hours=6), at(WEDNESDAY, 23) + timedelta(hours=7))
        t.booked = appointment(t, doctor, clinic, at(MONDAY, 14))
        t.elsewhere = appointment(t, doctor, other_clinic, at(TUESDAY, 9))
        t.cancelled = appointment(t, doctor, clinic, at(MONDAY, 15), status=Status.CANCELLED_CLINIC)
        t.moving = appointment(t, doctor, clinic, at(MONDAY, 16))
        t.lees = appointment(t, lee, clinic, at(MONDAY, 10), overlap=True)
        # Tuesday here; Monday at the other clinic; a week that ended before the range.
        closure(t, clinic, TUESDAY, TUESDAY)
        closure(t, other_clinic, MONDAY, MONDAY)
        closure(t, clinic, MONDAY - timedelta(days=9), MONDAY - timedelta(days=2))
    t.lee = lee
    return t


def both(t, ids, date_from=MONDAY, date_to=WEDNESDAY, **options):
    with scope(organization=t.org.pk):
        return (
            practitioner_inputs(t.clinic, ids, date_from, date_to, **options),
            orm_inputs(t.clinic, ids, date_from, date_to, **options),
        )


def test_two_practitioners_in_one_query_as_the_orm_read_them(week, django_assert_num_queries):
    ids = [week.doctor.pk, week.lee.pk]
    with scope(organization=week.org.pk), django_assert_num_queries(1):
        read = practitioner_inputs(week.clinic, ids, MONDAY, WEDNESDAY, exclude_appointment_id=week.moving.pk)
    with scope(organization=week.org.pk):
        expected = orm_inputs(week.clinic, ids, MONDAY, WEDNESDAY, exclude_appointment_id=week.moving.pk)
    assert in_order(read) == in_order(expected)
    practitioners, closures = read
    doctor, lee = practitioners[week.doctor.pk], practitioners[week.lee.pk]
    # Every day's 08:00-18:00, and Tuesday's extra evening valid that day only.
    assert len(doctor.rules) == 8 and av.HoursRule(1, time(19), time(21), TUESDAY, TUESDAY) in doctor.rules
    assert lee.rules == [av.HoursRule(0, time(9), time(12), date(2030, 1, 1), None)]
    assert doctor.time_off == [
        av.Interval(at(MONDAY, 0) - timedelta(hours=6), at(MONDAY, 10)),
        av.Interval(at(WEDNESDAY, 23) + timedelta(hours=2), at(WEDNESDAY, 23) + timedelta(hours=3)),
    ]
    assert lee.time_off == []
    # Busy at any clinic; not the cancelled appointment nor the one being moved.
    assert doctor.busy == [
        av.Interval(week.booked.occupied_start, week.booked.occupied_end),
        av.Interval(week.elsewhere.occupied_start, week.elsewhere.occupied_end),
    ]
    assert (doctor.allow_overlap, lee.allow_overlap) == (False, True) and lee.busy == []
    assert closures == [av.Closure(TUESDAY, TUESDAY)]
    intervals = doctor.time_off + doctor.busy
    assert all(i.start.tzinfo == UTC and i.end.tzinfo == UTC for i in intervals)
    rule = doctor.rules[0]
    assert type(rule.weekday) is int and type(rule.start) is time and type(rule.valid_from) is date


def test_overlap_given_by_the_caller_is_not_read(week, django_assert_num_queries):
    ids = [week.doctor.pk, week.lee.pk]
    overlap = {week.doctor.pk: False, week.lee.pk: False}
    with scope(organization=week.org.pk), django_assert_num_queries(1):
        read = practitioner_inputs(week.clinic, ids, MONDAY, WEDNESDAY, allow_overlap=overlap)
    assert in_order(read) == in_order(both(week, ids, allow_overlap=overlap)[1])
    practitioners, _ = read
    # Lee's own setting is not read: told they may not overlap, their appointment blocks them.
    assert practitioners[week.lee.pk].busy == [av.Interval(week.lees.occupied_start, week.lees.occupied_end)]
    assert len(practitioners[week.doctor.pk].busy) == 3


def test_no_practitioners_and_no_closures(week, django_assert_num_queries):
    with scope(organization=week.org.pk), django_assert_num_queries(1):
        assert practitioner_inputs(week.clinic, [], MONDAY, WEDNESDAY) == ({}, [av.Closure(TUESDAY, TUESDAY)])
    later = MONDAY + timedelta(days=7)
    read, expected = both(week, [week.doctor.pk], later, later + timedelta(days=1))
    assert in_order(read) == in_order(expected)
    # A week later: no closure, nothing booked, and the Thursday evening rule has started.
    doctor = read[0][week.doctor.pk]
    assert read[1] == [] and doctor.busy == [] and len(doctor.rules) == 8
