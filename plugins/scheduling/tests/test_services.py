from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_scopes import scope

from core.plugins.manager import hookimpl, registry
from plugins.scheduling.models import (
    Appointment,
    Channel,
    ClinicClosure,
    Frequency,
    PractitionerSettings,
    Room,
    Service,
    Status,
)
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.conflicts import SlotTaken, StaleAppointment
from plugins.scheduling.services.rescheduling import reschedule
from plugins.scheduling.services.series import book_series
from plugins.scheduling.services.series_plan import SeriesConflicts
from plugins.scheduling.services.status import approve_request, cancel, set_status
from plugins.scheduling.services.working_time import add_time_off

from .conftest import MONDAY, at


def book(t, start, **kwargs):
    kwargs.setdefault("practitioner", t.doctor)
    kwargs.setdefault("service", t.service)
    return book_appointment(clinic=t.clinic, patient=t.patient, start=start, by=t.owner, **kwargs)


@pytest.mark.django_db
def test_book_and_double_booking_refused_with_next_slots(sched):
    with scope(organization=sched.org.pk):
        first = book(sched, at(MONDAY, 9))
        assert first.status == Status.BOOKED and first.end - first.start == timedelta(minutes=30)
        with pytest.raises(SlotTaken) as caught:
            book(sched, at(MONDAY, 9, 15))
        assert caught.value.next_slots[0].start == at(MONDAY, 9, 30)
        assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_exclusion_constraint_refuses_overlap_even_without_the_service_checks(sched):
    with scope(organization=sched.org.pk):
        first = book(sched, at(MONDAY, 10))
        clone = Appointment.objects.get(pk=first.pk)
        clone.pk = None
        clone.start, clone.end = at(MONDAY, 10, 10), at(MONDAY, 10, 40)
        clone.occupied_start, clone.occupied_end = clone.start, clone.end
        with pytest.raises(IntegrityError, match="sched_no_double_booking"), transaction.atomic():
            clone.save()
        # A cancelled appointment frees its time.
        cancel(first, by_patient=True, reason="ill")
        clone.save()


@pytest.mark.django_db
def test_buffers_keep_time_free_around_an_appointment(sched):
    with scope(organization=sched.org.pk):
        sched.service.buffer_after_minutes = 15
        sched.service.save()
        book(sched, at(MONDAY, 9))
        with pytest.raises(SlotTaken) as caught:
            book(sched, at(MONDAY, 9, 30))
        # 09:30 + the 15-minute buffer after 09:00-09:30 collides; the next 30-minute step fits.
        assert caught.value.next_slots[0].start == at(MONDAY, 10)
        book(sched, at(MONDAY, 9, 45), override=True)


@pytest.mark.django_db
def test_allow_overlap_practitioner_can_be_double_booked(sched):
    with scope(organization=sched.org.pk):
        PractitionerSettings.objects.create(
            organization=sched.org, membership=sched.doctor, allow_overlap=True
        )
        book(sched, at(MONDAY, 9))
        book(sched, at(MONDAY, 9))
        assert Appointment.objects.count() == 2


@pytest.mark.django_db
def test_room_cannot_be_double_booked(sched):
    with scope(organization=sched.org.pk):
        PractitionerSettings.objects.create(
            organization=sched.org, membership=sched.doctor, allow_overlap=True
        )
        room = Room.objects.create(organization=sched.org, clinic=sched.clinic, name="Room 1")
        book(sched, at(MONDAY, 9), room=room)
        with pytest.raises(SlotTaken):
            book(sched, at(MONDAY, 9, 15), room=room)
        book(sched, at(MONDAY, 9, 15))


