import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from tests.fhir.validation import checked


class FhirClient:
    """A test client speaking FHIR with a bearer credential; every answer is validated."""

    def __init__(self, token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        response = self.client.get(f"/fhir/R4/{path}", params, headers=self.headers)
        return response.status_code, checked(response)

    def send(self, method: str, path: str, body: dict):
        call = getattr(self.client, method.lower())
        response = call(f"/fhir/R4/{path}", body, content_type="application/fhir+json", headers=self.headers)
        return response.status_code, checked(response)


def token_client(user, organization) -> FhirClient:
    with scopes_disabled():
        _record, token = create_token(user, organization, "fhir")
    return FhirClient(token)


@pytest.fixture
def fhir_as():
    """``fhir_as(user, organization)``: a FHIR client acting with that member's personal API token."""
    return token_client


def make_bookable(tenant, online_mode: str = "instant"):
    """The tenant's first clinic offers a 30-minute service with its practitioner, 08:00-18:00 every day
    from 2020 on, booked instantly online with no minimum notice (call under ``scopes_disabled``)."""
    from datetime import date, time

    from plugins.scheduling.models import BookingPolicy, Service, ServicePractitioner, WorkingHours

    clinic = tenant.clinic
    service = Service.objects.create(
        organization=tenant.org, clinic=clinic, name="Consultation", duration_minutes=30, price="80.00"
    )
    doctor = tenant.memberships["practitioner"]
    ServicePractitioner.objects.create(organization=tenant.org, service=service, membership=doctor)
    for weekday in range(7):
        WorkingHours.objects.create(
            organization=tenant.org,
            membership=doctor,
            clinic=clinic,
            weekday=weekday,
            start_time=time(8),
            end_time=time(18),
            valid_from=date(2020, 1, 1),
        )
    BookingPolicy.objects.create(
        organization=tenant.org,
        clinic=clinic,
        min_notice_minutes=0,
        max_days_ahead=365,
        slot_granularity_minutes=30,
        online_mode=online_mode,
    )
    tenant.service, tenant.doctor = service, doctor
    return tenant


def next_day_at(tenant, hour: int):
    """Tomorrow at ``hour`` in the clinic's zone."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    tz = tenant.clinic.tzinfo
    day = timezone.now().astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=tz)


def appointment_body(tenant, start, patient=None) -> dict:
    patient = patient or tenant.patient
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "start": start.isoformat(),
        "participant": [
            {"actor": {"reference": f"Patient/{patient.pk}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{tenant.doctor.pk}"}, "status": "accepted"},
            {"actor": {"reference": f"HealthcareService/{tenant.service.pk}"}, "status": "accepted"},
        ],
    }
