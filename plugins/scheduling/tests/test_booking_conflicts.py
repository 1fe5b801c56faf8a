"""When the database's exclusion constraint is what refuses a booking (another booking committed between
the check and the insert), the booking answers "just taken" with the next free times, and a caller's own
transaction stays usable: a series reports the refused date, and nothing of it is written. One facts
query stands in for the separate reads of membership, service offer, overlap setting, patient link and
policy."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from core.patients.models import PatientClinic
from core.tenancy.models import MembershipClinic
from plugins.scheduling.models import (
    Appointment,
    AppointmentSeries,
    Frequency,
    OnlineMode,
    PractitionerSettings,
)
from plugins.scheduling.services import booking, series_plan
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.checks import booking_facts
from plugins.scheduling.services.conflicts import SlotTaken
from plugins.scheduling.services.series import book_series
from plugins.scheduling.services.series_plan import SeriesConflicts

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_precheck(monkeypatch):
    """The time check sees the slot free, as it would if another booking committed just after it."""
    monkeypatch.setattr(booking, "check_time", lambda **kwargs: None)


def book(t, start, **kwargs):
    return book_appointment(
        clinic=t.clinic, practitioner=t.doctor, patient=t.patient, service=t.service, start=start, **kwargs
    )


def test_constraint_refusal_answers_just_taken_with_next_slots(sched, no_precheck):
    with scope(organization=sched.org.pk):
        book(sched, at(MONDAY, 9))
        with pytest.raises(SlotTaken) as caught:
            book(sched, at(MONDAY, 9))
        assert caught.value.message == "This time was just taken."
        assert caught.value.next_slots[0].start == at(MONDAY, 9, 30)
        assert Appointment.objects.filter(organization=sched.org).count() == 1


def test_a_date_refused_by_the_constraint_leaves_the_whole_series_unwritten(sched, no_precheck, monkeypatch):
    # The series' own check of every date sees them free too.
    monkeypatch.setattr(series_plan, "time_problem", lambda *args, **kwargs: None)
    with scope(organization=sched.org.pk):
        book(sched, at(MONDAY + timedelta(weeks=1), 9))
        with pytest.raises(SeriesConflicts) as raised:
            book_series(
                clinic=sched.clinic,
                practitioner=sched.doctor,
                patient=sched.patient,
                service=sched.service,
                first_start=at(MONDAY, 9),
                frequency=Frequency.WEEKLY,
                count=3,
            )
        # The check saw every date free; the constraint refused the second one as it was written.
        (conflict,) = raised.value.plan.conflicts
        assert conflict.day == MONDAY + timedelta(weeks=1)
        assert conflict.problem == "This time was just taken." and conflict.alternatives
        assert Appointment.objects.filter(organization=sched.org).count() == 1
        assert not AppointmentSeries.objects.filter(organization=sched.org).exists()


def test_booking_facts_in_one_query(sched, django_assert_num_queries):
    with scope(organization=sched.org.pk):
        PractitionerSettings.objects.create(
            organization=sched.org, membership=sched.doctor, allow_overlap=True
        )
        with django_assert_num_queries(1):
            facts = booking_facts(sched.clinic, sched.doctor, sched.service, sched.patient)
        assert facts.works_here and facts.offers_service and facts.allow_overlap
        assert facts.policy.pk and facts.policy.online_mode == OnlineMode.APPROVAL
        assert facts.policy.slot_granularity_minutes == 30
        linked = PatientClinic.objects.filter(
            organization=sched.org, clinic=sched.clinic, patient=sched.patient
        )
        assert facts.patient_linked == linked.exists()
        # Another clinic: not working there, its default policy, the patient not linked there.
        other = sched.clinics[1]
        MembershipClinic.objects.filter(
            organization=sched.org, membership=sched.doctor, clinic=other
        ).delete()
        facts = booking_facts(other, sched.doctor, sched.service, sched.patient)
        assert not facts.works_here and facts.policy.pk is None and facts.policy.min_notice_minutes == 60


def test_first_booking_links_the_patient_and_a_stranger_practitioner_is_refused(sched):
    with scope(organization=sched.org.pk):
        PatientClinic.objects.filter(organization=sched.org, patient=sched.patient).delete()
        book(sched, at(MONDAY, 9))
        assert PatientClinic.objects.filter(
            organization=sched.org, clinic=sched.clinic, patient=sched.patient
        ).exists()
        MembershipClinic.objects.filter(organization=sched.org, membership=sched.doctor).delete()
        with pytest.raises(ValidationError) as refused:
            book(sched, at(MONDAY, 11))
        assert "does not work at this clinic" in str(refused.value)