@pytest.mark.django_db
def test_working_hours_time_off_closures_and_window(sched):
    with scope(organization=sched.org.pk):
        with pytest.raises(ValidationError):
            book(sched, at(MONDAY, 7, 30))
        with pytest.raises(ValidationError):
            book(sched, at(MONDAY, 17, 45))  # would end after 18:00
        add_time_off(sched.doctor, start=at(MONDAY, 12), end=at(MONDAY, 13), reason="lunch")
        with pytest.raises(ValidationError):
            book(sched, at(MONDAY, 12, 30))
        ClinicClosure.objects.create(
            organization=sched.org, clinic=sched.clinic, start_date=MONDAY, end_date=MONDAY
        )
        with pytest.raises(ValidationError):
            book(sched, at(MONDAY, 15))
        # Staff may override hours, time off and closures; double booking is still refused.
        appt = book(sched, at(MONDAY, 7), override=True)
        with pytest.raises(SlotTaken):
            book(sched, at(MONDAY, 7), override=True)
        assert appt.pk
        # The booking window: past times are refused without override.
        with pytest.raises(ValidationError):
            book(sched, at(date(2020, 1, 6), 9))


@pytest.mark.django_db
def test_service_must_be_offered_by_practitioner(sched):
    with scope(organization=sched.org.pk):
        other = Service.objects.create(
            organization=sched.org, clinic=sched.clinic, name="Massage", duration_minutes=60
        )
        assert other.currency == sched.clinic.currency
        with pytest.raises(ValidationError) as caught:
            book(sched, at(MONDAY, 9), service=other)
        assert "service" in caught.value.message_dict


@pytest.mark.django_db
def test_portal_booking_follows_online_mode(sched):
    with scope(organization=sched.org.pk):
        request = book(sched, at(MONDAY, 9), channel=Channel.PORTAL)
        assert request.status == Status.REQUESTED
        # A request holds the slot until decided.
        with pytest.raises(SlotTaken):
            book(sched, at(MONDAY, 9))
        approve_request(request, by=sched.staff)
        request.refresh_from_db()
        assert request.status == Status.BOOKED


@pytest.mark.django_db
def test_reschedule_requires_current_version(sched):
    with scope(organization=sched.org.pk):
        appt = book(sched, at(MONDAY, 9))
        moved = reschedule(appt, expected_version=1, start=at(MONDAY, 11))
        assert moved.version == 2 and moved.start == at(MONDAY, 11)
        with pytest.raises(StaleAppointment):
            reschedule(appt, expected_version=1, start=at(MONDAY, 14))
        # Moving within its own old time is fine (it does not collide with itself).
        reschedule(appt, expected_version=2, start=at(MONDAY, 11, 15), override=True)
        book(sched, at(MONDAY, 9))  # the old time is free again
        with pytest.raises(SlotTaken):
            reschedule(appt, expected_version=3, start=at(MONDAY, 9))


@pytest.mark.django_db
def test_status_state_machine(sched):
    with scope(organization=sched.org.pk):
        appt = book(sched, at(MONDAY, 9))
        with pytest.raises(ValidationError):
            set_status(appt, Status.COMPLETED)
        for status in (Status.ARRIVED, Status.IN_PROGRESS, Status.COMPLETED):
            appt = set_status(appt, status)
        with pytest.raises(ValidationError):
            set_status(appt, Status.BOOKED)
        other = book(sched, at(MONDAY, 10))
        set_status(other, Status.NO_SHOW)
        with pytest.raises(ValidationError):
            cancel(other, by_patient=True)


class Listener:
    """A plugin that only listens, registered for one test."""

    def __init__(self):
        self.events = []

    @hookimpl
    def clinic_appointment_changed(self, clinic, event):
        self.events.append((event.change, event.appointment_id))


@pytest.mark.django_db(transaction=True)
def test_hook_clinic_appointment_changed(sched):
    listener = Listener()
    registry().pm.register(listener, name="listener")
    try:
        with scope(organization=sched.org.pk):
            a = book(sched, at(MONDAY, 9))
            assert ("booked", a.pk) in listener.events  # fired once the booking committed
            reschedule(a, expected_version=1, start=at(MONDAY, 10))
            cancel(a, by_patient=False, reason="doctor ill")
            b = book(sched, at(MONDAY, 11))
            set_status(b, Status.NO_SHOW)
            c = book(sched, at(MONDAY, 12))
            for status in (Status.ARRIVED, Status.COMPLETED):
                set_status(c, status)
    finally:
        registry().pm.unregister(listener)
    names = [n for n, _ in listener.events]
    for expected in ("booked", "rescheduled", "cancelled", "no_show", "completed", "status_changed"):
        assert expected in names


