"""Every date and time a person reads is on the clinic's wall clock, whatever the server's own zone.

The server runs here in Pacific/Kiritimati (UTC+14), a zone no clinic uses, so a page that formats in
the server's zone instead of the clinic's shows a different time (and usually a different day). Each
check compares the rendered text with the clinic-local reading of the same instant.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import unquote

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scope

from plugins.scheduling.models import BookingPolicy, OnlineMode
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from plugins.scheduling.services.working_time import add_working_hours
from portal_site.tests.conftest import make_tenant_with_sites
from tests.conftest import client_for
from tests.factories import PASSWORD, link_patient_login, make_user

pytestmark = pytest.mark.django_db

SERVER_ZONE = "Pacific/Kiritimati"


@pytest.fixture(autouse=True)
def server_far_from_every_clinic(settings):
    settings.TIME_ZONE = SERVER_ZONE


def reads(instant: datetime, clinic, fmt: str) -> str:
    """``instant`` as a person at ``clinic`` reads it on their wall clock."""
    return date_format(instant.astimezone(clinic.tzinfo), fmt)


@pytest.fixture
def world(db):
    """Alpha with a New York clinic and a Berlin clinic, each taking instant online bookings of a
    30-minute check-up with the practitioner, who works round the clock at both."""
    tenant = make_tenant_with_sites("Alpha")
    tenant.ny, tenant.berlin = tenant.clinics
    tenant.ny.timezone, tenant.berlin.timezone = "America/New_York", "Europe/Berlin"
    tenant.ny.save()
    tenant.berlin.save()
    practitioner = tenant.memberships["practitioner"]
    tenant.services = {}
    with scope(organization=tenant.org.pk):
        for clinic in tenant.clinics:
            tenant.services[clinic.pk] = create_service(
                clinic, practitioners=[practitioner], name="Check-up", duration_minutes=30, price=40
            )
            for weekday in range(7):
                add_working_hours(
                    clinic, practitioner, weekday=weekday, start_time=time(0), end_time=time(23, 59)
                )
            BookingPolicy.objects.create(
                organization=tenant.org, clinic=clinic, online_mode=OnlineMode.INSTANT, min_notice_minutes=0
            )
    return tenant


def book(tenant, clinic, start: datetime):
    with scope(organization=tenant.org.pk):
        return book_appointment(
            clinic=clinic,
            practitioner=tenant.memberships["practitioner"],
            patient=tenant.patient,
            service=tenant.services[clinic.pk],
            start=start,
            override=True,
        )


def at(clinic, days_ahead: int, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` on the clinic's wall clock, ``days_ahead`` days after the clinic's today."""
    day = timezone.now().astimezone(clinic.tzinfo).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour, minute), tzinfo=clinic.tzinfo)


def signed_in_patient(tenant) -> Client:
    with scope(organization=tenant.org.pk):
        link_patient_login(tenant.patient, make_user("erin.patient@example.test"))
    client = Client()
    response = client.post(
        f"/c/{tenant.ny.slug}/account/login/",
        {"username": "erin.patient@example.test", "password": PASSWORD},
    )
    assert response.status_code == 302
    return client


SLOT = re.compile(r'href="([^"]*/scheduling/confirm/\?[^"]*start=([^"&]+))"[^>]*>([^<]+)</a>')


def booking_slots(client, clinic, service, day) -> list[tuple[str, datetime, str]]:
    page = client.get(f"/c/{clinic.slug}/booking?service={service.pk}&practitioner=any&date={day:%Y-%m-%d}")
    assert page.status_code == 200
    found = [
        (link.replace("&amp;", "&"), datetime.fromisoformat(unquote(start)), text.strip())
        for link, start, text in SLOT.findall(page.content.decode())
    ]
    assert found, "the day shows free times"
    return found


@pytest.mark.parametrize("which", ["ny", "berlin"])
def test_portal_booking_times_read_on_the_clinics_clock(world, which):
    clinic = getattr(world, which)
    day = at(clinic, 2, 0).date()
    slots = booking_slots(Client(), clinic, world.services[clinic.pk], day)
    assert [text for _, _, text in slots] == [reads(start, clinic, "H:i") for _, start, _ in slots]
    assert slots[0][2] == "00:00"


