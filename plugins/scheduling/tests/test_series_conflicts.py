"""A repeating appointment is checked date by date before anything is booked: when a date cannot be booked
as asked, nothing is written and the office is told which dates, why (in why_taken's words) and the nearest
free times that day; it then skips dates or picks other times, and the series is booked whole. A date taken
between that answer and the booking brings the list back, with nothing written."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from core.tenancy.models import Role
from plugins.scheduling.models import (
    Appointment,
    AppointmentSeries,
    Frequency,
    Room,
    Service,
    ServicePractitioner,
)
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.series import book_series, occurrence_dates
from plugins.scheduling.services.series_plan import SeriesConflicts, parse_choices, plan_series
from tests.factories import add_member, make_patient, make_user

from .conftest import MONDAY, at, open_all_week

pytestmark = pytest.mark.django_db

WEEK = timedelta(weeks=1)


def other_patient(t):
    with scope(organization=t.org.pk):
        return make_patient(t.clinic, "Dana", "Blocker")


def book_one(t, start, patient=None, service=None, room=None):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=patient or t.patient,
            service=service or t.service,
            start=start,
            room=room,
        )


def series(t, *, count=4, choices=None, service=None, room=None, first=None):
    with scope(organization=t.org.pk):
        return book_series(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=t.patient,
            service=service or t.service,
            first_start=first or at(MONDAY, 11),
            frequency=Frequency.WEEKLY,
            count=count,
            room=room,
            by=t.owner,
            choices=choices,
        )


def written(t):
    with scope(organization=t.org.pk):
        return (
            AppointmentSeries.objects.filter(organization=t.org).count(),
            Appointment.objects.filter(organization=t.org, series__isnull=False).count(),
        )


@pytest.fixture
def assessment(sched):
    """The issue's case: a one-hour assessment keeps 10 minutes free after it."""
    with scope(organization=sched.org.pk):
        service = Service.objects.create(
            organization=sched.org,
            clinic=sched.clinic,
            name="Extended assessment",
            duration_minutes=60,
            buffer_after_minutes=10,
            price="120.00",
        )
        ServicePractitioner.objects.create(organization=sched.org, service=service, membership=sched.doctor)
    return service


def test_a_conflicting_date_is_listed_with_its_reason_and_nothing_is_written(sched, assessment):
    blocker = other_patient(sched)
    book_one(sched, at(MONDAY + WEEK, 10), patient=blocker, service=assessment)

    with pytest.raises(SeriesConflicts) as raised:
        series(sched)

    plan = raised.value.plan
    (conflict,) = plan.conflicts
    assert conflict.day == MONDAY + WEEK
    assert conflict.start == at(MONDAY + WEEK, 11)
    assert conflict.problem == (
        "This time is blocked by the 10-minute buffer after Dana Blocker's appointment (10:00–11:00)."
    )
    # The free times of that day nearest to 11:00, earliest first (11:00 itself is the buffer's).
    assert conflict.alternatives == [
        at(MONDAY + WEEK, 9, 30),
        at(MONDAY + WEEK, 11, 30),
        at(MONDAY + WEEK, 12),
        at(MONDAY + WEEK, 12, 30),
    ]
    assert [o.day for o in plan.to_book] == [MONDAY, MONDAY + 2 * WEEK, MONDAY + 3 * WEEK]
    assert written(sched) == (0, 0)


def test_skipping_a_date_or_taking_another_time_books_the_whole_series(sched, assessment):
    book_one(sched, at(MONDAY + WEEK, 10), patient=other_patient(sched), service=assessment)
    book_one(sched, at(MONDAY + 2 * WEEK, 11), patient=other_patient(sched))

    result = series(sched, choices={MONDAY + WEEK: "skip", MONDAY + 2 * WEEK: time(12)})

    starts = [a.start for a in result.booked]
    assert starts == [at(MONDAY, 11), at(MONDAY + 2 * WEEK, 12), at(MONDAY + 3 * WEEK, 11)]
    assert [o.day for o in result.skipped] == [MONDAY + WEEK]
    assert written(sched) == (1, 3)