@pytest.mark.django_db(transaction=True)
def test_no_event_for_a_booking_that_rolled_back(sched):
    from django.db import transaction

    listener = Listener()
    registry().pm.register(listener, name="listener")
    try:
        with scope(organization=sched.org.pk), pytest.raises(RuntimeError), transaction.atomic():
            book(sched, at(MONDAY, 9))
            raise RuntimeError("abandon")
    finally:
        registry().pm.unregister(listener)
    assert listener.events == []


@pytest.mark.django_db
def test_weekly_series_reports_occurrences_that_could_not_be_booked(sched):
    with scope(organization=sched.org.pk):
        blocker = book(sched, at(MONDAY + timedelta(weeks=2), 9))
        ClinicClosure.objects.create(
            organization=sched.org,
            clinic=sched.clinic,
            start_date=MONDAY + timedelta(weeks=3),
            end_date=MONDAY + timedelta(weeks=3),
        )
        arguments = {
            "clinic": sched.clinic,
            "practitioner": sched.doctor,
            "patient": sched.patient,
            "service": sched.service,
            "first_start": at(MONDAY, 9),
            "frequency": Frequency.WEEKLY,
            "interval": 1,
            "count": 6,
            "by": sched.owner,
        }
        with pytest.raises(SeriesConflicts) as raised:
            book_series(**arguments)
        conflicts = raised.value.plan.conflicts
        assert [c.day for c in conflicts] == [MONDAY + timedelta(weeks=2), MONDAY + timedelta(weeks=3)]
        assert conflicts[0].alternatives and not conflicts[1].alternatives  # the clinic is closed that day
        assert Appointment.objects.filter(organization=sched.org).count() == 1

        result = book_series(**arguments, choices={c.day: "skip" for c in conflicts})
        assert len(result.booked) == 4
        assert len(result.skipped) == 2
        assert blocker.series_id is None
        assert all(a.series_id == result.series.pk for a in result.booked)


@pytest.mark.django_db
def test_series_every_two_weeks_keeps_local_time_across_dst(sched):
    with scope(organization=sched.org.pk):
        # New York springs forward on 9 March 2031; 09:00 stays 09:00 local.
        result = book_series(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=sched.patient,
            service=sched.service,
            first_start=at(date(2031, 2, 24), 9),
            frequency=Frequency.WEEKLY,
            interval=2,
            until=date(2031, 4, 10),
        )
        starts = [a.start.astimezone(sched.clinic.tzinfo) for a in result.booked]
        assert [s.date() for s in starts] == [
            date(2031, 2, 24),
            date(2031, 3, 10),
            date(2031, 3, 24),
            date(2031, 4, 7),
        ]
        assert {(s.hour, s.minute) for s in starts} == {(9, 0)}
        assert {s.utcoffset() for s in starts} == {timedelta(hours=-5), timedelta(hours=-4)}


@pytest.mark.django_db
def test_monthly_series_skips_months_without_the_day(sched):
    with scope(organization=sched.org.pk):
        arguments = {
            "clinic": sched.clinic,
            "practitioner": sched.doctor,
            "patient": sched.patient,
            "service": sched.service,
            "first_start": at(date(2031, 1, 31), 9),
            "frequency": Frequency.MONTHLY,
            "count": 4,
        }
        with pytest.raises(SeriesConflicts) as raised:
            book_series(**arguments)
        conflicts = raised.value.plan.conflicts
        assert [c.problem for c in conflicts] == ["This month has no day 31."] * 2
        result = book_series(**arguments, choices={c.day: "skip" for c in conflicts})
        assert [a.start.date() for a in result.booked] == [date(2031, 1, 31), date(2031, 3, 31)]
        assert len(result.skipped) == 2


@pytest.mark.django_db
def test_patient_of_another_organization_is_refused(sched, beta):
    with scope(organization=sched.org.pk), pytest.raises(ValidationError) as caught:
        book_appointment(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=beta.patient,
            service=sched.service,
            start=at(MONDAY, 9),
        )
    assert "patient" in caught.value.message_dict
