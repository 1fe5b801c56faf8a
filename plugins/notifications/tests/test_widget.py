"""The dashboard widget: failed and waiting messages of the clinic, with a link to the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from plugins.notifications.models import MessageType, OutboxMessage, Status
from plugins.notifications.selectors import trouble_summary

pytestmark = pytest.mark.django_db


def message(t, key, status, attempts=0, created_at=None, clinic=None):
    with scope(organization=t.org.pk):
        return OutboxMessage.objects.create(
            organization=t.org,
            clinic=clinic or t.clinic,
            patient=t.patient,
            recipient=t.patient.email,
            channel="email",
            message_type=MessageType.APPOINTMENT_REMINDER,
            idempotency_key=key,
            status=status,
            attempts=attempts,
            last_error="Connection refused" if attempts else "",
            created_at=created_at or timezone.now(),
        )


def test_dashboard_shows_failed_and_waiting_messages(alpha, login):
    failed = message(alpha, "w:1", Status.FAILED, attempts=5)
    message(alpha, "w:2", Status.QUEUED, attempts=2)
    message(alpha, "w:3", Status.QUEUED)
    message(alpha, "w:4", Status.SENT, attempts=1)
    message(alpha, "w:5", Status.FAILED, attempts=5, created_at=timezone.now() - timedelta(days=40))
    message(alpha, "w:6", Status.FAILED, attempts=5, clinic=alpha.clinics[1])
    page = login(alpha.staff).get("/office/").content.decode()
    assert 'data-testid="notifications-trouble"' in page
    assert "1 message failed" in page and "2 waiting to be sent" in page and "1 being retried" in page
    assert f'data-message="{failed.pk}"' in page and "Connection refused" in page
    assert f"/office/c/{alpha.clinic.slug}/notifications/?status=failed" in page


def test_nothing_wrong_and_who_sees_it(alpha, login):
    message(alpha, "w:1", Status.SENT, attempts=1)
    page = login(alpha.owner).get("/office/").content.decode()
    assert "No failed or waiting messages in the last 30 days." in page
    assert (
        'data-testid="notifications-trouble"'
        not in login(alpha.practitioner).get("/office/").content.decode()
    )


def test_the_widget_costs_two_queries_whatever_the_volume(alpha, django_assert_num_queries):
    for n in range(40):
        message(alpha, f"w:{n}", Status.FAILED if n % 2 else Status.QUEUED, attempts=n % 3)
    with scope(organization=alpha.org.pk), django_assert_num_queries(2):
        summary = trouble_summary(alpha.clinic)
    assert (summary["failed"], summary["queued"], len(summary["failures"])) == (20, 20, 5)
