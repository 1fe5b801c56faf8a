"""The calendar page as the front desk and practitioners use it: free cells link to a prefilled booking
form (booked, off and other people's cells do not, for a practitioner), the form takes its prefill only
when it fits and returns to the same calendar view, week views, filters, and what a practitioner may
act on."""

import re
from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Role
from plugins.scheduling.models import Appointment, Room, ServicePractitioner, TimeOff
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.status import set_status
from tests.factories import add_member, make_user

from .conftest import MONDAY, at, open_all_week

pytestmark = pytest.mark.django_db


def base(t):
    return f"/office/c/{t.clinic.slug}/scheduling/"


def book(t, start, practitioner=None, **kwargs):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic,
            practitioner=practitioner or t.doctor,
            patient=t.patient,
            service=t.service,
            start=start,
            **kwargs,
        )


def day_page(client, t, **params):
    response = client.get(base(t), {"date": MONDAY.isoformat(), **params})
    assert response.status_code == 200
    return response.content.decode()


def slot_link(html, time, name):
    """The href of the free cell booking ``time`` with ``name``, or None."""
    label = rf'aria-label="Book {time}(?: on [^"]+)? with {re.escape(name)}"'
    found = re.search(rf'<a [^>]*href="([^"]+)"[^>]*{label}', html)
    return found and found.group(1).replace("&amp;", "&")


@pytest.fixture
def second(sched):
    """Another practitioner at the clinic, offering the service, working 08:00-18:00."""
    with scopes_disabled():
        user = make_user("lee@alpha.test", full_name="Dr Lee")
        member = add_member(sched.org, user, Role.PRACTITIONER, [sched.clinic])
        ServicePractitioner.objects.create(organization=sched.org, service=sched.service, membership=member)
        open_all_week(sched, member, sched.clinic)
    sched.lee = member
    return sched


def test_free_cells_link_to_a_prefilled_form_and_booked_cells_do_not(sched, login):
    book(sched, at(MONDAY, 9))
    html = day_page(login(sched.staff), sched)
    name = sched.doctor.name
    link = slot_link(html, "10:30", name)
    assert link == (
        f"{base(sched)}appointments/new/?practitioner={sched.doctor.pk}&start={MONDAY.isoformat()}T10:30"
    )
    assert slot_link(html, "09:00", name) is None  # booked
    assert slot_link(html, "07:30", name) is None  # before working hours: no row at all
    assert 'data-drop-time="09:00"' in html
    # Rows at the clinic's 30-minute step, from the start to the end of the working day.
    times = re.findall(r'aria-label="Book (\d\d:\d\d) with', html)
    assert times[0] == "08:00" and times[-1] == "17:30" and "08:15" not in times


def test_time_off_is_shaded_and_not_offered(sched, login):
    with scopes_disabled():
        TimeOff.objects.create(
            organization=sched.org, membership=sched.doctor, start=at(MONDAY, 12), end=at(MONDAY, 13)
        )
    html = day_page(login(sched.staff), sched)
    assert slot_link(html, "12:00", sched.doctor.name) is None
    assert slot_link(html, "12:30", sched.doctor.name) is None
    assert slot_link(html, "13:00", sched.doctor.name)
    assert 'class="cal-cell cal-off cal-hour" style="grid-row:9"' in html  # 12:00: ninth row from 08:00


def test_prefill_is_taken_when_it_fits_and_ignored_when_it_does_not(sched, beta, login):
    client = login(sched.staff)
    url = base(sched) + "appointments/new/"
    good = client.get(
        url,
        {
            "practitioner": sched.doctor.pk,
            "start": f"{MONDAY.isoformat()}T10:30",
            "service": sched.service.pk,
            "patient": sched.patient.pk,
        },
    )
    html = good.content.decode()
    assert good.status_code == 200
    assert f'<option value="{sched.doctor.pk}" selected>' in html
    assert f'<option value="{sched.service.pk}" selected>' in html
    assert f'value="{MONDAY.isoformat()}T10:30"' in html
    for bad in (
        {"practitioner": "abc", "start": "tomorrow at ten"},
        {"practitioner": beta.memberships["practitioner"].pk, "patient": beta.patient.pk},
        {"practitioner": "9" * 30, "start": "2031-02-30T10:00", "service": "-1", "room": "0"},
        {"start": f"{MONDAY.isoformat()}T25:00", "back": "view=week&practitioner=<b>"},
    ):
        response = client.get(url, bad)
        assert response.status_code == 200, bad
        page = response.content.decode()
        assert re.findall(r'<option value="(\d+)" selected>', page) == [], bad
        assert "value=" not in re.search(r'<input[^>]*name="start"[^>]*>', page).group(0), bad


