"""Time off is the practitioner's, at every clinic of the organization: adding it lists the booked patients
it strands at each clinic the member manages (saying which clinic, on that clinic's clock), and counts —
without naming or touching — those at clinics the member does not manage."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from plugins.scheduling.models import Appointment, Status, TimeOff
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from tests.factories import make_patient

from .conftest import at, open_all_week

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2031, 12, 10)
THURSDAY = date(2031, 12, 11)
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def two_clinics(sched):
    """The doctor is booked at Downtown (New York) at 09:00 and at Riverside (Chicago) at 10:00 Chicago
    time (11:00 in New York) on Wednesday, and at Riverside only on Thursday."""
    riverside = sched.clinics[1]
    with scope(organization=sched.org.pk):
        riverside.timezone = "America/Chicago"
        riverside.save()
        service = create_service(
            riverside, practitioners=[sched.doctor], name="Home visit", duration_minutes=30
        )
        open_all_week(sched, sched.doctor, riverside)
        far = make_patient(riverside, "Milo", "Riverside")
        sched.here = book_appointment(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=sched.patient,
            service=sched.service,
            start=at(WEDNESDAY, 9),
        )
        sched.there = [
            book_appointment(
                clinic=riverside,
                practitioner=sched.doctor,
                patient=far,
                service=service,
                start=datetime.combine(day, time(10), tzinfo=CHICAGO),
                override=True,  # Riverside's default booking window does not reach 2031
            )
            for day in (WEDNESDAY, THURSDAY)
        ]
    return sched


def url(t):
    return f"/office/c/{t.clinic.slug}/scheduling/settings/time-off/"


def day_off(t, day=WEDNESDAY):
    return {
        "practitioner": t.doctor.pk,
        "start": f"{day.isoformat()}T08:00",
        "end": f"{day.isoformat()}T18:00",
        "reason": "Course",
    }


def status(t, appointment):
    with scope(organization=t.org.pk):
        return Appointment.objects.get(pk=appointment.pk).status


def time_off(t):
    with scope(organization=t.org.pk):
        return TimeOff.objects.filter(organization=t.org).count()


def test_an_owner_sees_the_patients_at_every_clinic_with_the_clinics_name(two_clinics, login):
    response = login(two_clinics.owner).post(url(two_clinics), day_off(two_clinics))

    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="stranded-confirm"' in html
    wednesday_there = two_clinics.there[0]
    assert f'data-stranded="{two_clinics.here.pk}"' in html
    assert f'data-stranded="{wednesday_there.pk}"' in html
    assert f'data-stranded="{two_clinics.there[1].pk}"' not in html  # Thursday is not in the time off
    assert "at Alpha Riverside" in html and "Milo Riverside" in html
    assert "Wed 10 Dec 2031, 10:00–10:30" in html  # Riverside's own clock
    assert 'data-testid="stranded-elsewhere"' not in html
    assert time_off(two_clinics) == 0


def test_the_owner_may_cancel_the_one_at_the_other_clinic(two_clinics, login):
    there = two_clinics.there[0]
    post = {
        **day_off(two_clinics),
        "confirm": "1",
        "stranded": [two_clinics.here.pk, there.pk],
        "for_all": "each",
        f"choice-{two_clinics.here.pk}": "keep",
        f"choice-{there.pk}": "cancel",
    }
    assert login(two_clinics.owner).post(url(two_clinics), post).status_code == 302
    assert time_off(two_clinics) == 1
    assert status(two_clinics, two_clinics.here) == Status.BOOKED
    assert status(two_clinics, there) == Status.CANCELLED_CLINIC


def test_staff_of_one_clinic_see_the_others_counted_not_named(two_clinics, login):
    client = login(two_clinics.staff)  # front desk of Downtown only
    response = client.post(url(two_clinics), day_off(two_clinics))

    html = response.content.decode()
    assert f'data-stranded="{two_clinics.here.pk}"' in html
    assert f'data-stranded="{two_clinics.there[0].pk}"' not in html
    assert "Milo" not in html and "Riverside" not in html
    assert "also affects 1 more booked appointment at a clinic you do not manage" in html

    # Even a hand-made decision about the other clinic's appointment leaves it alone.
    there = two_clinics.there[0]
    post = {
        **day_off(two_clinics),
        "confirm": "1",
        "stranded": [two_clinics.here.pk, there.pk],
        "for_all": "cancel",
    }
    assert client.post(url(two_clinics), post).status_code == 302
    assert time_off(two_clinics) == 1
    assert status(two_clinics, two_clinics.here) == Status.CANCELLED_CLINIC
    assert status(two_clinics, there) == Status.BOOKED


def test_only_others_stranded_still_asks_once(two_clinics, login):
    client = login(two_clinics.staff)
    response = client.post(url(two_clinics), day_off(two_clinics, THURSDAY))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stranded-elsewhere"' in html and "data-stranded=" not in html
    assert time_off(two_clinics) == 0

    confirmed = client.post(url(two_clinics), {**day_off(two_clinics, THURSDAY), "confirm": "1"})
    assert confirmed.status_code == 302
    assert time_off(two_clinics) == 1
    assert status(two_clinics, two_clinics.there[1]) == Status.BOOKED
