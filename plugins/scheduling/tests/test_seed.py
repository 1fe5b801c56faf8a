import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Organization
from plugins.scheduling.models import Appointment, Service, WaitlistEntry, WorkingHours


def counts():
    with scopes_disabled():
        return (
            Service.objects.count(),
            WorkingHours.objects.count(),
            Appointment.objects.count(),
            WaitlistEntry.objects.count(),
        )


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_books_both_organizations():
    call_command("seed_demo")
    first = counts()
    assert all(first)
    call_command("seed_demo")
    assert counts() == first
    with scopes_disabled():
        beta = Organization.objects.get(slug="beta-care")
        alpha = Organization.objects.get(slug="alpha-health")
    with scope(organization=beta.pk):
        assert Appointment.objects.filter(organization=beta).exists()
        assert WaitlistEntry.objects.filter(organization=beta, status="waiting").count() >= 2
    with scope(organization=alpha.pk):
        entries = list(WaitlistEntry.objects.filter(organization=alpha))
    assert len(entries) >= 2 and any(e.practitioner_id is None for e in entries)
    assert any(e.practitioner_id for e in entries)
