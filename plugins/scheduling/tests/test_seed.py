import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Organization
from plugins.scheduling.models import Appointment, Service, WorkingHours


def counts():
    with scopes_disabled():
        return (Service.objects.count(), WorkingHours.objects.count(), Appointment.objects.count())


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_books_both_organizations():
    call_command("seed_demo")
    first = counts()
    assert all(first)
    call_command("seed_demo")
    assert counts() == first
    with scopes_disabled():
        beta = Organization.objects.get(slug="beta-care")
    with scope(organization=beta.pk):
        assert Appointment.objects.filter(organization=beta).exists()
