"""Scheduling's portal blocks (booking widget, opening hours, price list): offered to every page body,
drawn from the page's own clinic, nothing where scheduling is off; the contact page's opening hours come
from the clinic's working hours and closures, and stay fresh in the page cache."""

from __future__ import annotations

import importlib
from datetime import time, timedelta

from django.apps import apps
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from core.tenancy.models import Clinic
from core.tenancy.services import set_module_enabled
from portal_site.blocks import module_blocks
from portal_site.models import ClinicHomePage, ContactPage

MONDAY = 0


def contact_of(clinic) -> ContactPage:
    return ContactPage.objects.get(
        organization_id=clinic.organization_id,
        slug="contact",
        depth__gt=2,
        path__startswith=ClinicHomePage.objects.get(clinic=clinic).path,
    )


def add_hours(tenant, clinic, weekday, start, end, **extra):
    from plugins.scheduling.services.working_time import add_working_hours

    return add_working_hours(
        clinic, tenant.memberships["practitioner"], weekday=weekday, start_time=start, end_time=end, **extra
    )


def closure(tenant, clinic, first, last, reason=""):
    from plugins.scheduling.models import ClinicClosure

    return ClinicClosure.objects.create(
        organization=tenant.org, clinic=clinic, start_date=first, end_date=last, reason=reason
    )


def test_scheduling_offers_its_three_blocks():
    names = [name for name, _block in module_blocks()]
    assert {"booking_widget", "opening_hours", "price_list"} <= set(names)


def test_contact_page_shows_working_hours_merged_per_day_and_closures(alpha, beta):
    today = timezone.now().astimezone(alpha.clinic.tzinfo).date()
    with scope(organization=alpha.org.pk):
        add_hours(alpha, alpha.clinic, MONDAY, time(8, 0), time(12, 0))
        add_hours(alpha, alpha.clinic, MONDAY, time(11, 0), time(12, 30))
        add_hours(alpha, alpha.clinic, MONDAY, time(13, 0), time(17, 0))
        # Hours of another clinic, and hours that ended, are not this clinic's opening hours.
        add_hours(alpha, alpha.clinics[1], 1, time(7, 0), time(9, 0))
        add_hours(
            alpha,
            alpha.clinic,
            2,
            time(6, 0),
            time(7, 0),
            valid_from=today - timedelta(days=30),
            valid_until=today - timedelta(days=1),
        )
        closure(alpha, alpha.clinic, today + timedelta(days=5), today + timedelta(days=7), "Team training")
        closure(alpha, alpha.clinic, today - timedelta(days=9), today - timedelta(days=8), "Long past")
    with scope(organization=beta.org.pk):
        closure(beta, beta.clinic, today + timedelta(days=2), today + timedelta(days=2), "Beta holiday")
    body = Client().get(f"/c/{alpha.clinic.slug}/contact").content.decode()
    assert "Opening hours" in body
    assert (
        '<th scope="row">Monday</th><td><span class="nowrap">08:00–12:30</span>, '
        '<span class="nowrap">13:00–17:00</span></td>'
    ) in body
    assert '<th scope="row">Tuesday</th><td>Closed</td>' in body
    assert '<th scope="row">Wednesday</th><td>Closed</td>' in body
    assert "Team training" in body
    assert "Long past" not in body and "Beta holiday" not in body


def test_free_text_hours_only_where_scheduling_is_off(alpha, django_capture_on_commit_callbacks):
    with scope(organization=alpha.org.pk):
        page = contact_of(alpha.clinic)
        page.opening_hours = "Mondays by arrangement"
        page.save_revision().publish()
    url = f"/c/{alpha.clinic.slug}/contact"
    body = Client().get(url).content.decode()
    assert "Mondays by arrangement" not in body and "opening-hours" in body
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        set_module_enabled(Clinic.objects.get(pk=alpha.clinic.pk), "scheduling", False)
    body = Client().get(url).content.decode()
    assert "Mondays by arrangement" in body and 'class="card opening-hours"' not in body


