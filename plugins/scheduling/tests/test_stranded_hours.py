"""Cutting or removing a weekly working-hours rule that booked patients depend on is never saved silently:
the appointments it would leave outside working hours are listed first, to keep or to cancel (the patient is
told), as for time off and closures. A change that strands nobody saves at once."""

from datetime import date, time

import pytest
from django_scopes import scope

from plugins.notifications.models import MessageType, OutboxMessage
from plugins.scheduling.models import Appointment, Status, WorkingHours
from plugins.scheduling.services.booking import book_appointment
from tests.factories import make_patient

from .conftest import at

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2031, 12, 10)


@pytest.fixture
def wednesday(sched):
    """The doctor's Wednesday rule (08:00-18:00) and two patients booked that Wednesday, 09:00 and 15:00."""
    with scope(organization=sched.org.pk):
        second = make_patient(sched.clinic, "Rosa", "Lind", email="rosa@alpha.test")
        sched.booked = [
            book_appointment(
                clinic=sched.clinic,
                practitioner=sched.doctor,
                patient=patient,
                service=sched.service,
                start=at(WEDNESDAY, hour),
            )
            for patient, hour in ((sched.patient, 9), (second, 15))
        ]
        sched.rule = WorkingHours.objects.get(
            organization=sched.org, membership=sched.doctor, weekday=WEDNESDAY.weekday()
        )
    return sched


def url(t):
    return f"/office/c/{t.clinic.slug}/scheduling/settings/hours/{t.rule.pk}/"


def rule_form(t, **changes):
    return {
        "weekday": WEDNESDAY.weekday(),
        "start_time": "08:00",
        "end_time": "18:00",
        "valid_from": "2020-01-01",
        "valid_until": "",
        **changes,
    }


def rule(t):
    with scope(organization=t.org.pk):
        found = WorkingHours.objects.filter(pk=t.rule.pk).first()
    return found and (found.start_time, found.end_time, found.valid_until)


def statuses(t):
    with scope(organization=t.org.pk):
        return [Appointment.objects.get(pk=a.pk).status for a in t.booked]


def test_cutting_the_hours_lists_the_patient_left_outside_and_saves_nothing(wednesday, login):
    response = login(wednesday.staff).post(url(wednesday), rule_form(wednesday, end_time="12:00"))

    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="stranded-confirm"' in html
    morning, afternoon = wednesday.booked
    assert f'data-stranded="{afternoon.pk}"' in html and f'data-stranded="{morning.pk}"' not in html
    assert "This change of working hours would leave this booked appointment" in html
    assert "Outside working hours" in html
    assert rule(wednesday) == (time(8), time(18), None)


def test_cancelling_saves_the_cut_and_tells_the_patient(wednesday, login, django_capture_on_commit_callbacks):
    _morning, afternoon = wednesday.booked
    post = {
        **rule_form(wednesday, end_time="12:00"),
        "confirm": "1",
        "stranded": [afternoon.pk],
        "for_all": "each",
        f"choice-{afternoon.pk}": "cancel",
        "cancel_reason": "The doctor now works mornings only",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = login(wednesday.staff).post(url(wednesday), post)

    assert response.status_code == 302
    assert rule(wednesday) == (time(8), time(12), None)
    assert statuses(wednesday) == [Status.BOOKED, Status.CANCELLED_CLINIC]
    with scope(organization=wednesday.org.pk):
        told = list(
            OutboxMessage.objects.filter(
                organization=wednesday.org, message_type=MessageType.APPOINTMENT_CANCELLED
            ).values_list("related_id", flat=True)
        )
        reason = Appointment.objects.get(pk=afternoon.pk).cancellation_reason
    assert told == [afternoon.pk] and reason == "The doctor now works mornings only"


def test_removing_the_rule_lists_both_and_keeping_them_removes_it(wednesday, login):
    client = login(wednesday.staff)
    response = client.post(url(wednesday), {"action": "delete"})
    html = response.content.decode()
    assert response.status_code == 200
    assert all(f'data-stranded="{a.pk}"' in html for a in wednesday.booked)
    assert "Removing these working hours would leave these 2 booked appointments" in html
    # The removal rides along to the confirmation.
    assert 'name="action" value="delete"' in html
    assert rule(wednesday) == (time(8), time(18), None)

    shown = [a.pk for a in wednesday.booked]
    post = {"action": "delete", "confirm": "1", "stranded": shown, "for_all": "keep"}
    done = client.post(url(wednesday), post)

    assert done.status_code == 302
    assert rule(wednesday) is None
    assert statuses(wednesday) == [Status.BOOKED, Status.BOOKED]
    page = client.get(done.url).content.decode()
    assert "Working hours removed. 2 appointments kept outside working time" in page


def test_ending_the_rule_before_the_day_asks_too(wednesday, login):
    response = login(wednesday.staff).post(url(wednesday), rule_form(wednesday, valid_until="2031-12-03"))
    assert response.status_code == 200
    assert all(f'data-stranded="{a.pk}"' in response.content.decode() for a in wednesday.booked)
    assert rule(wednesday) == (time(8), time(18), None)


def test_a_change_that_strands_nobody_saves_at_once(wednesday, login):
    client = login(wednesday.staff)
    response = client.post(url(wednesday), rule_form(wednesday, start_time="07:00", end_time="19:00"))
    assert response.status_code == 302
    assert rule(wednesday) == (time(7), time(19), None)
    assert statuses(wednesday) == [Status.BOOKED, Status.BOOKED]


def test_a_bad_change_is_a_form_error_and_nothing_changes(wednesday, login):
    response = login(wednesday.staff).post(url(wednesday), rule_form(wednesday, end_time="07:00"))
    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()
    assert rule(wednesday) == (time(8), time(18), None)
