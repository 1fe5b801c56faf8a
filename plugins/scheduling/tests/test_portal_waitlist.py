"""A patient joins and leaves the waitlist from the portal: only services bookable online, only their own
entries, nothing where the clinic takes no online requests."""

from datetime import timedelta

import pytest
from django.test import Client
from django_scopes import scope

from plugins.scheduling import waitlist
from plugins.scheduling.models import BookingPolicy, Channel, OnlineMode, WaitlistEntry, WaitlistStatus
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


def page(t):
    return f"/c/{t.clinic.slug}/account/scheduling/"


def patient_client(t):
    with scope(organization=t.org.pk):
        link_patient_login(t.patient, make_user("waiting@patients.test"))
    client = Client()
    response = client.post(
        f"/c/{t.clinic.slug}/account/login/", {"username": "waiting@patients.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_join_list_and_leave(sched):
    client = patient_client(sched)
    assert client.get(page(sched)).status_code == 200
    join = {
        "service": sched.service.pk,
        "practitioner": "",
        "earliest": MONDAY.isoformat(),
        "latest": (MONDAY - timedelta(days=2)).isoformat(),
    }
    response = client.post(page(sched), join)
    assert response.status_code == 400
    assert "The end of the range must not be before its start." in response.content.decode()
    assert (
        client.post(page(sched), {**join, "latest": (MONDAY + timedelta(days=9)).isoformat()}).status_code
        == 302
    )
    with scope(organization=sched.org.pk):
        entry = WaitlistEntry.objects.get()
        other = waitlist.join(
            clinic=sched.clinic,
            patient=make_patient(sched.clinic, "Olga", "Other"),
            service=sched.service,
            practitioner=None,
            earliest=MONDAY,
            latest=MONDAY,
        )
    assert (entry.patient_id, entry.channel, entry.practitioner_id) == (
        sched.patient.pk,
        Channel.PORTAL,
        None,
    )
    listing = client.get(page(sched)).content.decode()
    assert "Consultation" in listing and "Olga" not in listing
    assert client.post(page(sched), {"leave": other.pk}).status_code == 404  # someone else's entry
    assert client.post(page(sched), {"leave": "x"}).status_code == 404
    assert client.post(page(sched), {"leave": entry.pk}).status_code == 302
    with scope(organization=sched.org.pk):
        entry.refresh_from_db()
        other.refresh_from_db()
    assert (entry.status, other.status) == (WaitlistStatus.REMOVED, WaitlistStatus.WAITING)


def test_services_not_bookable_online_are_not_offered_and_online_off_closes_it(sched):
    client = patient_client(sched)
    with scope(organization=sched.org.pk):
        sched.service.bookable_online = False
        sched.service.save()
    join = {"service": sched.service.pk, "earliest": MONDAY.isoformat(), "latest": MONDAY.isoformat()}
    assert client.post(page(sched), join).status_code == 400
    with scope(organization=sched.org.pk):
        BookingPolicy.objects.filter(clinic=sched.clinic).update(online_mode=OnlineMode.OFF)
        sched.service.bookable_online = True
        sched.service.save()
    response = client.get(page(sched))
    assert "does not take waitlist requests online" in response.content.decode()
    assert client.post(page(sched), join).status_code == 404
    with scope(organization=sched.org.pk):
        assert WaitlistEntry.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(sched):
    response = Client().get(page(sched))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/c/{sched.clinic.slug}/account/login/")
