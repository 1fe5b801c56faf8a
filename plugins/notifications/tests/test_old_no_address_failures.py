"""Messages logged "Failed" for want of an address, before "Not sent: no address" existed, are moved there
by a data migration; other failures keep their status."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from plugins.notifications.models import MessageType, OutboxMessage, Status
from plugins.notifications.selectors import trouble_summary

pytestmark = pytest.mark.django_db

migration = importlib.import_module("plugins.notifications.migrations.0004_old_no_address_failures")


def failed(t, key, recipient, error, channel="email"):
    with scope(organization=t.org.pk):
        return OutboxMessage.objects.create(
            organization=t.org,
            clinic=t.clinic,
            patient=t.patient,
            recipient=recipient,
            channel=channel,
            message_type=MessageType.APPOINTMENT_REMINDER,
            idempotency_key=key,
            status=Status.FAILED,
            last_error=error,
        )


def test_old_missing_address_failures_become_not_sent_no_address(alpha, beta):
    with translation.override("de"):
        german = gettext("The patient has no email address.")
    no_email = failed(alpha, "m:1", "", "The patient has no email address.")
    no_phone = failed(alpha, "m:2", "", "The patient has no phone number.", channel="sms")
    in_german = failed(beta, "m:3", "", german)
    provider_error = failed(alpha, "m:4", "erin@example.test", "SMTPServerDisconnected: gone")
    bad_number = failed(alpha, "m:5", "12", "The phone number “12” is not a valid number.", channel="sms")
    with scope(organization=alpha.org.pk):
        assert trouble_summary(alpha.clinic)["failed"] == 4

    moved = migration.reclassify_missing_address_failures(django_apps, None)

    assert moved == 3
    with scopes_disabled():
        status = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert status[no_email.pk] == status[no_phone.pk] == status[in_german.pk] == Status.NO_ADDRESS
    assert status[provider_error.pk] == status[bad_number.pk] == Status.FAILED
    # "Messages needing attention" counts only what someone can fix by sending again.
    with scope(organization=alpha.org.pk):
        assert trouble_summary(alpha.clinic)["failed"] == 2
    # Running it again changes nothing.
    assert migration.reclassify_missing_address_failures(django_apps, None) == 0
