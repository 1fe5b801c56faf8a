"""The calendar offers exactly the times the booking takes: buffers are drawn and never offered, the free
cells of a day with appointments, buffers and time off are the engine's free slots, a refused time says
which appointment and which buffer is in the way, and an appointment left inside time off is marked."""

import re
from datetime import timedelta

import pytest
from django_scopes import scope

from plugins.scheduling import availability as av
from plugins.scheduling.calendar.grid import BUFFER, FREE
from plugins.scheduling.calendar.page import load
from plugins.scheduling.models import BookingPolicy, Service, ServicePractitioner, TimeOff
from plugins.scheduling.selectors import practitioner_inputs
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.conflicts import SlotTaken

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(sched):
    """A one-hour "Extended assessment" keeping 10 minutes free after it; the clinic's step is 15."""
    with scope(organization=sched.org.pk):
        service = Service.objects.create(
            organization=sched.org,
            clinic=sched.clinic,
            name="Extended assessment",
            duration_minutes=60,
            buffer_after_minutes=10,
            price="120.00",
        )
        ServicePractitioner.objects.create(organization=sched.org, service=service, membership=sched.doctor)
        BookingPolicy.objects.filter(clinic=sched.clinic).update(slot_granularity_minutes=15)
    return service


def book(t, service, start):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic, practitioner=t.doctor, patient=t.patient, service=service, start=start
        )


def column_states(t):
    with scope(organization=t.org.pk):
        data = load(t.clinic, {}, MONDAY)
    (column,) = [c for c in data.grid.columns if c.practitioner.pk == t.doctor.pk]
    return {cell.label: cell.state for cell in column.cells}, column


def test_free_cells_are_the_engines_free_slots(sched, assessment):
    book(sched, assessment, at(MONDAY, 10))
    book(sched, sched.service, at(MONDAY, 14))
    with scope(organization=sched.org.pk):
        TimeOff.objects.create(
            organization=sched.org, membership=sched.doctor, start=at(MONDAY, 16), end=at(MONDAY, 17, 20)
        )
    states, column = column_states(sched)
    with scope(organization=sched.org.pk):
        inputs, closures = practitioner_inputs(sched.clinic, [sched.doctor.pk], MONDAY, MONDAY)
    data = inputs[sched.doctor.pk]
    engine = av.compute_slots(
        rules=data.rules,
        tz=sched.clinic.tzinfo,
        date_from=MONDAY,
        date_to=MONDAY,
        request=av.Request(timedelta(minutes=15)),
        granularity=timedelta(minutes=15),
        busy=data.busy,
        time_off=data.time_off,
        closures=closures,
    )
    free_cells = sorted(label for label, state in states.items() if state == FREE)
    assert free_cells == sorted(slot.strftime("%H:%M") for slot in engine)
    # The buffer after the assessment blocks 11:00; 11:15 is free again; time off until 17:20 blocks 17:15.
    assert states["10:45"] != FREE and states["11:00"] == BUFFER and states["11:15"] == FREE
    assert states["17:15"] != FREE and states["17:30"] == FREE
    (band,) = column.blocks[0].buffers
    assert (band.minutes, band.after) == (10, True)


def test_the_buffer_is_drawn_and_its_cell_is_not_offered(sched, assessment, login):
    book(sched, assessment, at(MONDAY, 10))
    client = login(sched.staff)
    html = client.get(
        f"/office/c/{sched.clinic.slug}/scheduling/", {"date": MONDAY.isoformat()}
    ).content.decode()
    assert 'data-testid="calendar-buffer"' in html
    assert "10-minute buffer after" in html and ">buffer<" in html
    assert not re.search(r'aria-label="Book 11:00 with', html)
    assert re.search(r'aria-label="Book 11:15 with', html)


def test_a_refused_time_says_which_buffer_is_in_the_way(sched, assessment):
    first = book(sched, assessment, at(MONDAY, 10))
    with pytest.raises(SlotTaken) as refused:
        book(sched, sched.service, at(MONDAY, 11))
    name = f"{sched.patient.given_name} {sched.patient.family_name}"
    assert refused.value.message == (
        f"This time is blocked by the 10-minute buffer after {name}'s appointment (10:00–11:00)."
    )
    with pytest.raises(SlotTaken) as overlapping:
        book(sched, sched.service, at(MONDAY, 10, 30))
    assert overlapping.value.message == f"This time overlaps {name}'s appointment (10:00–11:00)."
    assert first.pk


def test_an_appointment_left_inside_time_off_is_marked(sched, login):
    book(sched, sched.service, at(MONDAY, 9))
    with scope(organization=sched.org.pk):
        TimeOff.objects.create(
            organization=sched.org, membership=sched.doctor, start=at(MONDAY, 8), end=at(MONDAY, 18)
        )
    client = login(sched.staff)
    html = client.get(
        f"/office/c/{sched.clinic.slug}/scheduling/", {"date": MONDAY.isoformat()}
    ).content.decode()
    assert "cal-stranded" in html and "During time off" in html
