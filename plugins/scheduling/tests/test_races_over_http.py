"""Many people sending the same change at the same moment, through the real HTTP server and each request
on its own database connection: the database (a lock or a constraint) decides who wins, and every loser
gets the same clear answer the sequential path gives, never a server error or a duplicate."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from core.tenancy.models import Role
from plugins.scheduling.models import Appointment, Room, Service, ServicePractitioner, WaitlistEntry
from tests.factories import add_member, make_user
from tests.parallel_http import fire

from .conftest import MONDAY, at, days_after, open_all_week

pytestmark = pytest.mark.django_db(transaction=True)


def owner_token(tenant) -> str:
    with scopes_disabled():
        return create_token(tenant.owner, tenant.org, "parallel")[1]


def post_all(live_server, token: str, path: str, bodies: list[dict], threads: int) -> list[tuple[int, dict]]:
    """POST each body to ``path`` from ``threads`` threads at once; (status, JSON body) per request."""
    responses = fire(
        "POST", live_server.url + path, bodies, {"Authorization": f"Bearer {token}"}, threads=threads
    )
    return [(response.status_code, response.json()) for response in responses]


def statuses(results) -> Counter:
    return Counter(status for status, _body in results)


def test_twenty_identical_waitlist_joins_make_one_entry(sched, live_server):
    token = owner_token(sched)
    body = {
        "patient_id": sched.patient.pk,
        "service_id": sched.service.pk,
        "earliest": MONDAY.isoformat(),
        "latest": days_after(MONDAY, 14).isoformat(),
    }
    path = f"/api/v1/clinics/{sched.clinic.pk}/scheduling/waitlist"

    results = post_all(live_server, token, path, [body] * 20, threads=20)

    print(f"20 parallel waitlist joins: {dict(statuses(results))}")
    assert statuses(results) == {201: 1, 422: 19}
    for status, answer in results:
        if status == 422:
            assert answer["error"]["code"] == "invalid"
            assert "already waiting" in answer["error"]["message"]
    with scopes_disabled():
        assert WaitlistEntry.objects.filter(patient=sched.patient, service=sched.service).count() == 1


@pytest.mark.parametrize("thing", ["services", "rooms"])
def test_ten_parallel_creations_of_one_name_make_one(sched, live_server, thing):
    """Services over the API; rooms through the same set-up function the office uses, from threads."""
    if thing == "rooms":
        _ten_parallel_rooms(sched)
        return
    token = owner_token(sched)
    body = {"name": "Massage", "duration_minutes": 45}
    path = f"/api/v1/clinics/{sched.clinic.pk}/scheduling/services"

    results = post_all(live_server, token, path, [body] * 10, threads=10)

    print(f"10 parallel service creations: {dict(statuses(results))}")
    assert statuses(results) == {201: 1, 422: 9}
    for status, answer in results:
        if status == 422:
            assert answer["error"]["fields"]["name"] == ["This clinic already has a service with that name."]
    with scopes_disabled():
        assert Service.objects.filter(clinic=sched.clinic, name="Massage").count() == 1


def _ten_parallel_rooms(sched):
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django_scopes import scope

    from plugins.scheduling.setup import save_room

    def create(_n):
        try:
            with scope(organization=sched.org.pk):
                save_room(sched.clinic, name="Room 1")
            return "saved"
        except ValidationError as error:
            return error.message_dict["name"][0]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcome = Counter(pool.map(create, range(10)))
    print(f"10 parallel room creations: {dict(outcome)}")
    assert outcome == {"saved": 1, "This clinic already has a room with that name.": 9}
    with scopes_disabled():
        assert Room.objects.filter(clinic=sched.clinic, name="Room 1").count() == 1


def test_fifty_bookings_of_one_room_by_two_practitioners_answer_one_201_and_409s(sched, live_server):
    with scopes_disabled():
        second = add_member(
            sched.org, make_user("second-doctor@alpha.test"), Role.PRACTITIONER, [sched.clinic]
        )
        ServicePractitioner.objects.create(organization=sched.org, service=sched.service, membership=second)
        open_all_week(sched, second, sched.clinic)
        room = Room.objects.create(organization=sched.org, clinic=sched.clinic, name="Room A")
    token = owner_token(sched)
    practitioners = [sched.doctor.pk, second.pk]
    bodies = [
        {
            "patient_id": sched.patient.pk,
            "service_id": sched.service.pk,
            "practitioner_id": practitioners[n % 2],
            "room_id": room.pk,
            "start": at(MONDAY, 9).isoformat(),
        }
        for n in range(50)
    ]
    path = f"/api/v1/clinics/{sched.clinic.pk}/scheduling/appointments"

    results = post_all(live_server, token, path, bodies, threads=16)

    print(f"50 parallel bookings of one room: {dict(statuses(results))}")
    assert statuses(results) == {201: 1, 409: 49}
    assert {answer["error"]["code"] for status, answer in results if status == 409} == {"slot_taken"}
    with scopes_disabled():
        assert Appointment.objects.filter(room=room).count() == 1
