"""Scheduling's patient pages in the portal: the booking steps (before and after signing in), the
confirmation, "My appointments" across organizations with cancel, reschedule and the calendar file, the
appointments in the data download, the addresses patients already have, and bad input answered with a
clear message rather than an error."""

from __future__ import annotations

from datetime import date, time, timedelta
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.tenancy.models import ClinicModule
from core.tenancy.services import set_module_enabled
from plugins.scheduling.models import Appointment, BookingPolicy, OnlineMode, Status
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from plugins.scheduling.services.working_time import add_working_hours
from portal_site.tests.conftest import make_tenant_with_sites
from portal_site.tests.test_portal import register, verify_from_mail
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user

pytestmark = pytest.mark.django_db

# Queries of "My appointments" for a patient of two organizations, whatever the number of appointments
# (it was 36 for twelve appointments before scheduling served the list: the clinic's policy was read again
# for every appointment).
# One more since the access log (its one INSERT of what the page showed), one more since the privacy
# notice is asked again when it changes (has the patient agreed to the version in force?).
MY_APPOINTMENTS_PAGE = 26


@pytest.fixture
def alpha(db):
    return make_tenant_with_sites("Alpha")


@pytest.fixture
def beta(db):
    return make_tenant_with_sites("Beta")


def make_bookable(tenant, mode=OnlineMode.INSTANT, **policy):
    """The tenant's first clinic takes online bookings of a 30-minute check-up, round the clock."""
    clinic = tenant.clinic
    practitioner = tenant.memberships["practitioner"]
    with scope(organization=tenant.org.pk):
        service = create_service(
            clinic, practitioners=[practitioner], name="Check-up", duration_minutes=30, price=40
        )
        for weekday in range(7):
            add_working_hours(
                clinic,
                practitioner,
                weekday=weekday,
                start_time=time(0, 0),
                end_time=time(23, 59),
                valid_from=date(2020, 1, 1),
            )
        BookingPolicy.objects.create(
            organization=tenant.org,
            clinic=clinic,
            online_mode=mode,
            **{"min_notice_minutes": 0, **policy},
        )
    return service


@pytest.fixture
def bookable(alpha):
    return make_bookable(alpha)


def first_slot_link(client, clinic, service):
    day = (timezone.now() + timedelta(days=1)).astimezone(clinic.tzinfo).date()
    page = client.get(f"/c/{clinic.slug}/booking?service={service.pk}&practitioner=any&date={day:%Y-%m-%d}")
    assert page.status_code == 200
    body = page.content.decode()
    start = body.rindex('"', 0, body.index("/scheduling/confirm/?")) + 1
    return body[start : body.index('"', start)].replace("&amp;", "&")


def params_of(link: str) -> dict:
    return {k: v[0] for k, v in parse_qs(link.split("?", 1)[1]).items()}


