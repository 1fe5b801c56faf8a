from __future__ import annotations

from django_scopes import scope

from plugins.notifications.models import NotificationSettings, OutboxMessage
from plugins.scheduling.services.booking import book_appointment


def book(t, start, capture, **kwargs):
    """Book through the scheduling module and run what happens after the commit (announce, tasks)."""
    with scope(organization=t.org.pk), capture(execute=True):
        return book_appointment(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=t.patient,
            service=t.service,
            start=start,
            override=True,
            **kwargs,
        )


def configure(t, **fields):
    with scope(organization=t.org.pk):
        NotificationSettings.objects.update_or_create(organization=t.org, clinic=t.clinic, defaults=fields)


def outbox(t, **filters):
    with scope(organization=t.org.pk):
        return list(OutboxMessage.objects.filter(organization=t.org, **filters).order_by("id"))
