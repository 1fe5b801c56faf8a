from datetime import date, time, timedelta

import pytest

from plugins.scheduling.models import BookingPolicy, OnlineMode, Service, ServicePractitioner, WorkingHours
from tests.conftest import alpha, beta, login  # noqa: F401

# A Monday comfortably in the future, so the booking window never gets in the way of a fixed date.
MONDAY = date(2031, 3, 3)


def open_all_week(tenant, membership, clinic, start=time(8), end=time(18)):
    for weekday in range(7):
        WorkingHours.objects.create(
            organization=tenant.org,
            membership=membership,
            clinic=clinic,
            weekday=weekday,
            start_time=start,
            end_time=end,
            valid_from=date(2020, 1, 1),
        )


@pytest.fixture
def sched(alpha):  # noqa: F811
    """Alpha with a 30-minute service offered by its practitioner, who works 08:00-18:00 every day."""
    clinic = alpha.clinic
    clinic.timezone = "America/New_York"
    clinic.save()
    service = Service.objects.create(
        organization=alpha.org, clinic=clinic, name="Consultation", duration_minutes=30, price="80.00"
    )
    doctor = alpha.memberships["practitioner"]
    ServicePractitioner.objects.create(organization=alpha.org, service=service, membership=doctor)
    open_all_week(alpha, doctor, clinic)
    BookingPolicy.objects.create(
        organization=alpha.org,
        clinic=clinic,
        min_notice_minutes=0,
        max_days_ahead=730 * 3,
        slot_granularity_minutes=30,
        online_mode=OnlineMode.APPROVAL,
    )
    alpha.service = service
    alpha.doctor = doctor
    return alpha


def at(day, hour, minute=0, tz="America/New_York"):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))


def days_after(day, n):
    return day + timedelta(days=n)