def test_booking_confirmation_names_the_clinics_time(world):
    client = signed_in_patient(world)
    clinic = world.ny
    slots = booking_slots(client, clinic, world.services[clinic.pk], at(clinic, 2, 0).date())
    link, start = next((link, start) for link, start, text in slots if text == "09:00")
    assert reads(start, clinic, "H:i") == "09:00"
    page = client.get(link).content.decode()
    assert f"{reads(start, clinic, 'l j F Y')}, {reads(start, clinic, 'H:i')}" in page


def test_my_appointments_shows_each_visit_on_its_clinics_clock(world):
    in_new_york = book(world, world.ny, at(world.ny, 3, 10))
    in_berlin = book(world, world.berlin, at(world.berlin, 4, 10))
    page = signed_in_patient(world).get(f"/c/{world.ny.slug}/account/appointments/").content.decode()
    for appointment, clinic in ((in_new_york, world.ny), (in_berlin, world.berlin)):
        assert reads(appointment.start, clinic, "l j F Y, H:i") in page
        assert reads(appointment.start, clinic, "H:i") == "10:00"


def test_office_dashboard_header_and_today_list(world):
    visit = book(world, world.ny, at(world.ny, 0, 0, 30))
    page = client_for(world.owner).get("/office/").content.decode()
    assert f"{world.ny.name} · {reads(timezone.now(), world.ny, 'l j F Y')}" in page
    assert f"<li>{reads(visit.start, world.ny, 'H:i')} · {world.patient.full_name}" in page


def test_office_calendar_day(world):
    visit = book(world, world.berlin, at(world.berlin, 1, 14, 45))
    day = visit.start.astimezone(world.berlin.tzinfo).date()
    owner = client_for(world.owner)
    page = owner.get(
        f"/office/c/{world.berlin.slug}/scheduling/?view=day&date={day:%Y-%m-%d}"
    ).content.decode()
    assert reads(visit.start, world.berlin, "l j F Y") in page
    assert "14:45" in page


def test_calendar_feed_page_shows_when_the_feed_was_made(world):
    from plugins.scheduling import feeds

    with scope(organization=world.org.pk):
        feed, _ = feeds.create_or_rotate(world.memberships["practitioner"])
    page = client_for(world.practitioner).get(f"/office/c/{world.ny.slug}/scheduling/calendar-feed/")
    assert page.status_code == 200
    assert f"Live since {reads(feed.created_at, world.ny, 'j M Y, H:i')}" in page.content.decode()


def test_inventory_transfers_list(world):
    from decimal import Decimal

    from plugins.inventory.models import Item
    from plugins.inventory.services.receiving import receive
    from plugins.inventory.services.transfers import TransferItem, send_transfer

    with scope(organization=world.org.pk):
        gauze = Item.objects.create(organization=world.org, name="Gauze", sku="GAUZE", cost_price="2.00")
        receive(world.ny, gauze, Decimal("10"), by=world.owner)
        transfer = send_transfer(world.ny, world.berlin, [TransferItem(gauze, Decimal("2"))], by=world.owner)
    page = client_for(world.owner).get(f"/office/c/{world.ny.slug}/inventory/transfers/").content.decode()
    assert f"<td>{reads(transfer.sent_at, world.ny, 'j M Y H:i')}</td>" in page


def test_audit_log_shows_each_change_on_its_clinics_clock(world):
    from pghistory.models import Events

    from tests.audit.helpers import chain_now

    chain_now()  # the audit trail is appended at commit; a test's transaction never commits
    page = client_for(world.owner).get("/office/settings/audit/?record_type=tenancy.Clinic").content.decode()
    with scope(organization=world.org.pk):
        changes = list(Events.objects.filter(pgh_obj_model="tenancy.Clinic").order_by("pgh_id"))
    assert changes
    zones = {str(c.pk): c for c in world.clinics}
    for change in changes:
        assert reads(change.pgh_created_at, zones[str(change.pgh_obj_id)], "j M Y H:i:s") in page
