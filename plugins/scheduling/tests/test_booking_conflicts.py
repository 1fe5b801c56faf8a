"""When the database's exclusion constraint is what refuses a booking (another booking committed between
the check and the insert), the booking answers "just taken" with the next free times, and a caller's own
transaction stays usable: a series goes on with its other dates. One facts query stands in for the
separate reads of membership, service offer, overlap setting, patient link and policy."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from core.patients.models import PatientClinic
from core.tenancy.models import MembershipClinic
from plugins.scheduling.models import Appointment, Frequency, OnlineMode, PractitionerSettings
from plugins.scheduling.services import booking
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.checks import booking_facts
from plugins.scheduling.services.conflicts import SlotTaken
from plugins.scheduling.services.series import book_series

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


def test_a_series_goes_on_after_one_date_is_refused_by_the_constraint(sched, no_precheck):
    with scope(organization=sched.org.pk):
        book(sched, at(MONDAY + timedelta(weeks=1), 9))
        result = book_series(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=sched.patient,
            service=sched.service,
            first_start=at(MONDAY, 9),
            frequency=Frequency.WEEKLY,
            count=3,
        )
        assert [a.start for a in result.booked] == [at(MONDAY, 9), at(MONDAY + timedelta(weeks=2), 9)]
        [(_when, reason, next_slots)] = result.skipped
        assert reason == "This time was just taken." and next_slots
        assert Appointment.objects.filter(organization=sched.org).count() == 3


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
