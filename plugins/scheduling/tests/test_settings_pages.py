"""The scheduling set-up pages: services, working hours and extra hours, time off, rooms, closures and the
booking policy; bad input comes back as form errors with nothing written; who may change what follows
PERMISSIONS.md."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from plugins.scheduling.models import (
    BookingPolicy,
    ClinicClosure,
    OnlineMode,
    Room,
    Service,
    ServicePractitioner,
    TimeOff,
    WorkingHours,
)

pytestmark = pytest.mark.django_db


def url(t, path=""):
    return f"/office/c/{t.clinic.slug}/scheduling/settings/{path}"


def rows(t, model, **filters):
    with scope(organization=t.org.pk):
        return list(model.objects.filter(organization=t.org, **filters))


SERVICE = {
    "name": "Physiotherapy",
    "duration_minutes": "45",
    "price": "65.50",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "10",
    "bookable_online": "on",
    "colour": "#10B981",
}


def test_services_create_edit_archive(sched, login):
    client = login(sched.staff)
    assert client.get(url(sched, "services/")).status_code == 200
    for bad, field_message in [
        ({"name": "Consultation"}, "already has a service with that name"),
        ({"duration_minutes": "2"}, "greater than or equal to 5"),
        ({"colour": "red"}, "Choose a colour like #2563eb."),
        ({"price": "-1"}, "The price must not be negative."),
    ]:
        response = client.post(
            url(sched, "services/"), {**SERVICE, **bad, "practitioners": [sched.doctor.pk]}
        )
        assert response.status_code == 400, bad
        assert field_message in response.content.decode(), bad
    assert len(rows(sched, Service)) == 1
    response = client.post(url(sched, "services/"), {**SERVICE, "practitioners": [sched.doctor.pk]})
    assert response.status_code == 302
    (service,) = rows(sched, Service, name="Physiotherapy")
    assert (service.duration_minutes, str(service.price), service.colour) == (45, "65.50", "#10b981")
    assert service.currency == sched.clinic.currency
    assert [link.membership_id for link in rows(sched, ServicePractitioner, service=service)] == [
        sched.doctor.pk
    ]
    edit = url(sched, f"services/{service.pk}/")
    assert client.get(edit).status_code == 200
    response = client.post(edit, {**SERVICE, "name": "Physio", "duration_minutes": "30"})  # nobody offers it
    assert response.status_code == 302
    (service,) = rows(sched, Service, pk=service.pk)
    assert (service.name, service.duration_minutes) == ("Physio", 30)
    assert rows(sched, ServicePractitioner, service=service) == []
    assert client.post(edit, {**SERVICE, "name": "Consultation"}).status_code == 400
    assert client.post(edit, {"action": "archive"}).status_code == 302
    assert rows(sched, Service, pk=service.pk)[0].active is False
    assert client.post(edit, {"action": "restore"}).status_code == 302
    assert rows(sched, Service, pk=service.pk)[0].active is True


def test_working_hours_weekly_extra_edit_and_remove(sched, login):
    client = login(sched.staff)
    before = len(rows(sched, WorkingHours))
    weekly = {
        "kind": "weekly",
        "weekly-practitioner": sched.doctor.pk,
        "weekly-weekday": "0",
        "weekly-start_time": "14:00",
        "weekly-end_time": "09:00",
        "weekly-valid_from": "2031-01-01",
    }
    response = client.post(url(sched, "hours/"), weekly)
    assert response.status_code == 400 and "The end must be after the start." in response.content.decode()
    response = client.post(
        url(sched, "hours/"), {**weekly, "weekly-end_time": "18:00", "weekly-valid_until": "2030-01-01"}
    )
    assert response.status_code == 400
    assert len(rows(sched, WorkingHours)) == before
    assert client.post(url(sched, "hours/"), {**weekly, "weekly-end_time": "18:00"}).status_code == 302
    extra = {
        "kind": "extra",
        "extra-practitioner": sched.doctor.pk,
        "extra-day": "2031-06-07",
        "extra-start_time": "19:00",
        "extra-end_time": "21:00",
    }
    assert client.post(url(sched, "hours/"), extra).status_code == 302
    (one_off,) = rows(sched, WorkingHours, valid_from=date(2031, 6, 7))
    assert (one_off.weekday, one_off.valid_until) == (5, date(2031, 6, 7))
    edit = url(sched, f"hours/{one_off.pk}/")
    assert client.get(edit).status_code == 200
    changed = {
        "weekday": "5",
        "start_time": "18:00",
        "end_time": "21:30",
        "valid_from": "2031-06-07",
        "valid_until": "2031-06-07",
    }
    assert client.post(edit, changed).status_code == 302
    assert rows(sched, WorkingHours, pk=one_off.pk)[0].start_time == time(18)
    assert client.post(edit, {**changed, "end_time": "17:00"}).status_code == 400
    assert client.post(edit, {"action": "delete"}).status_code == 302
    assert rows(sched, WorkingHours, pk=one_off.pk) == []


def test_a_practitioner_sets_only_their_own_hours_and_time_off(sched, login):
    client = login(sched.practitioner)
    owner = sched.memberships["owner"]
    weekly = {
        "kind": "weekly",
        "weekly-weekday": "2",
        "weekly-start_time": "08:00",
        "weekly-end_time": "12:00",
        "weekly-valid_from": "2031-01-01",
    }
    assert client.post(url(sched, "hours/"), {**weekly, "weekly-practitioner": owner.pk}).status_code == 400
    assert rows(sched, WorkingHours, membership=owner) == []
    assert (
        client.post(url(sched, "hours/"), {**weekly, "weekly-practitioner": sched.doctor.pk}).status_code
        == 302
    )
    off = {"practitioner": owner.pk, "start": "2031-02-02T08:00", "end": "2031-02-02T12:00"}
    assert client.post(url(sched, "time-off/"), off).status_code == 400
    assert rows(sched, TimeOff) == []
    # Services, rooms, closures and the booking policy are for owners and staff.
    for path in ("services/", "rooms/", "closures/"):
        assert client.get(url(sched, path)).status_code == 403, path
    home = client.get(url(sched))
    assert home.status_code == 200 and b'data-testid="policy-form"' not in home.content  # read only
    assert url(sched, "services/").encode() not in home.content
    assert url(sched, "services/").encode() in login(sched.staff).get(url(sched)).content
    assert client.post(url(sched), {"min_notice_minutes": "0"}).status_code == 403


def test_time_off_in_the_clinics_time_zone(sched, login):
    client = login(sched.staff)
    off = {"practitioner": sched.doctor.pk, "start": "2031-07-01T08:00", "end": "2031-07-01T07:00"}
    response = client.post(url(sched, "time-off/"), off)
    assert response.status_code == 400 and "The end must be after the start." in response.content.decode()
    assert (
        client.post(
            url(sched, "time-off/"), {**off, "end": "2031-07-01T12:30", "reason": "Course"}
        ).status_code
        == 302
    )
    (entry,) = rows(sched, TimeOff)
    assert entry.start == datetime(2031, 7, 1, 8, tzinfo=ZoneInfo("America/New_York"))
    assert "Course" in client.get(url(sched, "time-off/")).content.decode()
    assert client.post(url(sched, f"time-off/{entry.pk}/delete/")).status_code == 302
    assert rows(sched, TimeOff) == []


def test_rooms_and_closures(sched, login):
    client = login(sched.staff)
    assert client.post(url(sched, "rooms/"), {"name": "Room A", "active": "on"}).status_code == 302
    response = client.post(url(sched, "rooms/"), {"name": "Room A", "active": "on"})
    assert response.status_code == 400 and "already has a room with that name" in response.content.decode()
    (room,) = rows(sched, Room)
    assert client.post(url(sched, f"rooms/{room.pk}/"), {"name": "Room B"}).status_code == 302
    room = rows(sched, Room)[0]
    assert (room.name, room.active) == ("Room B", False)
    bad = {"start_date": "2031-12-27", "end_date": "2031-12-24", "reason": "Holidays"}
    assert client.post(url(sched, "closures/"), bad).status_code == 400
    assert (
        client.post(
            url(sched, "closures/"), {**bad, "start_date": "2031-12-24", "end_date": "2031-12-27"}
        ).status_code
        == 302
    )
    (closure,) = rows(sched, ClinicClosure)
    assert closure.end_date == date(2031, 12, 27)
    assert client.post(url(sched, f"closures/{closure.pk}/delete/")).status_code == 302
    assert rows(sched, ClinicClosure) == []


def test_booking_policy(sched, login):
    client = login(sched.staff)
    policy = {
        "min_notice_minutes": "120",
        "max_days_ahead": "60",
        "slot_granularity_minutes": "2",
        "online_mode": "instant",
    }
    assert client.post(url(sched), policy).status_code == 400
    assert (
        client.post(
            url(sched), {**policy, "max_days_ahead": "0", "slot_granularity_minutes": "15"}
        ).status_code
        == 400
    )
    assert client.post(url(sched), {**policy, "slot_granularity_minutes": "15"}).status_code == 302
    (saved,) = rows(sched, BookingPolicy)
    assert (
        saved.min_notice_minutes,
        saved.max_days_ahead,
        saved.slot_granularity_minutes,
        saved.online_mode,
    ) == (
        120,
        60,
        15,
        OnlineMode.INSTANT,
    )