def test_changed_hours_and_closures_reach_the_cached_contact_page(alpha, django_capture_on_commit_callbacks):
    client = Client()
    url = f"/c/{alpha.clinic.slug}/contact"
    assert client.get(url)["X-Portal-Cache"] == "miss"
    assert client.get(url)["X-Portal-Cache"] == "hit"
    today = timezone.now().astimezone(alpha.clinic.tzinfo).date()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        closure(alpha, alpha.clinic, today + timedelta(days=3), today + timedelta(days=3), "Inventory day")
    response = client.get(url)
    assert response["X-Portal-Cache"] == "miss" and "Inventory day" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        add_hours(alpha, alpha.clinic, 4, time(9, 0), time(15, 0))
    assert "09:00–15:00" in client.get(url).content.decode()


def test_home_page_blocks_use_the_clinics_services_and_vanish_when_scheduling_is_off(
    alpha, bookable, django_capture_on_commit_callbacks
):
    with scope(organization=alpha.org.pk):
        home = ClinicHomePage.objects.get(clinic=alpha.clinic)
        home.body = [
            ("booking_widget", {"heading": "Book in a minute", "text": ""}),
            ("price_list", {"heading": "What it costs", "intro": ""}),
            ("paragraph", "<p>Welcome in</p>"),
        ]
        home.save_revision().publish()
    url = f"/c/{alpha.clinic.slug}/"
    body = Client().get(url).content.decode()
    assert "Book in a minute" in body and "What it costs" in body and "Welcome in" in body
    assert f'<option value="{bookable.pk}">Check-up (30 min)</option>' in body
    assert f'action="/c/{alpha.clinic.slug}/booking/"' in body
    # The price in the clinic's currency, written the way its language writes money.
    assert "Check-up</td><td>30 min</td><td>$40.00" in body
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        set_module_enabled(Clinic.objects.get(pk=alpha.clinic.pk), "scheduling", False)
    body = Client().get(url).content.decode()
    assert "Welcome in" in body
    assert "Book in a minute" not in body and "What it costs" not in body


def test_booking_widget_leads_to_live_times_on_the_booking_page(alpha, bookable):
    day = (timezone.now() + timedelta(days=1)).astimezone(alpha.clinic.tzinfo).date()
    response = Client().get(
        f"/c/{alpha.clinic.slug}/booking/",
        {"practitioner": "any", "service": bookable.pk, "date": day.isoformat()},
    )
    assert response.status_code == 200
    assert f"/c/{alpha.clinic.slug}/scheduling/confirm/?" in response.content.decode()
    assert "X-Portal-Cache" not in response


def test_booking_widget_says_so_when_online_booking_is_off(alpha):
    with scope(organization=alpha.org.pk):
        home = ClinicHomePage.objects.get(clinic=alpha.clinic)
        home.body = [("booking_widget", {"heading": "Book in a minute", "text": ""})]
        home.save_revision().publish()
    body = Client().get(f"/c/{alpha.clinic.slug}/").content.decode()
    assert "Book in a minute" in body and "Please call us" in body


def test_migration_gives_existing_contact_pages_the_opening_hours_block(alpha):
    migration = importlib.import_module("portal_site.migrations.0002_module_blocks_and_contact_body")
    with scope(organization=alpha.org.pk):
        empty = contact_of(alpha.clinic)
        empty.body = []
        empty.save_revision().publish()
        kept = contact_of(alpha.clinics[1])
        kept.body = [("paragraph", "<p>Ring the bell</p>")]
        kept.save_revision().publish()
        migration.opening_hours_on_contact_pages(apps, None)
        empty = ContactPage.objects.get(pk=empty.pk)
        assert [b.block_type for b in empty.body] == ["opening_hours"]
        assert [b.block_type for b in empty.get_latest_revision_as_object().body] == ["opening_hours"]
        assert [b.block_type for b in ContactPage.objects.get(pk=kept.pk).body] == ["paragraph"]


def test_each_block_reads_its_clinic_in_a_fixed_number_of_queries(alpha, bookable, django_assert_num_queries):
    from plugins.scheduling.portal.blocks import BookingWidgetBlock, OpeningHoursBlock, PriceListBlock

    with scope(organization=alpha.org.pk):
        clinic = Clinic.objects.select_related("organization").get(pk=alpha.clinic.pk)
        context = {"clinic": clinic, "portal_base": f"/c/{clinic.slug}/"}
        for block, queries in ((OpeningHoursBlock(), 2), (PriceListBlock(), 1), (BookingWidgetBlock(), 2)):
            value = block.to_python({})
            with django_assert_num_queries(queries):
                html = block.render(value, context)
            assert html.strip().startswith("<section"), html[:80]