def test_booking_from_a_week_cell_returns_to_the_same_week(sched, login):
    client = login(sched.staff)
    html = day_page(client, sched, view="week", practitioner=sched.doctor.pk)
    link = slot_link(html, "10:00", sched.doctor.name)
    assert f'aria-label="Book 10:00 on Mon 3 Mar with {sched.doctor.name}"' in html
    assert "back=view%3Dweek%26practitioner%3D" in link
    form = client.get(link)
    assert 'name="back" value="view=week&amp;practitioner=' in form.content.decode()
    response = client.post(
        base(sched) + "appointments/new/",
        {
            "patient": sched.patient.pk,
            "service": sched.service.pk,
            "practitioner": sched.doctor.pk,
            "start": f"{MONDAY.isoformat()}T10:00",
            "back": f"view=week&practitioner={sched.doctor.pk}&evil=1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{base(sched)}?date={MONDAY.isoformat()}&view=week&practitioner={sched.doctor.pk}"
    )
    with scope(organization=sched.org.pk):
        assert Appointment.objects.get().start == at(MONDAY, 10)


def test_booking_form_in_the_calendar_dialog(sched, login):
    client = login(sched.staff)
    url = base(sched) + "appointments/new/"
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "calendar-dialog-body"}
    form = client.get(url, {"practitioner": sched.doctor.pk, "start": f"{MONDAY.isoformat()}T10:00"}, **htmx)
    html = form.content.decode()
    assert form.status_code == 200 and "<html" not in html
    assert f'hx-post="{url}?practitioner={sched.doctor.pk}&amp;start=' in html
    assert f'value="{MONDAY.isoformat()}T10:00"' in html
    data = {
        "patient": sched.patient.pk,
        "service": sched.service.pk,
        "practitioner": sched.doctor.pk,
        "start": f"{MONDAY.isoformat()}T10:00",
        "back": "view=week",
    }
    booked = client.post(url, data, **htmx)
    assert booked.status_code == 204
    assert booked["HX-Redirect"] == f"{base(sched)}?date={MONDAY.isoformat()}&view=week"
    taken = client.post(url, data, **htmx)
    assert taken.status_code == 409 and b'data-testid="next-slots"' in taken.content
    assert b"<html" not in taken.content
    # Without the dialog's header the same request is the full page.
    assert b"<html" in client.get(url).content


def test_week_views_clinic_and_one_practitioner(second, login):
    wednesday = MONDAY + timedelta(days=2)
    mine = book(second, at(wednesday, 9))
    theirs = book(second, at(wednesday, 9), practitioner=second.lee)
    client = login(second.staff)
    clinic_week = day_page(client, second, view="week")
    assert clinic_week.count('data-testid="calendar-column"') == 14  # seven days x two practitioners
    assert clinic_week.count('data-testid="calendar-day"') == 7
    assert f'data-appointment="{mine.pk}"' in clinic_week and f'data-appointment="{theirs.pk}"' in clinic_week
    one = day_page(client, second, view="week", practitioner=second.lee.pk)
    assert one.count('data-testid="calendar-column"') == 7
    assert f'data-appointment="{theirs.pk}"' in one and f'data-appointment="{mine.pk}"' not in one
    assert one.count(f'data-practitioner="{second.lee.pk}"') == 7


def test_filters_narrow_and_mute_and_bad_values_are_ignored(second, login):
    with scopes_disabled():
        room = Room.objects.create(organization=second.org, clinic=second.clinic, name="Room 1")
    in_room = book(second, at(MONDAY, 9), room=room)
    elsewhere = book(second, at(MONDAY, 11))
    client = login(second.staff)
    html = day_page(client, second, room=room.pk)
    assert re.search(rf'<article class="cal-block"[^>]*data-appointment="{in_room.pk}"', html)
    assert re.search(rf'<article class="cal-block cal-muted"[^>]*data-appointment="{elsewhere.pk}"', html)
    assert slot_link(html, "10:00", second.doctor.name)  # a filtered-out appointment still holds its time
    assert slot_link(html, "11:00", second.doctor.name) is None
    ignored = day_page(client, second, practitioner="x", room="99999999", service="1e3", view="month")
    assert ignored.count('data-testid="calendar-column"') == 2


