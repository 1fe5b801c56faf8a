"""Cancelling from the portal is a confirmed step: the page shows the appointment and the clinic's
cancellation policy and cancels nothing; the confirming POST cancels and shows the result; the clinic's
cancellation notice refuses late cancellations; and the patient who gives up a time is never offered it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled

from core.plugins.manager import hookimpl, registry
from plugins.scheduling import waitlist
from plugins.scheduling.models import Appointment, BookingPolicy, Status
from tests.factories import make_patient

from .test_portal_booking import alpha, appointment_at, bookable, signed_in_patient  # noqa: F401

pytestmark = pytest.mark.django_db

POLICY = "Cancel at least a day ahead; later cancellations are charged 20.00."


def own(tenant, appointment) -> str:
    return f"/c/{tenant.clinic.slug}/account/scheduling/appointments/{appointment.pk}/"


def status_of(appointment) -> str:
    with scopes_disabled():
        return Appointment.objects.get(pk=appointment.pk).status


def test_the_button_asks_first_and_shows_the_policy(alpha, bookable):  # noqa: F811
    with scope(organization=alpha.org.pk):
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(cancellation_policy=POLICY)
    client = signed_in_patient(alpha)
    appointment = appointment_at(alpha, bookable, days=3, hour=10)
    listing = client.get(f"/c/{alpha.clinic.slug}/account/appointments/").content.decode()
    assert f'href="{own(alpha, appointment)}cancel/"' in listing
    assert f'action="{own(alpha, appointment)}cancel/"' not in listing  # no one-click form any more
    page = client.get(f"{own(alpha, appointment)}cancel/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Cancel this appointment?" in body and "Check-up" in body and "10:00" in body
    assert POLICY in body and "You can cancel online until" in body
    assert 'name="csrfmiddlewaretoken"' in body and 'data-testid="confirm-cancel"' in body
    assert status_of(appointment) == Status.BOOKED  # looking cancels nothing

    done = client.post(f"{own(alpha, appointment)}cancel/", {"version": appointment.version})
    assert done.status_code == 302 and done["Location"] == f"{own(alpha, appointment)}cancel/"
    assert status_of(appointment) == Status.CANCELLED_PATIENT
    result = client.get(done["Location"]).content.decode()
    assert "Your appointment is cancelled" in result and 'data-testid="confirm-cancel"' not in result
    # Sending the form again (a reload, a second tab) shows the same result and changes nothing.
    again = client.post(f"{own(alpha, appointment)}cancel/", {"version": appointment.version})
    assert again.status_code == 200 and "Your appointment is cancelled" in again.content.decode()


def test_csrf_is_required(alpha, bookable):  # noqa: F811
    client = signed_in_patient(alpha)
    client.handler.enforce_csrf_checks = True
    appointment = appointment_at(alpha, bookable, days=3)
    assert client.post(f"{own(alpha, appointment)}cancel/", {"version": 1}).status_code == 403
    assert status_of(appointment) == Status.BOOKED


def test_late_cancellation_is_refused_when_the_policy_says_so(alpha, bookable):  # noqa: F811
    client = signed_in_patient(alpha)
    appointment = appointment_at(alpha, bookable, days=1)
    with scope(organization=alpha.org.pk):
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(
            cancellation_notice_hours=72, cancellation_policy=POLICY
        )
    listing = client.get(f"/c/{alpha.clinic.slug}/account/appointments/").content.decode()
    assert f"{own(alpha, appointment)}cancel/" not in listing
    # Moving is still allowed: only the cancellation notice is longer than the minimum notice.
    assert f"{own(alpha, appointment)}reschedule/" in listing
    page = client.get(f"{own(alpha, appointment)}cancel/").content.decode()
    assert "can no longer be cancelled online" in page and 'data-testid="confirm-cancel"' not in page
    assert POLICY in page
    refused = client.post(f"{own(alpha, appointment)}cancel/", {"version": appointment.version})
    assert refused.status_code == 409 and "can no longer be cancelled online" in refused.content.decode()
    assert status_of(appointment) == Status.BOOKED


def test_someone_elses_appointment_is_not_found(alpha, bookable):  # noqa: F811
    with scope(organization=alpha.org.pk):
        other = make_patient(alpha.clinic, "Olga", "Other")
    theirs = appointment_at(alpha, bookable, days=3, patient=other)
    client = signed_in_patient(alpha)
    assert client.get(f"{own(alpha, theirs)}cancel/").status_code == 404
    assert client.post(f"{own(alpha, theirs)}cancel/", {"version": 1}).status_code == 404
    assert (
        client.get(f"/c/{alpha.clinic.slug}/account/scheduling/appointments/99999999/cancel/").status_code
        == 404
    )
    assert status_of(theirs) == Status.BOOKED


@pytest.fixture
def offered():
    """The waitlist entries each freed slot is offered to, as a listening module hears them."""
    seen = []

    class Listener:
        @hookimpl
        def clinic_waitlist_slot_freed(self, clinic, event):
            seen.extend(waiting.patient_id for waiting in event.waiting)

    listener = Listener()
    registry().pm.register(listener, name="portal-cancel-waitlist-listener")
    yield seen
    registry().pm.unregister(listener)


def test_the_patient_who_cancels_is_not_offered_their_own_time(
    alpha,  # noqa: F811
    bookable,  # noqa: F811
    offered,
    django_capture_on_commit_callbacks,
):
    appointment = appointment_at(alpha, bookable, days=3)
    day = appointment.start.astimezone(alpha.clinic.tzinfo).date()
    with scope(organization=alpha.org.pk):
        waiting = make_patient(alpha.clinic, "Wanda", "Waiting")
        for patient in (alpha.patient, waiting):  # the canceller was on the list for an earlier time too
            waitlist.join(
                clinic=alpha.clinic,
                patient=patient,
                service=bookable,
                practitioner=None,
                earliest=day - timedelta(days=1),
                latest=day + timedelta(days=1),
            )
    client = signed_in_patient(alpha)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{own(alpha, appointment)}cancel/", {"version": appointment.version})
    assert response.status_code == 302 and status_of(appointment) == Status.CANCELLED_PATIENT
    assert offered == [waiting.pk]
    offers = [m for m in mail.outbox if "time became free" in m.subject]
    assert not any(alpha.patient.email in m.to for m in offers)
