"""A repeating appointment confirmed while others book the same practitioner, through the real HTTP server:
the series is booked whole or not at all, each time goes to exactly one patient, and every loser gets the
dates to decide again (409), never a server error or half a series."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from plugins.scheduling.models import Appointment, AppointmentSeries
from plugins.scheduling.services.booking import book_appointment
from tests.conftest import client_for
from tests.factories import make_patient
from tests.parallel_http import fire

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db(transaction=True)

WEEK = timedelta(weeks=1)
THIRD = MONDAY + 2 * WEEK


def test_a_series_confirmed_while_its_third_date_is_booked_is_all_or_nothing(sched, live_server):
    with scope(organization=sched.org.pk):
        blocker = make_patient(sched.clinic, "Dana", "Blocker")
        book_appointment(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=blocker,
            service=sched.service,
            start=at(MONDAY + WEEK, 11),
        )
        others = [make_patient(sched.clinic, "Walk", f"In{n}") for n in range(10)]
    url = f"{live_server.url}/office/c/{sched.clinic.slug}/scheduling/appointments/new/"
    common = {"service": sched.service.pk, "practitioner": sched.doctor.pk}
    # The office has seen the second date refused and chose to skip it; it now confirms the series...
    series = {
        **common,
        "patient": sched.patient.pk,
        "start": f"{MONDAY.isoformat()}T11:00",
        "repeat": "weekly",
        "interval": 1,
        "count": 4,
        f"on-{(MONDAY + WEEK).isoformat()}": "skip",
    }
    # ...while the front desk books walk-ins into the third date's time.
    singles = [{**common, "patient": p.pk, "start": f"{THIRD.isoformat()}T11:00"} for p in others]
    bodies = [series] * 10 + singles
    signed_in = [{"sessionid": client_for(sched.owner).cookies["sessionid"].value} for _ in bodies]

    responses = fire("POST", url, bodies, form=True, threads=20, cookies=signed_in)

    counts = Counter(r.status_code for r in responses)
    print(f"10 series confirmations and 10 bookings of its third date: {dict(counts)}")
    assert counts == {302: 1, 409: 19}
    with scopes_disabled():
        at_third = Appointment.objects.filter(start=at(THIRD, 11))
        assert at_third.count() == 1
        all_series = list(AppointmentSeries.objects.filter(organization=sched.org))
        in_series = Appointment.objects.filter(series__isnull=False).order_by("start")
        winner = responses.index(next(r for r in responses if r.status_code == 302))
    print("won by", "the series" if winner < 10 else "a walk-in")
    if winner < 10:  # the series won: whole, and every walk-in was told the time is taken
        assert len(all_series) == 1
        assert [a.start for a in in_series] == [at(MONDAY, 11), at(THIRD, 11), at(MONDAY + 3 * WEEK, 11)]
        assert all('data-testid="next-slots"' in r.text for r in responses[10:])
    else:  # a walk-in won: no series at all, and each confirmation shows the third date to decide on
        assert all_series == [] and not in_series.exists()
        for response in responses[:10]:
            assert f'data-conflict="{THIRD.isoformat()}"' in response.text
    # The losing confirmations of a won series see every date taken by it: nothing doubled.
    with scopes_disabled():
        assert Appointment.objects.filter(practitioner=sched.doctor).count() == 1 + (3 if all_series else 1)