def test_a_date_taken_after_the_answer_brings_the_list_back_and_writes_nothing(sched):
    book_one(sched, at(MONDAY + WEEK, 11), patient=other_patient(sched))
    with pytest.raises(SeriesConflicts):
        series(sched)
    # Someone books the third date before the office sends its answer for the second.
    book_one(sched, at(MONDAY + 2 * WEEK, 11), patient=other_patient(sched))

    with pytest.raises(SeriesConflicts) as raised:
        series(sched, choices={MONDAY + WEEK: "skip"})

    (conflict,) = raised.value.plan.conflicts
    assert conflict.day == MONDAY + 2 * WEEK
    assert conflict.problem.startswith("This time overlaps Dana Blocker's appointment")
    assert written(sched) == (0, 0)


def test_another_time_taken_meanwhile_is_refused_again(sched):
    book_one(sched, at(MONDAY + WEEK, 11), patient=other_patient(sched))
    book_one(sched, at(MONDAY + WEEK, 12), patient=other_patient(sched))

    with pytest.raises(SeriesConflicts) as raised:
        series(sched, choices={MONDAY + WEEK: time(12)})

    (conflict,) = raised.value.plan.conflicts
    assert conflict.start == at(MONDAY + WEEK, 12) and conflict.moved
    assert written(sched) == (0, 0)


def test_outside_working_hours_and_a_booked_room_are_reasons_too(sched):
    with scope(organization=sched.org.pk):
        room = Room.objects.create(organization=sched.org, clinic=sched.clinic, name="Room A")
        colleague = add_member(
            sched.org, make_user("colleague@alpha.test"), Role.PRACTITIONER, [sched.clinic]
        )
        ServicePractitioner.objects.create(
            organization=sched.org, service=sched.service, membership=colleague
        )
        open_all_week(sched, colleague, sched.clinic)
        book_appointment(
            clinic=sched.clinic,
            practitioner=colleague,
            patient=sched.patient,
            service=sched.service,
            start=at(MONDAY + WEEK, 17, 30),
            room=room,
        )

    with pytest.raises(SeriesConflicts) as raised:
        series(sched, count=2, first=at(MONDAY, 17, 30), room=room)
    (conflict,) = raised.value.plan.conflicts
    assert conflict.problem == "The room Room A is booked at this time."
    assert at(MONDAY + WEEK, 17, 30) not in conflict.alternatives

    with pytest.raises(SeriesConflicts) as raised:
        series(sched, count=2, first=at(MONDAY, 17, 45))
    assert {c.problem for c in raised.value.plan.conflicts} == {
        "This time is outside the practitioner's working hours or they are away."
    }
    assert written(sched) == (0, 0)


def test_skipping_every_date_books_nothing_with_a_message(sched):
    with pytest.raises(ValidationError) as refused:
        series(sched, count=2, choices={MONDAY: "skip", MONDAY + WEEK: "skip"})
    assert "nothing to book" in refused.value.messages[0]
    assert written(sched) == (0, 0)


@pytest.mark.parametrize("raw", [{"2031-13-01": "skip"}, {MONDAY.isoformat(): "later"}, {"x": "09:00"}])
def test_a_tampered_choice_is_a_message(raw):
    with pytest.raises(ValidationError) as refused:
        parse_choices(raw)
    assert refused.value.messages == ["Choose, for each date, to skip it or one of the times offered."]


def test_parsed_choices():
    assert parse_choices({MONDAY.isoformat(): "skip", "2031-03-10": "09:30"}) == {
        MONDAY: "skip",
        date(2031, 3, 10): time(9, 30),
    }


def test_checking_a_long_series_costs_the_same_few_queries(sched, django_assert_max_num_queries):
    for week in (3, 20, 40):
        book_one(sched, at(MONDAY + week * WEEK, 11), patient=other_patient(sched))
    dates = occurrence_dates(MONDAY, Frequency.WEEKLY, 1, None, 52)
    with scope(organization=sched.org.pk), django_assert_max_num_queries(5):
        # The policy, then overlap setting, working hours, time off, appointments and closures in one
        # query: once for all 52 dates; then one read of who is in the way per refused date.
        plan = plan_series(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            service=sched.service,
            dates=dates,
            at=time(11),
            room=None,
            override=False,
            now=at(MONDAY, 8),
        )
    assert [c.day for c in plan.conflicts] == [MONDAY + w * WEEK for w in (3, 20, 40)]
    assert len(plan.to_book) == 49
