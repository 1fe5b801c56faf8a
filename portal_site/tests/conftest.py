import pytest

from tests.conftest import login  # noqa: F401
from tests.factories import make_tenant


def make_tenant_with_sites(name):
    """A tenant whose clinics' sites are provisioned (the post-commit receiver does not run inside a test's
    transaction, so the same function is called here)."""
    from portal_site.provisioning import provision_clinic_site

    tenant = make_tenant(name)
    for clinic in tenant.clinics:
        provision_clinic_site(clinic)
    return tenant


@pytest.fixture
def alpha(db):
    return make_tenant_with_sites("Alpha")


@pytest.fixture
def beta(db):
    return make_tenant_with_sites("Beta")


@pytest.fixture
def bookable(alpha):
    """Alpha Downtown takes instant online bookings of a 30-minute check-up with its practitioner."""
    from datetime import time

    from plugins.scheduling.models import BookingPolicy, OnlineMode
    from plugins.scheduling.services.catalogue import create_service
    from plugins.scheduling.services.working_time import add_working_hours

    clinic = alpha.clinic
    practitioner = alpha.memberships["practitioner"]
    service = create_service(
        clinic, practitioners=[practitioner], name="Check-up", duration_minutes=30, price=40
    )
    for weekday in range(7):
        add_working_hours(clinic, practitioner, weekday=weekday, start_time=time(0, 0), end_time=time(23, 59))
    BookingPolicy.objects.create(
        organization=alpha.org, clinic=clinic, online_mode=OnlineMode.INSTANT, min_notice_minutes=0
    )
    return service