def signed_in_patient(tenant, email="pat@patients.test", patient=None):
    with scope(organization=tenant.org.pk):
        link_patient_login(patient or tenant.patient, make_user(email))
    client = Client()
    response = client.post(
        f"/c/{tenant.clinic.slug}/account/login/", {"username": email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def appointment_at(tenant, service, days=2, hour=10, patient=None):
    start = (timezone.now() + timedelta(days=days)).astimezone(tenant.clinic.tzinfo)
    start = start.replace(hour=hour, minute=0, second=0, microsecond=0)
    with scope(organization=tenant.org.pk):
        return book_appointment(
            clinic=tenant.clinic,
            practitioner=tenant.memberships["practitioner"],
            patient=patient or tenant.patient,
            service=service,
            start=start,
        )


def test_booking_flow_reschedule_cancel_and_ics(alpha, bookable):
    client = Client()
    link = first_slot_link(client, alpha.clinic, bookable)
    assert link.startswith(f"/c/{alpha.clinic.slug}/scheduling/confirm/?")
    assert "Sign in" in client.get(link).content.decode()
    register(client, alpha.clinic, next=link)
    assert verify_from_mail(client).status_code == 302
    confirm = client.get(link)
    assert confirm.status_code == 200 and "Book now" in confirm.content.decode()
    params = params_of(link)
    response = client.post(f"/c/{alpha.clinic.slug}/scheduling/confirm/", params)
    assert response.status_code == 302
    assert response["Location"] == f"/c/{alpha.clinic.slug}/account/appointments/"
    with scopes_disabled():
        appointment = Appointment.objects.get(patient__email="nora@example.test")
    assert appointment.status == Status.BOOKED and appointment.channel == "portal"
    page = client.get(f"/c/{alpha.clinic.slug}/account/appointments/").content.decode()
    assert "Check-up" in page and alpha.org.name in page
    own = f"/c/{alpha.clinic.slug}/account/scheduling/appointments/{appointment.pk}/"
    assert f'href="{own}reschedule/"' in page and f'href="{own}cancel/"' in page
    ics = client.get(f"{own}calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content
    # The same slot again: friendly "just taken" with alternatives, nothing written.
    again = client.post(f"/c/{alpha.clinic.slug}/scheduling/confirm/", params)
    assert again.status_code == 409 and "just taken" in again.content.decode()
    with scopes_disabled():
        assert Appointment.objects.filter(patient__email="nora@example.test").count() == 1
    new_start = (appointment.start + timedelta(hours=2)).astimezone(alpha.clinic.tzinfo)
    assert client.get(f"{own}reschedule/").status_code == 200
    moved = client.post(f"{own}reschedule/", {"version": appointment.version, "start": new_start.isoformat()})
    assert moved.status_code == 302
    with scopes_disabled():
        appointment.refresh_from_db()
    assert appointment.start == new_start
    cancelled = client.post(f"{own}cancel/", {"version": appointment.version})
    assert cancelled.status_code == 302 and cancelled["Location"] == f"{own}cancel/"
    with scopes_disabled():
        appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED_PATIENT
    data = client.get(f"/c/{alpha.clinic.slug}/account/my-data.json").json()
    assert data["organizations"][0]["patient"]["email"] == "nora@example.test"
    assert [a["status"] for a in data["organizations"][0]["appointments"]] == [Status.CANCELLED_PATIENT]


def test_addresses_patients_already_have_lead_to_the_same_pages(alpha, bookable):
    client = signed_in_patient(alpha)
    appointment = appointment_at(alpha, bookable)
    old = f"/c/{alpha.clinic.slug}/account/appointments/{appointment.pk}/"
    new = f"/c/{alpha.clinic.slug}/account/scheduling/appointments/{appointment.pk}/"
    for page in ("calendar.ics", "reschedule/"):
        response = client.get(f"{old}{page}")
        assert response.status_code == 308 and response["Location"] == f"{new}{page}"
        assert client.get(f"{old}{page}", follow=True).status_code == 200
    # A cancel form posted from a page loaded before the move still cancels (308 keeps the POST).
    response = client.post(f"{old}cancel/", {"version": appointment.version}, follow=True)
    assert response.redirect_chain[0] == (f"{new}cancel/", 308)
    assert "Your appointment is cancelled" in response.content.decode()
    link = first_slot_link(client, alpha.clinic, bookable)
    query = link.split("?", 1)[1]
    moved = client.get(f"/c/{alpha.clinic.slug}/booking/confirm/?{query}")
    assert (
        moved.status_code == 308
        and moved["Location"] == f"/c/{alpha.clinic.slug}/scheduling/confirm/?{query}"
    )
    assert client.get(f"{old.rstrip('/')}x/calendar.ics").status_code == 404


def test_booking_on_a_clinics_own_domain(alpha, bookable):
    from core.domains.models import ClinicDomain

    with scopes_disabled():
        ClinicDomain.objects.create(
            organization=alpha.org,
            clinic=alpha.clinic,
            hostname="book.alpha.test",
            verified_at=timezone.now(),
        )
    client = Client(HTTP_HOST="book.alpha.test")
    day = (timezone.now() + timedelta(days=1)).astimezone(alpha.clinic.tzinfo).date()
    page = client.get(
        f"/booking/?service={bookable.pk}&practitioner=any&date={day:%Y-%m-%d}"
    ).content.decode()
    start = page.index('href="/scheduling/confirm/?') + len('href="')
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    assert "I am new: create an account" in client.get(link).content.decode()
    query = link.split("?", 1)[1]
    moved = client.get(f"/booking/confirm/?{query}")
    assert moved.status_code == 308 and moved["Location"] == f"/scheduling/confirm/?{query}"


def test_someone_elses_appointment_is_not_found(alpha, beta, bookable):
    appointment = appointment_at(alpha, bookable)
    client = Client()
    register(client, alpha.clinic)
    verify_from_mail(client)
    base = f"/c/{alpha.clinic.slug}/account/scheduling/appointments/{appointment.pk}"
    assert client.get(f"{base}/calendar.ics").status_code == 404
    assert client.post(f"{base}/cancel/", {"version": 1}).status_code == 404
    assert client.get(f"{base}/reschedule/").status_code == 404
    beta_base = f"/c/{beta.clinic.slug}/account/scheduling/appointments/{appointment.pk}"
    assert client.get(f"{beta_base}/reschedule/").status_code == 404
    own = signed_in_patient(alpha)
    assert own.get(f"{base}/reschedule/?date=2031-13-45").status_code == 200
    for bad in ("abc", "-1", "0", "99999999999999999999999"):
        assert (
            client.get(
                f"/c/{alpha.clinic.slug}/account/scheduling/appointments/{bad}/reschedule/"
            ).status_code
            == 404
        )
    with scopes_disabled():
        appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_booking_page_honours_mode_off_and_module_off(alpha, bookable):
    with scope(organization=alpha.org.pk):
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(online_mode="off")
    assert "not available" in Client().get(f"/c/{alpha.clinic.slug}/booking").content.decode()
    assert Client().get(f"/c/{alpha.clinic.slug}/scheduling/confirm/?service=1").status_code == 404
    with scope(organization=alpha.org.pk):
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(online_mode="instant")
        ClinicModule.objects.create(
            organization=alpha.org, clinic=alpha.clinic, module="scheduling", enabled=False
        )
    page = Client().get(f"/c/{alpha.clinic.slug}/booking")
    assert page.status_code == 200 and "not available" in page.content.decode()
    assert Client().get(f"/c/{alpha.clinic.slug}/scheduling/confirm/?service=1").status_code == 404


def test_approval_mode_makes_a_request(alpha, bookable):
    with scope(organization=alpha.org.pk):
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(online_mode="approval")
    client = Client()
    register(client, alpha.clinic)
    verify_from_mail(client)
    link = first_slot_link(client, alpha.clinic, bookable)
    assert "Send request" in client.get(link).content.decode()
    response = client.post(f"/c/{alpha.clinic.slug}/scheduling/confirm/", params_of(link), follow=True)
    assert "Your request is sent." in response.content.decode()
    with scopes_disabled():
        assert Appointment.objects.get(patient__email="nora@example.test").status == Status.REQUESTED


def test_bad_booking_input_gets_a_clear_message_and_writes_nothing(alpha, beta, bookable):
    beta_service = make_bookable(beta)
    client = signed_in_patient(alpha)
    confirm = f"/c/{alpha.clinic.slug}/scheduling/confirm/"
    practitioner = alpha.memberships["practitioner"].pk
    tz = alpha.clinic.tzinfo
    with scope(organization=alpha.org.pk):
        hidden = create_service(
            alpha.clinic,
            practitioners=[alpha.memberships["practitioner"]],
            name="Staff only",
            duration_minutes=30,
            price=10,
            bookable_online=False,
        )
    soon = (
        (timezone.now() + timedelta(days=1)).astimezone(tz).replace(hour=9, minute=0, second=0, microsecond=0)
    )
    # A hidden service, another organization's service, a made-up practitioner: back to the booking page.
    for params in (
        {"service": hidden.pk, "practitioner": practitioner, "start": soon.isoformat()},
        {"service": beta_service.pk, "practitioner": practitioner, "start": soon.isoformat()},
        {"service": "x", "practitioner": practitioner, "start": soon.isoformat()},
        {"service": bookable.pk, "practitioner": practitioner, "start": "tomorrow"},
    ):
        response = client.post(confirm, params, follow=True)
        assert response.redirect_chain[-1][0] == f"/c/{alpha.clinic.slug}/booking/"
        assert "Please choose a service and a time first." in response.content.decode()
    response = client.post(
        confirm,
        {
            "service": bookable.pk,
            "practitioner": beta.memberships["practitioner"].pk,
            "start": soon.isoformat(),
        },
        follow=True,
    )
    assert "Please choose a practitioner who offers this service." in response.content.decode()
    # Days that do not exist are read as today, on the booking page and when moving an appointment.
    for day in ("2031-13-45", "2031-02-30", "x" * 500):
        page = client.get(
            f"/c/{alpha.clinic.slug}/booking/?service={bookable.pk}&practitioner=any&date={day}"
        )
        assert page.status_code == 200 and "Free times on" in page.content.decode()
    # A time in the past, and one beyond the booking window: the page says why.
    past = (
        (timezone.now() - timedelta(days=1)).astimezone(tz).replace(hour=9, minute=0, second=0, microsecond=0)
    )
    response = client.post(
        confirm, {"service": bookable.pk, "practitioner": practitioner, "start": past.isoformat()}
    )
    assert response.status_code == 200 and "booking window" in response.content.decode()
    far = soon + timedelta(days=400)
    response = client.post(
        confirm, {"service": bookable.pk, "practitioner": practitioner, "start": far.isoformat()}
    )
    assert response.status_code == 200 and "booking window" in response.content.decode()
    with scopes_disabled():
        assert not Appointment.objects.filter(organization=alpha.org).exists()


def test_a_late_change_is_refused_with_a_message(alpha, bookable):
    client = signed_in_patient(alpha)
    appointment = appointment_at(alpha, bookable, days=1)
    # The clinic now asks for three days' notice: tomorrow's appointment can no longer change online.
    with scope(organization=alpha.org.pk):
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(min_notice_minutes=60 * 24 * 3)
    own = f"/c/{alpha.clinic.slug}/account/scheduling/appointments/{appointment.pk}/"
    page = client.get(f"/c/{alpha.clinic.slug}/account/appointments/").content.decode()
    assert f"{own}calendar.ics" in page and f"{own}cancel/" not in page
    response = client.post(f"{own}cancel/", {"version": appointment.version}, follow=True)
    assert "can no longer be cancelled online" in response.content.decode()
    later = appointment.start + timedelta(hours=1)
    response = client.post(f"{own}reschedule/", {"version": appointment.version, "start": later.isoformat()})
    assert response.status_code == 200 and "can no longer be moved online" in response.content.decode()
    response = client.post(f"{own}reschedule/", {"version": appointment.version, "start": "not a time"})
    assert response.status_code == 200 and "Choose one of the times offered." in response.content.decode()
    with scopes_disabled():
        appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and appointment.version == 1


def test_my_appointments_lists_every_organization_and_follows_the_module_switch(
    alpha, beta, bookable, django_assert_num_queries, django_capture_on_commit_callbacks
):
    beta_service = make_bookable(beta)
    with scopes_disabled():
        user = make_user("both@patients.test")
        link_patient_login(alpha.patient, user)
        beta_patient = make_patient(beta.clinic, "Bea", "Both")
        link_patient_login(beta_patient, user)
    for hour in (9, 11, 13):
        appointment_at(alpha, bookable, hour=hour)
    appointment_at(beta, beta_service, patient=beta_patient)
    client = Client()
    client.force_login(user)
    url = f"/c/{alpha.clinic.slug}/account/appointments/"
    client.get(url)  # the first visit fills the process's caches (content types, the sites)
    with django_assert_num_queries(MY_APPOINTMENTS_PAGE):
        page = client.get(url).content.decode()
    assert page.count('class="card appointment"') == 4
    assert alpha.org.name in page and beta.org.name in page
    assert f"/c/{beta.clinic.slug}/account/scheduling/appointments/" in page
    for hour in (15, 17, 19):
        appointment_at(alpha, bookable, hour=hour)
    with django_assert_num_queries(MY_APPOINTMENTS_PAGE):
        assert client.get(url).content.decode().count('class="card appointment"') == 7
    # Scheduling switched off at Beta's clinic: its appointments leave the list, but stay the patient's data.
    with django_capture_on_commit_callbacks(execute=True), scope(organization=beta.org.pk):
        set_module_enabled(beta.clinic, "scheduling", False)
    page = client.get(url).content.decode()
    assert page.count('class="card appointment"') == 6
    assert f"/c/{beta.clinic.slug}/account/scheduling/appointments/" not in page
    data = client.get(f"/c/{alpha.clinic.slug}/account/my-data.json").json()
    exported = {part["organization"]: part for part in data["organizations"]}
    assert len(exported[beta.org.name]["appointments"]) == 1
    assert len(exported[alpha.org.name]["appointments"]) == 6
    assert exported[beta.org.name]["patient"]["given_name"] == "Bea"
