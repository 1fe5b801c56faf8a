"""Time off, closures and cut working hours that would strand booked patients are never saved silently:
the office lists those appointments first and saves only once each is kept or cancelled (the patient is
told). A change that strands nobody saves at once."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from plugins.notifications.models import MessageType, OutboxMessage
from plugins.scheduling.models import Appointment, Status, TimeOff
from plugins.scheduling.services.booking import book_appointment
from tests.factories import make_patient

from .conftest import at

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2031, 12, 10)
NEW_YORK = ZoneInfo("America/New_York")


def time_off_url(t):
    return f"/office/c/{t.clinic.slug}/scheduling/settings/time-off/"


def book(t, patient, start):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic, practitioner=t.doctor, patient=patient, service=t.service, start=start
        )


def statuses(t, *appointments):
    with scope(organization=t.org.pk):
        return [Appointment.objects.get(pk=a.pk).status for a in appointments]


def time_off(t):
    with scope(organization=t.org.pk):
        return list(TimeOff.objects.filter(organization=t.org))


@pytest.fixture
def two_booked(sched):
    """Two patients booked with the doctor on Wednesday morning and afternoon."""
    with scope(organization=sched.org.pk):
        second = make_patient(sched.clinic, "Rosa", "Lind", email="rosa@alpha.test")
    sched.booked = [book(sched, sched.patient, at(WEDNESDAY, 9)), book(sched, second, at(WEDNESDAY, 15))]
    return sched


def day_off(t):
    return {
        "practitioner": t.doctor.pk,
        "start": f"{WEDNESDAY.isoformat()}T08:00",
        "end": f"{WEDNESDAY.isoformat()}T18:00",
        "reason": "Course",
    }


def test_time_off_over_booked_patients_lists_them_and_saves_nothing(two_booked, login):
    response = login(two_booked.staff).post(time_off_url(two_booked), day_off(two_booked))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="stranded-confirm"' in html
    for appointment in two_booked.booked:
        assert f'data-stranded="{appointment.pk}"' in html
    assert "During time off" in html and 'name="confirm" value="1"' in html
    assert time_off(two_booked) == []
    assert statuses(two_booked, *two_booked.booked) == [Status.BOOKED, Status.BOOKED]


def confirm(t, choice, **extra):
    shown = [a.pk for a in t.booked]
    return {**day_off(t), "confirm": "1", "stranded": shown, "for_all": choice, **extra}


def test_keeping_them_saves_the_time_off_and_leaves_the_appointments(two_booked, login):
    client = login(two_booked.staff)
    response = client.post(time_off_url(two_booked), confirm(two_booked, "keep"))
    assert response.status_code == 302
    (entry,) = time_off(two_booked)
    assert entry.start == datetime(2031, 12, 10, 8, tzinfo=NEW_YORK)
    assert statuses(two_booked, *two_booked.booked) == [Status.BOOKED, Status.BOOKED]
    assert "2 appointments kept" in client.get(time_off_url(two_booked)).content.decode()


def test_cancelling_them_saves_the_time_off_and_tells_each_patient(
    two_booked, login, django_capture_on_commit_callbacks
):
    client = login(two_booked.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            time_off_url(two_booked), confirm(two_booked, "cancel", cancel_reason="Doctor is on a course")
        )
    assert response.status_code == 302
    assert len(time_off(two_booked)) == 1
    assert statuses(two_booked, *two_booked.booked) == [Status.CANCELLED_CLINIC, Status.CANCELLED_CLINIC]
    with scope(organization=two_booked.org.pk):
        reasons = set(
            Appointment.objects.filter(pk__in=[a.pk for a in two_booked.booked]).values_list(
                "cancellation_reason", flat=True
            )
        )
        told = set(
            OutboxMessage.objects.filter(
                organization=two_booked.org, message_type=MessageType.APPOINTMENT_CANCELLED
            ).values_list("related_id", flat=True)
        )
    assert reasons == {"Doctor is on a course"}
    assert told == {a.pk for a in two_booked.booked}


def test_each_appointment_gets_its_own_choice(two_booked, login):
    first, second = two_booked.booked
    post = confirm(two_booked, "each", **{f"choice-{first.pk}": "cancel", f"choice-{second.pk}": "keep"})
    assert login(two_booked.staff).post(time_off_url(two_booked), post).status_code == 302
    assert statuses(two_booked, first, second) == [Status.CANCELLED_CLINIC, Status.BOOKED]


def test_an_appointment_booked_after_the_list_was_shown_is_asked_about(two_booked, login):
    with scope(organization=two_booked.org.pk):
        late = book(two_booked, two_booked.patient, at(WEDNESDAY, 12))
    response = login(two_booked.staff).post(time_off_url(two_booked), confirm(two_booked, "keep"))
    html = response.content.decode()
    assert response.status_code == 200 and f'data-stranded="{late.pk}"' in html
    assert "changed meanwhile" in html
    assert time_off(two_booked) == []


def test_time_off_stranding_nobody_saves_at_once(two_booked, login):
    off = {**day_off(two_booked), "start": "2031-12-11T08:00", "end": "2031-12-11T18:00"}
    assert login(two_booked.staff).post(time_off_url(two_booked), off).status_code == 302
    assert len(time_off(two_booked)) == 1


def test_a_practitioner_confirms_only_their_own_time_off(two_booked, login):
    client = login(two_booked.practitioner)
    owner = two_booked.memberships["owner"]
    response = client.post(
        time_off_url(two_booked), {**confirm(two_booked, "cancel"), "practitioner": owner.pk}
    )
    assert response.status_code == 400
    assert time_off(two_booked) == []
    assert client.post(time_off_url(two_booked), confirm(two_booked, "cancel")).status_code == 302
    assert statuses(two_booked, *two_booked.booked) == [Status.CANCELLED_CLINIC, Status.CANCELLED_CLINIC]


def test_a_closure_over_booked_patients_asks_first(two_booked, login):
    from plugins.scheduling.models import ClinicClosure

    client = login(two_booked.staff)
    closure = {"start_date": WEDNESDAY.isoformat(), "end_date": WEDNESDAY.isoformat(), "reason": "Flood"}
    url = f"/office/c/{two_booked.clinic.slug}/scheduling/settings/closures/"
    response = client.post(url, closure)
    assert response.status_code == 200 and 'data-testid="stranded-confirm"' in response.content.decode()
    with scope(organization=two_booked.org.pk):
        assert not ClinicClosure.objects.filter(organization=two_booked.org).exists()
    shown = [a.pk for a in two_booked.booked]
    post = {**closure, "confirm": "1", "stranded": shown, "for_all": "cancel"}
    assert client.post(url, post).status_code == 302
    with scope(organization=two_booked.org.pk):
        assert ClinicClosure.objects.filter(organization=two_booked.org).count() == 1
    assert statuses(two_booked, *two_booked.booked) == [Status.CANCELLED_CLINIC, Status.CANCELLED_CLINIC]


def offered_moves(html: str, appointment) -> list[str]:
    row = html.split(f'data-stranded="{appointment.pk}"', 1)[1].split("</li>", 1)[0]
    return re.findall(r'value="(move:[^"]+)"', row)


def test_the_list_offers_free_times_outside_the_new_time_off(two_booked, login):
    html = login(two_booked.staff).post(time_off_url(two_booked), day_off(two_booked)).content.decode()
    for appointment in two_booked.booked:
        moves = offered_moves(html, appointment)
        assert moves, "each stranded appointment is offered free times"
        for value in moves:
            start = datetime.fromisoformat(value.removeprefix("move:")).astimezone(NEW_YORK)
            assert start.date() > WEDNESDAY  # the whole Wednesday is now time off
    assert "Move to Thu 11 Dec, 09:00" in html  # read on the clinic's clock


def test_moving_one_saves_the_time_off_and_tells_the_patient_the_new_time(
    two_booked, login, django_capture_on_commit_callbacks
):
    first, second = two_booked.booked
    client = login(two_booked.staff)
    html = client.post(time_off_url(two_booked), day_off(two_booked)).content.decode()
    move = offered_moves(html, first)[0]
    post = confirm(two_booked, "each", **{f"choice-{first.pk}": move, f"choice-{second.pk}": "keep"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(time_off_url(two_booked), post)
    assert response.status_code == 302
    assert len(time_off(two_booked)) == 1
    with scope(organization=two_booked.org.pk):
        moved = Appointment.objects.get(pk=first.pk)
        told = list(
            OutboxMessage.objects.filter(
                organization=two_booked.org, message_type=MessageType.APPOINTMENT_RESCHEDULED
            ).values_list("related_id", flat=True)
        )
    assert moved.start == datetime.fromisoformat(move.removeprefix("move:"))
    assert moved.status == Status.BOOKED and moved.version == first.version + 1
    assert told == [first.pk]
    assert statuses(two_booked, second) == [Status.BOOKED]
    page = client.get(time_off_url(two_booked)).content.decode()
    assert "1 appointment moved; the patient is told." in page
    assert "1 appointment kept outside working time" in page


def test_a_chosen_time_taken_meanwhile_saves_nothing_and_asks_again(two_booked, login):
    first, second = two_booked.booked
    client = login(two_booked.staff)
    html = client.post(time_off_url(two_booked), day_off(two_booked)).content.decode()
    move = offered_moves(html, first)[0]
    with scope(organization=two_booked.org.pk):
        walk_in = make_patient(two_booked.clinic, "Walk", "In")
    book(two_booked, walk_in, datetime.fromisoformat(move.removeprefix("move:")))
    post = confirm(two_booked, "each", **{f"choice-{first.pk}": move, f"choice-{second.pk}": "cancel"})
    response = client.post(time_off_url(two_booked), post)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stranded-refused"' in html and 'data-testid="move-refused"' in html
    assert move not in offered_moves(html, first)  # the taken time is no longer offered
    assert time_off(two_booked) == []
    assert statuses(two_booked, first, second) == [Status.BOOKED, Status.BOOKED]
    with scope(organization=two_booked.org.pk):
        assert Appointment.objects.get(pk=first.pk).start == first.start


@pytest.mark.parametrize("tampered", ["move:tomorrow", "move:2031-12-11T09:00", "move"])
def test_a_tampered_move_is_asked_about_again(two_booked, login, tampered):
    first, second = two_booked.booked
    post = confirm(two_booked, "each", **{f"choice-{first.pk}": tampered, f"choice-{second.pk}": "keep"})
    response = login(two_booked.staff).post(time_off_url(two_booked), post)
    assert response.status_code == 200 and f'data-stranded="{first.pk}"' in response.content.decode()
    assert time_off(two_booked) == []
