import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django_scopes import scope, scopes_disabled

from plugins.scheduling.models import Appointment, Status
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.conflicts import SlotTaken

from .conftest import MONDAY, at

JSON = "application/json"


def url(t, path):
    return f"/api/v1/clinics/{t.clinic.pk}/scheduling/{path}"


def payload(t, start, **extra):
    return {
        "patient_id": t.patient.pk,
        "service_id": t.service.pk,
        "practitioner_id": t.doctor.pk,
        "start": start.isoformat(),
        **extra,
    }


@pytest.mark.django_db
def test_book_then_conflict_with_next_slots(sched, login):
    client = login(sched.staff)
    response = client.post(url(sched, "appointments"), payload(sched, at(MONDAY, 9)), content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "booked" and body["version"] == 1 and body["channel"] == "api"
    response = client.post(url(sched, "appointments"), payload(sched, at(MONDAY, 9)), content_type=JSON)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "slot_taken"
    assert error["next_slots"][0]["start"].startswith("2031-03-03T09:30:00-05:00")


@pytest.mark.django_db
def test_availability_search_any_and_one_practitioner(sched, login):
    client = login(sched.owner)
    params = {"service": sched.service.pk, "from": MONDAY.isoformat(), "to": MONDAY.isoformat()}
    response = client.get(url(sched, "availability"), params)
    assert response.status_code == 200, response.content
    slots = response.json()["slots"]
    assert len(slots) == 20  # 08:00-18:00 in 30-minute steps
    assert slots[0]["practitioner_ids"] == [sched.doctor.pk]
    with scope(organization=sched.org.pk):
        book_appointment(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=sched.patient,
            service=sched.service,
            start=at(MONDAY, 8),
        )
    response = client.get(url(sched, "availability"), {**params, "practitioner": sched.doctor.pk})
    assert len(response.json()["slots"]) == 19


@pytest.mark.django_db
def test_reschedule_with_version_cancel_and_status(sched, login):
    client = login(sched.staff)
    appt = client.post(url(sched, "appointments"), payload(sched, at(MONDAY, 9)), content_type=JSON).json()
    base = url(sched, f"appointments/{appt['id']}")
    moved = client.post(
        f"{base}/reschedule", {"start": at(MONDAY, 10).isoformat(), "version": 1}, content_type=JSON
    )
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = client.post(
        f"{base}/reschedule", {"start": at(MONDAY, 11).isoformat(), "version": 1}, content_type=JSON
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    assert stale.json()["error"]["current_version"] == 2
    bad = client.post(f"{base}/status", {"status": "completed"}, content_type=JSON)
    assert bad.status_code == 422
    arrived = client.post(f"{base}/status", {"status": "arrived"}, content_type=JSON)
    assert arrived.json()["status"] == "arrived"
    other = client.post(url(sched, "appointments"), payload(sched, at(MONDAY, 14)), content_type=JSON).json()
    cancelled = client.post(
        url(sched, f"appointments/{other['id']}/cancel"),
        {"by": "patient", "reason": "ill"},
        content_type=JSON,
    )
    assert cancelled.json()["status"] == "cancelled_patient"
    assert cancelled.json()["cancellation_reason"] == "ill"


@pytest.mark.django_db
def test_services_working_hours_and_time_off_endpoints(sched, login):
    staff = login(sched.staff)
    created = staff.post(
        url(sched, "services"),
        {"name": "Check-up", "duration_minutes": 20, "price": "45.50", "practitioner_ids": [sched.doctor.pk]},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert created.json()["currency"] == "USD"
    assert {s["name"] for s in staff.get(url(sched, "services")).json()} == {"Consultation", "Check-up"}
    hours = staff.post(
        url(sched, "working-hours"),
        {"practitioner_id": sched.doctor.pk, "weekday": 0, "start_time": "19:00", "end_time": "20:00"},
        content_type=JSON,
    )
    assert hours.status_code == 201, hours.content
    assert len(staff.get(url(sched, "working-hours")).json()) == 8
    off = staff.post(
        url(sched, "time-off"),
        {
            "practitioner_id": sched.doctor.pk,
            "start": at(MONDAY, 8).isoformat(),
            "end": at(MONDAY, 18).isoformat(),
            "reason": "conference",
        },
        content_type=JSON,
    )
    assert off.status_code == 201, off.content
    listed = staff.get(url(sched, "time-off"), {"from": MONDAY.isoformat(), "to": MONDAY.isoformat()})
    assert [t["reason"] for t in listed.json()] == ["conference"]
    # The practitioner cannot add services but can manage their own hours.
    doctor = login(sched.practitioner)
    refused = doctor.post(url(sched, "services"), {"name": "X", "duration_minutes": 20}, content_type=JSON)
    assert refused.status_code == 403
    own = doctor.post(
        url(sched, "working-hours"),
        {"practitioner_id": sched.doctor.pk, "weekday": 1, "start_time": "19:00", "end_time": "20:00"},
        content_type=JSON,
    )
    assert own.status_code == 201
    someone_else = doctor.post(
        url(sched, "working-hours"),
        {
            "practitioner_id": sched.memberships["staff"].pk,
            "weekday": 1,
            "start_time": "19:00",
            "end_time": "20:00",
        },
        content_type=JSON,
    )
    assert someone_else.status_code == 403


@pytest.mark.django_db
def test_other_organization_and_other_clinic_are_not_found(sched, beta, login):
    outsider = login(beta.owner)
    assert outsider.get(url(sched, "services")).status_code == 404
    staff = login(sched.staff)  # staff works at the first clinic only
    other_clinic = f"/api/v1/clinics/{sched.clinics[1].pk}/scheduling/services"
    assert staff.get(other_clinic).status_code == 404


@pytest.mark.django_db
def test_practitioner_acts_on_own_appointments_only(sched, login):
    from tests.factories import add_member, make_user

    with scopes_disabled():
        colleague_user = make_user()
        colleague = add_member(sched.org, colleague_user, "practitioner", [sched.clinic])
        sched.service.practitioners.through.objects.create(
            organization=sched.org, service=sched.service, membership=colleague
        )
    doctor = login(sched.practitioner)
    mine = doctor.post(url(sched, "appointments"), payload(sched, at(MONDAY, 9)), content_type=JSON)
    assert mine.status_code == 201
    theirs = doctor.post(
        url(sched, "appointments"),
        payload(sched, at(MONDAY, 9), practitioner_id=colleague.pk, override=True),
        content_type=JSON,
    )
    assert theirs.status_code == 403
    staff_booked = login(sched.staff).post(
        url(sched, "appointments"),
        payload(sched, at(MONDAY, 9), practitioner_id=colleague.pk, override=True),
        content_type=JSON,
    )
    assert staff_booked.status_code == 201
    refused = doctor.post(
        url(sched, f"appointments/{staff_booked.json()['id']}/status"),
        {"status": "arrived"},
        content_type=JSON,
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_availability_query_count_does_not_depend_on_appointments_elsewhere(
    sched, login, django_assert_max_num_queries
):
    client = login(sched.owner)
    params = {
        "service": sched.service.pk,
        "from": MONDAY.isoformat(),
        "to": (MONDAY + timedelta(days=6)).isoformat(),
    }
    client.get(url(sched, "availability"), params)  # warm the session and caches

    def fill(n, first_day):
        with scope(organization=sched.org.pk):
            for i in range(n):
                day = first_day + timedelta(days=i // 10)
                book_appointment(
                    clinic=sched.clinic,
                    practitioner=sched.doctor,
                    patient=sched.patient,
                    service=sched.service,
                    start=at(day, 8 + i % 10),
                    override=True,
                )

    fill(10, MONDAY - timedelta(days=60))
    with django_assert_max_num_queries(6) as few:
        assert client.get(url(sched, "availability"), params).status_code == 200
    fill(190, MONDAY + timedelta(days=30))
    with django_assert_max_num_queries(6) as many:
        assert client.get(url(sched, "availability"), params).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_of_one_slot_exactly_one_wins(sched):
    org_id = sched.org.pk
    start = at(MONDAY, 9)
    barrier = threading.Barrier(50)
    outcomes = []
    lock = threading.Lock()

    def attempt(i):
        try:
            with scope(organization=org_id):
                barrier.wait(timeout=30)
                try:
                    book_appointment(
                        clinic=sched.clinic,
                        practitioner=sched.doctor,
                        patient=sched.patient,
                        service=sched.service,
                        start=start + timedelta(minutes=i % 3 * 5),  # overlapping, not only identical
                    )
                    result = "booked"
                except SlotTaken:
                    result = "taken"
                except Exception as error:  # noqa: BLE001
                    result = f"error: {error!r}"
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == 49, outcomes
    with scope(organization=org_id):
        assert Appointment.objects.filter(status=Status.BOOKED).count() == 1
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_api_requests_of_one_slot(sched):
    from tests.conftest import client_for

    clients = [client_for(sched.staff) for _ in range(50)]
    barrier = threading.Barrier(50)
    codes = []
    lock = threading.Lock()
    body = payload(sched, at(MONDAY, 11))

    def attempt(client):
        try:
            barrier.wait(timeout=30)
            response = client.post(url(sched, "appointments"), body, content_type=JSON)
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(codes) == [201] + [409] * 49, codes
    with scope(organization=sched.org.pk):
        assert Appointment.objects.count() == 1
    assert isinstance(Client(), Client)


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["9999-12-31T23:30:00+00:00", "0001-01-01T00:00:00+00:00"])
def test_a_start_at_the_edge_of_the_calendar_is_refused_not_an_error(sched, login, start):
    client = login(sched.staff)
    response = client.post(
        url(sched, "appointments"), {**payload(sched, at(MONDAY, 9)), "start": start}, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert "1900" in response.content.decode()
    with scope(organization=sched.clinic.organization_id):
        assert not Appointment.objects.exists()