def test_cancelled_appointments_leave_the_grid_and_are_listed(sched, login):
    cancelled = book(sched, at(MONDAY, 9))
    with scope(organization=sched.org.pk):
        set_status(cancelled, "cancelled_clinic")
    html = day_page(login(sched.staff), sched)
    assert slot_link(html, "09:00", sched.doctor.name)
    assert 'data-testid="calendar-cancelled"' in html and f'data-appointment="{cancelled.pk}"' in html


def test_practitioner_sees_the_clinic_but_acts_only_on_their_own(second, login):
    mine = book(second, at(MONDAY, 9))
    theirs = book(second, at(MONDAY, 9), practitioner=second.lee)
    html = day_page(login(second.practitioner), second)
    # Everyone's appointments are shown (the calendar of their own clinic) ...
    assert f'data-appointment="{mine.pk}"' in html and f'data-appointment="{theirs.pk}"' in html
    # ... but only their own column offers free slots and takes drops,
    assert slot_link(html, "10:00", second.doctor.name)
    assert slot_link(html, "10:00", second.lee.name) is None
    assert f'data-practitioner="{second.doctor.pk}" data-drop-column' in html
    assert f'data-practitioner="{second.lee.pk}" data-drop-column' not in html
    # ... and only their own appointments can be dragged or change status.
    own = re.search(rf'<article [^>]*data-appointment="{mine.pk}"[^>]*>', html).group(0)
    other = re.search(rf'<article [^>]*data-appointment="{theirs.pk}"[^>]*>', html).group(0)
    assert "data-movable" in own and "data-movable" not in other
    assert f"appointments/{mine.pk}/status/" in html and f"appointments/{theirs.pk}/status/" not in html


def test_staff_of_another_clinic_and_other_organizations_get_not_found(sched, beta, login):
    assert login(beta.staff).get(base(sched)).status_code == 404
    assert login(sched.staff).get(f"/office/c/{sched.clinics[1].slug}/scheduling/").status_code == 404


def test_drop_targets_follow_the_clinic_step_and_hours(sched, login):
    html = day_page(login(sched.staff), sched)
    assert 'data-step="30" data-first-minute="480" data-last-minute="1080"' in html
    assert 'data-drop-time="08:30"' in html and 'data-drop-time="17:30"' in html
    assert 'data-drop-time="08:15"' not in html and 'data-drop-time="06:00"' not in html


def test_spring_forward_day_draws_appointments_at_their_wall_clock_row(sched, login):
    spring_forward = MONDAY + timedelta(days=6)  # Sunday 9 March 2031: New York moves to summer time
    appointment = book(sched, at(spring_forward, 9))
    html = day_page(login(sched.staff), sched, date=spring_forward.isoformat())
    block = re.search(rf'<article [^>]*data-appointment="{appointment.pk}"[^>]*>', html).group(0)
    assert 'style="grid-row:3/4;' in block  # 09:00 is the third half-hour row from 08:00
    assert "09:00<span" in html


def test_someone_who_left_keeps_a_column_for_their_appointments_but_takes_no_bookings(second, login):
    kept = book(second, at(MONDAY, 9), practitioner=second.lee)
    with scopes_disabled():
        second.lee.is_active = False
        second.lee.save()
    html = day_page(login(second.staff), second)
    assert f'data-appointment="{kept.pk}"' in html
    assert f'data-practitioner="{second.lee.pk}"' in html and "Dr Lee</div>" in html
    assert slot_link(html, "10:00", "Dr Lee") is None
    assert slot_link(html, "10:00", second.doctor.name)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2031-13-01", "monday", "2031-03-03T10:00"])
def test_unusable_dates_show_today_instead_of_failing(sched, login, value):
    client = login(sched.staff)
    for view in ("day", "week"):
        assert client.get(base(sched), {"date": value, "view": view}).status_code == 200
    assert client.get(base(sched) + "day-sheet/", {"date": value}).status_code == 200


@pytest.mark.parametrize("start", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_times_at_the_ends_of_the_calendar_are_refused_with_a_message(sched, login, start):
    appointment = book(sched, at(MONDAY, 9))
    client = login(sched.staff)
    moved = client.post(
        f"{base(sched)}appointments/{appointment.pk}/move/",
        {"start": start, "practitioner": sched.doctor.pk, "version": 1},
    )
    assert moved.status_code == 400 and "Give a date between the years" in moved.json()["message"]
    data = {"start": start, "practitioner": sched.doctor.pk, "patient": sched.patient.pk}
    created = client.post(f"{base(sched)}appointments/new/", {**data, "service": sched.service.pk})
    assert created.status_code == 400 and b"Give a date between the years" in created.content
    with scope(organization=sched.org.pk):
        assert Appointment.objects.count() == 1
