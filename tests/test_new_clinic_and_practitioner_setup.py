"""Setting up: a new clinic starts from the organization's time zone; a practitioner is asked for hours."""

from datetime import time

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Clinic
from plugins.scheduling.models import WorkingHours
from plugins.scheduling.services.working_time import add_working_hours

PROMPT = 'data-testid="working-hours-missing"'


@pytest.mark.django_db
def test_the_new_clinic_form_starts_from_the_first_clinics_time_zone(alpha, beta, login):
    with scopes_disabled():
        Clinic.objects.filter(pk=alpha.clinic.pk).update(timezone="Asia/Tokyo", currency="GBP")
        Clinic.objects.filter(pk=beta.clinic.pk).update(timezone="Europe/Paris")
    page = login(alpha.owner).get("/office/settings/clinics/new/").content.decode()
    assert '<option value="Asia/Tokyo" selected>' in page
    assert '<option value="GBP" selected>' in page
    assert 'Europe/Paris" selected' not in page  # another organization's clinic sets nothing here


@pytest.mark.django_db
def test_a_practitioner_without_working_hours_is_asked_to_set_them(alpha, login):
    with scopes_disabled():
        WorkingHours.objects.filter(organization_id=alpha.org.pk).delete()
    page = login(alpha.practitioner).get("/office/").content.decode()
    assert PROMPT in page
    assert f'href="/office/c/{alpha.clinic.slug}/scheduling/settings/hours/"' in page
    # The front desk and the owner are not practitioners here: no prompt for them.
    assert PROMPT not in login(alpha.staff).get("/office/").content.decode()
    assert PROMPT not in login(alpha.owner).get("/office/").content.decode()

    membership = alpha.memberships["practitioner"]
    with scope(organization=alpha.org.pk):
        add_working_hours(
            alpha.clinic,
            membership,
            weekday=0,
            start_time=time(9),
            end_time=time(17),
            valid_from=timezone.now().date(),
        )
    assert PROMPT not in login(alpha.practitioner).get("/office/").content.decode()


@pytest.mark.django_db
def test_hours_that_ended_do_not_count(alpha, login):
    membership = alpha.memberships["practitioner"]
    with scopes_disabled():
        WorkingHours.objects.filter(organization_id=alpha.org.pk).delete()
        WorkingHours.objects.create(
            organization_id=alpha.org.pk,
            clinic=alpha.clinic,
            membership=membership,
            weekday=0,
            start_time=time(9),
            end_time=time(17),
            valid_from=timezone.now().date().replace(year=2020),
            valid_until=timezone.now().date().replace(year=2021),
        )
    assert PROMPT in login(alpha.practitioner).get("/office/").content.decode()
