"""Practitioners' private calendar feeds: RFC 5545 text with stable UIDs and UTC times, a move bumps
SEQUENCE, a cancellation shows as cancelled, only the secret's hash is stored, and an unknown, replaced or
turned-off address, or scheduling switched off, answers 404."""

import re
from datetime import datetime, time, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django_scopes import scope, scopes_disabled

from core.tenancy.services import set_module_enabled
from plugins.scheduling import feeds, ics
from plugins.scheduling.models import CalendarFeed
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.rescheduling import reschedule
from plugins.scheduling.services.status import cancel

NEW_YORK = ZoneInfo("America/New_York")


def page(t):
    return f"/office/c/{t.clinic.slug}/scheduling/calendar-feed/"


def local(days, hour):
    day = datetime.now(NEW_YORK).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=NEW_YORK)


def book(t, start, **kwargs):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=t.patient,
            service=t.service,
            start=start,
            override=True,
            **kwargs,
        )


def create_address(client, t) -> str:
    response = client.post(page(t), {"action": "create"})
    assert response.status_code == 200
    found = re.findall(r'value="(http://testserver/public/scheduling/feed/[^"]+)"', response.content.decode())
    assert len(found) == 1
    return urlparse(found[0]).path


def events(body: str) -> dict[str, dict[str, str]]:
    """UID -> properties of each VEVENT (after unfolding)."""
    unfolded = body.replace("\r\n ", "")
    found = {}
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S):
        props = dict(line.split(":", 1) for line in block.split("\r\n") if line)
        found[props["UID"]] = props
    return found


@pytest.mark.django_db
def test_feed_follows_booking_move_and_cancellation(sched, login):
    client = login(sched.practitioner)
    path = create_address(client, sched)
    appointment = book(sched, local(7, 9))
    body = Client().get(path)
    assert body.status_code == 200
    assert body["Content-Type"] == "text/calendar; charset=utf-8"
    text = body.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    uid = f"appointment-{sched.org.pk}-{appointment.pk}@clinic-ehr"
    event = events(text)[uid]
    assert event["DTSTART"] == ics.utc(local(7, 9)) and event["DTSTART"].endswith("Z")
    assert event["SEQUENCE"] == "0" and event["STATUS"] == "CONFIRMED"
    assert sched.patient.family_name not in text  # initials only
    with scope(organization=sched.org.pk):
        moved = reschedule(appointment, expected_version=1, start=local(8, 11), override=True)
    event = events(Client().get(path).content.decode())[uid]
    assert event["DTSTART"] == ics.utc(local(8, 11))
    assert event["SEQUENCE"] == "1"
    assert event["LAST-MODIFIED"] == ics.utc(moved.updated_at)
    with scope(organization=sched.org.pk):
        cancel(moved, by_patient=True)
    event = events(Client().get(path).content.decode())[uid]
    assert event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) > 1


@pytest.mark.django_db
def test_times_are_utc_across_a_dst_change(sched):
    """New York: 09:00 is 14:00Z in winter and 13:00Z in summer."""
    with scope(organization=sched.org.pk):
        winter = book(sched, datetime(2031, 3, 7, 9, tzinfo=NEW_YORK))
        summer = book(sched, datetime(2031, 3, 10, 9, tzinfo=NEW_YORK))
        feed, _secret = feeds.create_or_rotate(sched.doctor)
        rows = feeds.feed_appointments(feed, {sched.clinic.pk}, now=datetime(2031, 3, 1, tzinfo=NEW_YORK))
        text = ics.calendar("Dr", rows, stamp=datetime(2031, 3, 1, tzinfo=NEW_YORK))
    found = events(text)
    assert found[ics.uid(winter)]["DTSTART"] == "20310307T140000Z"
    assert found[ics.uid(summer)]["DTSTART"] == "20310310T130000Z"


@pytest.mark.django_db
def test_only_the_hash_is_stored_and_old_addresses_stop_working(sched, login):
    client = login(sched.practitioner)
    first = create_address(client, sched)
    secret = first.rsplit("/", 1)[1].removesuffix(".ics")
    with scopes_disabled():
        feed = CalendarFeed.objects.get(membership=sched.doctor, revoked_at__isnull=True)
    assert feed.secret_hash != secret and len(feed.secret_hash) == 64
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM scheduling_calendarfeed WHERE secret_hash = %s OR prefix = %s",
            [secret, secret],
        )
        assert cursor.fetchone()[0] == 0
    second = create_address(client, sched)  # replace
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    assert client.post(page(sched), {"action": "revoke"}).status_code == 302
    assert Client().get(second).status_code == 404
    assert Client().get("/public/scheduling/feed/cal_unknown.ics").status_code == 404
    assert Client().get("/public/scheduling/feed/" + "x" * 300 + ".ics").status_code == 404


@pytest.mark.django_db
def test_scheduling_off_answers_404(sched, login):
    path = create_address(login(sched.practitioner), sched)
    with scope(organization=sched.org.pk):
        for clinic in sched.clinics:
            set_module_enabled(clinic, "scheduling", False)
    assert Client().get(path).status_code == 404


@pytest.mark.django_db
def test_window_and_pinned_query_count(sched, login, django_assert_num_queries):
    path = create_address(login(sched.practitioner), sched)
    inside = book(sched, local(2, 9))
    book(sched, local(-40, 9))  # before the window
    book(sched, local(200, 9))  # after the window
    with django_assert_num_queries(4):
        text = Client().get(path).content.decode()
    assert list(events(text)) == [ics.uid(inside)]
    for day in range(3, 23):
        book(sched, local(day, 10))
    with django_assert_num_queries(4):
        assert len(events(Client().get(path).content.decode())) == 21


@pytest.mark.django_db
def test_who_may_manage_feeds(sched, login):
    with scope(organization=sched.org.pk):
        feed, _secret = feeds.create_or_rotate(sched.doctor)
    revoke = f"{page(sched)}{feed.pk}/revoke/"
    assert login(sched.staff).get(page(sched)).status_code == 403
    owner = login(sched.owner)
    listing = owner.get(page(sched))
    assert listing.status_code == 200 and b'data-testid="all-feeds"' in listing.content
    practitioner = login(sched.practitioner)
    assert b'data-testid="all-feeds"' not in practitioner.get(page(sched)).content
    assert owner.post(revoke).status_code == 302
    with scope(organization=sched.org.pk):
        feed.refresh_from_db()
    assert feed.revoked_at is not None


def test_long_lines_fold_without_splitting_characters():
    line = "SUMMARY:" + "ü" * 60
    folded = ics.fold(line)
    parts = folded.split("\r\n ")
    assert len(parts) > 1 and "".join(parts) == line
    assert all(len(p.encode()) <= 75 for p in parts)
    assert ics.text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
