"""The notifications JSON API: settings, templates with validation and preview, the message log with
filters and retry; roles, the module switch and the uniform error body."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django_scopes import scope

from core.tenancy.services import set_module_enabled
from plugins.notifications.models import MessageTemplate, MessageType, OutboxMessage, Status
from plugins.scheduling.tests.conftest import MONDAY
from tests.api.conftest import Api
from tests.conftest import client_for

from .conftest import at
from .helpers import book, outbox

pytestmark = pytest.mark.django_db


def api_for(user) -> Api:
    return Api(client_for(user))


def base(t) -> str:
    return f"/clinics/{t.clinic.pk}/notifications"


def error(response) -> dict:
    return response.json()["error"]


def failed(t, key="api:1", **fields) -> OutboxMessage:
    with scope(organization=t.org.pk):
        return OutboxMessage.objects.create(
            organization=t.org,
            clinic=t.clinic,
            patient=t.patient,
            recipient=t.patient.email,
            channel="email",
            message_type=MessageType.APPOINTMENT_BOOKED,
            idempotency_key=key,
            subject="Hello",
            body_text="Hello",
            status=Status.FAILED,
            attempts=5,
            last_error="boom",
            **fields,
        )


def test_settings_read_by_staff_changed_by_owners(sched):
    staff, owner = api_for(sched.staff), api_for(sched.owner)
    got = staff.get(f"{base(sched)}/settings")
    assert got.status_code == 200
    assert got.json() == {
        "email_enabled": True,
        "sms_enabled": False,
        "reminder_offsets": [1440, 120],
        "quiet_hours_start": "21:00:00",
        "quiet_hours_end": "08:00:00",
        "sender_name": "",
        "timezone": "America/New_York",
    }
    body = {
        "email_enabled": True,
        "sms_enabled": True,
        "reminder_offsets": [60, 2880, 60],
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "sender_name": " Alpha ",
    }
    assert error(staff.put(f"{base(sched)}/settings", body))["code"] == "forbidden"
    changed = owner.put(f"{base(sched)}/settings", body)
    assert changed.status_code == 200
    assert changed.json()["reminder_offsets"] == [2880, 60] and changed.json()["sender_name"] == "Alpha"
    assert staff.get(f"{base(sched)}/settings").json()["sms_enabled"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reminder_offsets": [0]}, "reminder_offsets"),
        ({"reminder_offsets": [60 * 24 * 31]}, "reminder_offsets"),
        ({"reminder_offsets": [10, 20, 30, 40, 50, 60]}, "reminder_offsets"),
        ({"quiet_hours_start": "22:00:00", "quiet_hours_end": None}, "quiet_hours_end"),
        ({"quiet_hours_start": "late"}, "quiet_hours_start"),
        ({"quiet_hours_start": "00:00:00Z", "quiet_hours_end": "08:00:00"}, "quiet_hours_start"),
        ({"quiet_hours_start": "22:00:00", "quiet_hours_end": "07:00+02:00"}, "quiet_hours_end"),
        ({"sender_name": "x" * 61}, "sender_name"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_settings_are_field_errors_and_change_nothing(sched, change, field):
    owner = api_for(sched.owner)
    body = {"email_enabled": False, "sms_enabled": True, **change}
    response = owner.put(f"{base(sched)}/settings", body)
    assert response.status_code == 422 and field in error(response)["fields"], response.json()
    assert owner.get(f"{base(sched)}/settings").json()["email_enabled"] is True


def test_templates_list_get_update_preview_and_reset(sched, django_capture_on_commit_callbacks):
    staff = api_for(sched.staff)
    listed = staff.get(f"{base(sched)}/templates").json()
    assert len(listed) == len(MessageType.values) * len(settings.LANGUAGES) and not any(
        t["custom"] for t in listed
    )
    one = staff.get(f"{base(sched)}/templates/appointment_booked/de").json()
    assert one["subject"].startswith("Ihr Termin am") and one["custom"] is False
    url = f"{base(sched)}/templates/appointment_booked/en"
    saved = staff.put(
        url, {"subject": "See you {{ date }}", "body": "Hi {{ patient_name }}!", "sms_body": ""}
    )
    assert saved.status_code == 200 and saved.json()["custom"] is True
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "See you Monday, 3 March 2031"
    # A part that does not render is refused, per field, and the saved wording stays.
    broken = staff.put(url, {"subject": "{% if %}", "body": "{% include 'x.html' %}"})
    assert broken.status_code == 422
    assert set(error(broken)["fields"]) == {"subject", "body"}
    assert staff.get(url).json()["subject"] == "See you {{ date }}"
    preview = staff.post(
        f"{url}/preview", {"subject": "{{ clinic_name }}", "body": "{% if %}", "sms_body": "ok " * 200}
    ).json()
    assert preview["subject"] == "Riverside Clinic" and preview["fell_back"] == ["body"]
    assert preview["sms_segments"] == 3 and preview["sms"].endswith("...")
    assert "<p>Hello Alex," in preview["html"]
    reset = staff.delete(url)
    assert reset.status_code == 200 and reset.json()["custom"] is False
    with scope(organization=sched.org.pk):
        assert not MessageTemplate.objects.filter(organization=sched.org).exists()
    for bad in ("templates/nope/en", "templates/appointment_booked/xx"):
        assert staff.get(f"{base(sched)}/{bad}").status_code == 404
    assert staff.put(url, {"subject": "", "body": "B"}).status_code == 422


def test_message_log_filters_and_retry(sched, beta, django_capture_on_commit_callbacks):
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    message = failed(sched)
    staff = api_for(sched.staff)
    everything = staff.get(f"{base(sched)}/messages").json()
    assert everything["count"] == 2 and everything["items"][0]["id"] == message.pk
    assert "body_text" not in everything["items"][0]
    only_failed = staff.get(f"{base(sched)}/messages", status="failed").json()
    assert [m["id"] for m in only_failed["items"]] == [message.pk]
    assert staff.get(f"{base(sched)}/messages", patient_id=sched.patient.pk).json()["count"] == 2
    assert staff.get(f"{base(sched)}/messages", patient_id=beta.patient.pk).json()["count"] == 0
    assert staff.get(f"{base(sched)}/messages", message_type="payment_receipt").json()["count"] == 0
    assert staff.get(f"{base(sched)}/messages", date_from="2031-01-01").json()["count"] == 0
    assert staff.get(f"{base(sched)}/messages", date_to="2020-01-01").json()["count"] == 0
    assert staff.get(f"{base(sched)}/messages", date_from="2020-01-01", channel="email").json()["count"] == 2
    assert staff.get(f"{base(sched)}/messages", status="lost").status_code == 422
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        retried = staff.post(f"{base(sched)}/messages/{message.pk}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    assert len(mail.outbox) == 1
    [row] = outbox(sched, pk=message.pk)
    assert row.status == Status.SENT and row.attempts == 1
    again = staff.post(f"{base(sched)}/messages/{message.pk}/retry")
    assert again.status_code == 422 and "Only failed messages" in error(again)["message"]
    assert staff.post(f"{base(sched)}/messages/abc/retry").status_code == 404


def test_roles_and_the_module_switch(sched):
    message = failed(sched)
    doctor = api_for(sched.practitioner)
    for path in ("settings", "templates", "messages"):
        assert error(doctor.get(f"{base(sched)}/{path}"))["code"] == "forbidden"
    assert doctor.post(f"{base(sched)}/messages/{message.pk}/retry").status_code == 403
    with scope(organization=sched.org.pk):
        set_module_enabled(sched.clinic, "notifications", False)
    owner = api_for(sched.owner)
    assert owner.get(f"{base(sched)}/settings").status_code == 404
    assert owner.post(f"{base(sched)}/messages/{message.pk}/retry").status_code == 404


def test_the_message_log_is_two_queries_whatever_its_size(sched):
    for n in range(30):
        failed(sched, key=f"api:{n}")
    staff = api_for(sched.staff)
    staff.get(f"{base(sched)}/messages")  # warm the session and member caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = staff.get(f"{base(sched)}/messages", page_size=25)
    log_queries = [q for q in queries.captured_queries if "notifications_outboxmessage" in q["sql"]]
    assert page.json()["count"] == 30 and len(page.json()["items"]) == 25
    assert len(log_queries) == 2  # COUNT and one SELECT
