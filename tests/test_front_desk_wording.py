"""Words on the everyday screens say what happens: Approve / Decline a booking request, a practitioner's
title where people write it, a greeting by first name, a switched-off member told to ask their owner,
a lead time with its unit and never below zero, the clinic's name once in a portal title, a module
switch that reads as a switch, and quantities without trailing zeros."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from core.quantities import plain_quantity
from core.tenancy.models import Membership
from plugins.notifications.rendering import SAMPLE_CONTEXT, render_message
from plugins.scheduling.models import Appointment, Status
from plugins.scheduling.views.appointments import next_steps_of
from tests.test_isolation_pages import make_appointment

pytestmark = pytest.mark.django_db


def test_booking_requests_are_approved_or_declined(alpha, login):
    assert next_steps_of(Status.REQUESTED) == [
        (Status.BOOKED, "Approve"),
        (Status.CANCELLED_CLINIC, "Decline"),
    ]
    assert dict(next_steps_of(Status.BOOKED))[Status.CANCELLED_CLINIC] == "Cancelled by clinic"
    with scopes_disabled(), scope(organization=alpha.org.pk):
        appointment = make_appointment(alpha)
        Appointment.objects.filter(pk=appointment.pk).update(status=Status.REQUESTED)
    page = login(alpha.staff).get(f"/office/c/{alpha.clinic.slug}/scheduling/requests/").content.decode()
    assert ">Approve</button>" in page and ">Decline</button>" in page
    assert ">Booked</button>" not in page


@pytest.mark.parametrize(
    ("display_name", "title", "expected"),
    [
        ("Dr. Daniel Adams", "MD", "Dr. Daniel Adams, MD"),
        ("Daniel Adams", "Dr.", "Dr. Daniel Adams"),
        ("Dr. Daniel Adams", "Dr.", "Dr. Daniel Adams"),
        ("Daniel Adams", "", "Daniel Adams"),
    ],
)
def test_titled_name_puts_the_title_where_people_write_it(display_name, title, expected):
    assert Membership(display_name=display_name, title=title).titled_name == expected


def test_english_messages_greet_by_first_name_and_start_the_sentence_with_a_capital():
    rendered = render_message("appointment_reminder", "en", SAMPLE_CONTEXT)
    assert rendered.text.startswith("Hello Alex,\n\nThis is a reminder of your appointment")


def test_a_switched_off_member_is_told_to_ask_their_owner(alpha, login):
    client = login(alpha.staff)
    with scopes_disabled():
        Membership.objects.filter(user=alpha.staff).update(is_active=False)
    page = client.get("/office/")
    text = page.content.decode()
    assert page.status_code == 403
    assert "Your access is switched off" in text and "create your own practice" not in text


def test_lead_time_of_a_visit_recorded_afterwards_is_zero(alpha):
    from plugins.scheduling.metrics.appointments import lead_days

    with scopes_disabled(), scope(organization=alpha.org.pk):
        appointment = make_appointment(alpha)
        Appointment.objects.filter(pk=appointment.pk).update(created_at=appointment.start + timedelta(days=2))
        total = lead_days([alpha.clinic.pk], appointment.start - timedelta(days=1), appointment.end)
    assert total == Decimal("0")


def test_report_headline_in_days_carries_its_unit():
    from django.template import Context, Template

    html = Template(
        "{% load analytics_format %}{{ f.value|figure:f.unit }}"
        '{% if f.unit == "days" %} {% unit_name f %}{% endif %}'
    ).render(Context({"f": {"value": Decimal("16.7"), "unit": "days"}}))
    assert html == "16.7 days"


def test_module_switch_reads_as_a_switch(alpha, login):
    page = login(alpha.owner).get(f"/office/settings/clinics/{alpha.clinic.slug}/modules/").content.decode()
    assert 'role="switch"' in page and 'title="Switch off"' in page
    assert "bg-green-700 text-white" not in page  # no longer a green button labelled "On"


def test_quantities_read_without_trailing_zeros():
    assert plain_quantity(Decimal("6.000")) == "6"
    assert plain_quantity(Decimal("1.500")) == "1.5"
    assert plain_quantity(Decimal("100")) == "100"
    assert plain_quantity("n/a") == "n/a"


def test_low_stock_message_says_down_to_6_not_6000(alpha):
    from core.plugins import events
    from plugins.notifications.events import stock_low
    from plugins.notifications.models import OutboxMessage

    with scopes_disabled(), scope(organization=alpha.org.pk):
        stock_low(
            alpha.clinic,
            events.StockLow(
                item_id=1,
                item_name="Gauze",
                sku="GAUZE",
                on_hand=Decimal("6.000"),
                reorder_level=Decimal("10.000"),
            ),
        )
        bodies = [m.body_text for m in OutboxMessage.objects.all()]
    assert bodies and all("down to 6 " in body and "6.000" not in body for body in bodies), bodies


def test_portal_home_page_title_names_the_clinic_once(alpha):
    import re

    from django.test import Client

    from portal_site.provisioning import provision_clinic_site

    provision_clinic_site(alpha.clinic)
    page = Client().get(f"/c/{alpha.clinic.slug}/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()
    assert title.count(alpha.clinic.name) == 1, title
