"""The waitlist: joining with checked input, a cancelled or moved-away appointment announcing the waiting
entries its time suits (once the change commits, never for a rolled-back one), and the office page and API."""

from datetime import date, timedelta

import ehr_example
import pytest
from django.db import transaction
from django_scopes import scope

from plugins.scheduling import waitlist
from plugins.scheduling.models import Service, ServicePractitioner, WaitlistEntry, WaitlistStatus
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.rescheduling import reschedule
from plugins.scheduling.services.status import cancel
from tests.factories import make_patient

from .conftest import MONDAY, at

JSON = "application/json"


@pytest.fixture(autouse=True)
def _clear_calls():
    ehr_example.CALLS.clear()


def join(t, practitioner="doctor", earliest=MONDAY, latest=MONDAY + timedelta(days=6), **kwargs):
    with scope(organization=t.org.pk):
        return waitlist.join(
            clinic=t.clinic,
            patient=kwargs.pop("patient", t.patient),
            service=kwargs.pop("service", t.service),
            practitioner=t.doctor if practitioner == "doctor" else practitioner,
            earliest=earliest,
            latest=latest,
            **kwargs,
        )


def book(t, start):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic, practitioner=t.doctor, patient=t.patient, service=t.service, start=start
        )


def freed_calls(t):
    return [c for c in ehr_example.CALLS if c == ("waitlist", t.clinic.pk)]


@pytest.fixture
def heard():
    """The entries each ``clinic_waitlist_slot_freed`` carried, as a listening plugin hears them."""
    from core.plugins.manager import hookimpl, registry

    seen = []

    class Listener:
        @hookimpl
        def clinic_waitlist_slot_freed(self, clinic, entries, start, end):
            seen.append(([e.pk for e in entries], start, end))

    listener = Listener()
    registry().pm.register(listener, name="waitlist-listener")
    yield seen
    registry().pm.unregister(listener)


@pytest.mark.django_db
def test_cancellation_announces_matching_entries_after_commit(
    sched, heard, django_capture_on_commit_callbacks
):
    specific = join(sched)
    anyone = join(sched, practitioner=None, notes="mornings")
    with scope(organization=sched.org.pk):
        later = make_patient(sched.clinic, "Lena", "Later")
    join(sched, patient=later, earliest=MONDAY + timedelta(days=1))  # from the day after: no match
    appointment = book(sched, at(MONDAY, 9))
    with (
        scope(organization=sched.org.pk),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        cancel(appointment, by_patient=True)
        raise RuntimeError("rolled back")
    assert heard == [] and freed_calls(sched) == []
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        cancel(appointment, by_patient=True)
    assert heard == [([specific.pk, anyone.pk], at(MONDAY, 9), at(MONDAY, 9, 30))]
    assert freed_calls(sched) == [("waitlist", sched.clinic.pk)]  # the example module heard it


@pytest.mark.django_db
def test_a_move_frees_the_old_time(sched, heard, django_capture_on_commit_callbacks):
    entry = join(sched, earliest=MONDAY, latest=MONDAY)
    appointment = book(sched, at(MONDAY, 9))
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        reschedule(appointment, expected_version=1, start=at(MONDAY + timedelta(days=2), 9))
    assert heard == [([entry.pk], at(MONDAY, 9), at(MONDAY, 9, 30))]


@pytest.mark.django_db
def test_other_services_booked_entries_and_past_times_free_nothing(
    sched, heard, django_capture_on_commit_callbacks
):
    with scope(organization=sched.org.pk):
        other = Service.objects.create(
            organization=sched.org, clinic=sched.clinic, name="Massage", duration_minutes=30
        )
        ServicePractitioner.objects.create(organization=sched.org, service=other, membership=sched.doctor)
    join(sched, service=other)
    done = join(sched, practitioner=None)
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        waitlist.set_status(done, WaitlistStatus.BOOKED)
        appointment = book(sched, at(MONDAY, 9))
        cancel(appointment, by_patient=False)
        # A time already past frees nothing.
        assert (
            waitlist.slot_freed(
                sched.clinic,
                sched.service.pk,
                sched.doctor.pk,
                at(date(2020, 1, 6), 9),
                at(date(2020, 1, 6), 10),
            )
            == []
        )
    assert heard == []


@pytest.mark.django_db
def test_join_refuses_bad_input_and_duplicates(sched):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        join(sched, earliest=MONDAY, latest=MONDAY - timedelta(days=1))
    assert "latest" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        join(sched, earliest=date(2020, 1, 1), latest=date(2020, 1, 31))
    assert "latest" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        join(sched, latest=MONDAY + timedelta(days=800))
    assert "latest" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        join(sched, practitioner=sched.memberships["staff"])
    assert "practitioner" in error.value.message_dict
    join(sched)
    with pytest.raises(ValidationError):
        join(sched, earliest=MONDAY + timedelta(days=3))
    with scope(organization=sched.org.pk):
        assert WaitlistEntry.objects.count() == 1
    with scope(organization=sched.org.pk):
        entry = WaitlistEntry.objects.get()
        waitlist.set_status(entry, WaitlistStatus.BOOKED)
        with pytest.raises(ValidationError):
            waitlist.set_status(entry, WaitlistStatus.WAITING)  # booked is final


@pytest.mark.django_db
def test_office_page_adds_and_marks_entries(sched, login):
    url = f"/office/c/{sched.clinic.slug}/scheduling/waitlist/"
    client = login(sched.staff)
    assert client.get(url).status_code == 200
    data = {
        "patient": sched.patient.pk,
        "service": sched.service.pk,
        "practitioner": "",
        "earliest": MONDAY.isoformat(),
        "latest": (MONDAY - timedelta(days=1)).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "The end of the range must not be before its start." in response.content.decode()
    response = client.post(url, {**data, "latest": (MONDAY + timedelta(days=5)).isoformat()})
    assert response.status_code == 302
    with scope(organization=sched.org.pk):
        entry = WaitlistEntry.objects.get()
    assert entry.practitioner_id is None and entry.created_by == sched.staff
    page = client.get(url).content.decode()
    assert f'data-waitlist-entry="{entry.pk}"' in page
    assert client.post(f"{url}{entry.pk}/status/", {"status": "offered"}).status_code == 302
    with scope(organization=sched.org.pk):
        entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED


@pytest.mark.django_db
def test_api_join_list_and_mark(sched, login):
    base = f"/api/v1/clinics/{sched.clinic.pk}/scheduling/waitlist"
    client = login(sched.staff)
    body = {
        "patient_id": sched.patient.pk,
        "service_id": sched.service.pk,
        "practitioner_id": sched.doctor.pk,
        "earliest": MONDAY.isoformat(),
        "latest": (MONDAY + timedelta(days=5)).isoformat(),
    }
    response = client.post(base, {**body, "latest": "2020-01-01"}, content_type=JSON)
    assert response.status_code == 422
    assert "latest" in response.json()["error"]["fields"]
    response = client.post(base, body, content_type=JSON)
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["status"] == "waiting" and entry["channel"] == "api"
    assert [e["id"] for e in client.get(base).json()] == [entry["id"]]
    response = client.post(f"{base}/{entry['id']}/status", {"status": "removed"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "removed"
    assert client.get(base).json() == []
    response = client.post(f"{base}/{entry['id']}/status", {"status": "booked"}, content_type=JSON)
    assert response.status_code == 422
