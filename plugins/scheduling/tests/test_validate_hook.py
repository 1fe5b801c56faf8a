"""Other modules may refuse a booking, a move or a status change with a reason
(``clinic_appointment_validate``): the refusal changes nothing and the reason reaches the person, on the API
and in the forms."""

import pytest
from django_scopes import scope
from ehr_example.hooks import VETO_MARKER

from core.tenancy.services import set_module_enabled
from plugins.scheduling.models import Appointment, Status
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.series import book_series
from plugins.scheduling.services.series_plan import SeriesConflicts

from .conftest import MONDAY, at

JSON = "application/json"
REFUSED = "The example module refuses this appointment"


def api(t, path):
    return f"/api/v1/clinics/{t.clinic.pk}/scheduling/{path}"


def office(t, path=""):
    return f"/office/c/{t.clinic.slug}/scheduling/{path}"


def count(t):
    with scope(organization=t.org.pk):
        return Appointment.objects.count()


def booked(t, start, notes=""):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=t.patient,
            service=t.service,
            start=start,
            notes=notes,
        )


def mark_for_refusal(appointment):
    """Staff notes gain the marker after booking, so the next change to the appointment is refused."""
    with scope(organization=appointment.organization_id):
        Appointment.objects.filter(pk=appointment.pk).update(staff_notes=VETO_MARKER)


@pytest.mark.django_db
def test_hook_clinic_appointment_validate(sched, login):
    client = login(sched.staff)
    # Booking through the API: 422 with the reason, nothing written.
    body = {
        "patient_id": sched.patient.pk,
        "service_id": sched.service.pk,
        "practitioner_id": sched.doctor.pk,
        "start": at(MONDAY, 9).isoformat(),
        "notes": f"please {VETO_MARKER}",
    }
    response = client.post(api(sched, "appointments"), body, content_type=JSON)
    assert response.status_code == 422, response.content
    assert REFUSED in response.json()["error"]["message"]
    assert count(sched) == 0

    # Booking through the form: the form comes back with the reason, nothing written.
    form = {
        "patient": sched.patient.pk,
        "service": sched.service.pk,
        "practitioner": sched.doctor.pk,
        "start": f"{MONDAY.isoformat()}T09:00",
        "notes": VETO_MARKER,
    }
    response = client.post(office(sched, "appointments/new/"), form)
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert count(sched) == 0

    # Rescheduling through the API and the form: refused, the appointment stays where it was.
    appointment = booked(sched, at(MONDAY, 10))
    mark_for_refusal(appointment)
    response = client.post(
        api(sched, f"appointments/{appointment.pk}/reschedule"),
        {"start": at(MONDAY, 11).isoformat(), "version": appointment.version},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert "(reschedule)" in response.json()["error"]["message"]
    response = client.post(
        office(sched, f"appointments/{appointment.pk}/"),
        {"start": f"{MONDAY.isoformat()}T11:00", "practitioner": sched.doctor.pk, "version": 1},
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()

    # A status change: refused on the API (422) and by the one-click button (message, no change).
    response = client.post(
        api(sched, f"appointments/{appointment.pk}/status"), {"status": "arrived"}, content_type=JSON
    )
    assert response.status_code == 422
    assert "(status)" in response.json()["error"]["message"]
    response = client.post(
        office(sched, f"appointments/{appointment.pk}/status/"), {"status": "arrived"}, follow=True
    )
    assert REFUSED in response.content.decode()
    with scope(organization=sched.org.pk):
        unchanged = Appointment.objects.get(pk=appointment.pk)
    assert (unchanged.start, unchanged.version, unchanged.status) == (at(MONDAY, 10), 1, Status.BOOKED)
    assert count(sched) == 1


@pytest.mark.django_db
def test_a_module_that_is_off_has_no_say(sched):
    with scope(organization=sched.org.pk):
        set_module_enabled(sched.clinic, "example", False)
    appointment = booked(sched, at(MONDAY, 9), notes=VETO_MARKER)
    assert appointment.pk and appointment.status == Status.BOOKED


@pytest.mark.django_db
def test_refused_occurrences_of_a_series_are_reported_and_nothing_booked(sched):
    with scope(organization=sched.org.pk), pytest.raises(SeriesConflicts) as raised:
        book_series(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=sched.patient,
            service=sched.service,
            first_start=at(MONDAY, 9),
            frequency="weekly",
            count=2,
            notes=VETO_MARKER,
        )
    assert [REFUSED in c.problem for c in raised.value.plan.conflicts] == [True, True]
    assert count(sched) == 0
