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


def app_client(organization, user, kind: str, scope: str) -> FhirClient:
    """A FHIR client holding an OAuth access token of a registered app of ``kind`` (patient, clinician,
    backend), as the token endpoint would have issued it (call under ``scopes_disabled``)."""
    import secrets
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    from core.fhir.clients import register_client

    client, _secret = register_client(
        organization, name=f"{kind} app", kind=kind, redirect_uris=["https://app.example/cb"]
    )
    raw = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=user if kind != "backend" else None,
        application=client.application,
        token=raw,
        expires=timezone.now() + timedelta(hours=1),
        scope=scope,
    )
    return FhirClient(raw)


def chart(tenant, patient=None):
    """A chart for the tenant's patient: a visit with a signed, shared SOAP note (and a draft), vital
    signs with a blood pressure, an allergy (and one entered in error), a medication and a problem with
    an ICD-10 code (call under ``scopes_disabled``)."""
    from datetime import timedelta

    from django.utils import timezone
    from django_scopes import scope

    from plugins.records.models import Allergy, Encounter, Medication, Problem
    from plugins.records.services import lists, note_templates, notes

    patient = patient or tenant.patient
    with scope(organization=tenant.org.pk):
        doctor = tenant.memberships["practitioner"]
        encounter = Encounter.objects.create(
            organization=tenant.org,
            clinic=tenant.clinic,
            patient=patient,
            practitioner=doctor,
            kind="walk_in",
            reason="Back pain",
            created_by=tenant.practitioner,
        )
        soap = next(
            v for v in note_templates.current_versions(tenant.org) if v.template.shipped_key == "soap"
        )
        note = notes.create_note(encounter, soap, author=doctor)
        note = notes.save_draft(
            note,
            {"complaint": "Low back pain", "assessment": "Mechanical", "plan": "Exercises"},
            revision=None,
        )
        note = notes.set_shared(notes.sign_note(note, by=tenant.practitioner), True)
        draft = notes.create_note(encounter, soap, author=doctor)
        measured = timezone.now() - timedelta(hours=1)
        vitals = lists.record_vitals(
            tenant.clinic,
            patient,
            {
                "height": "180",
                "weight": "80",
                "systolic": "120",
                "diastolic": "80",
                "pulse": "70",
                "temperature": "37",
                "spo2": "98",
                "respiratory_rate": "16",
                "pain": "3",
            },
            by=tenant.practitioner,
            encounter=encounter,
            measured_at=measured,
            units="metric",
        )
        allergy = lists.add_entry(
            Allergy,
            tenant.clinic,
            patient,
            {"substance": "Penicillin", "reaction": "Hives", "severity": "severe"},
            by=tenant.practitioner,
        )
        wrong = lists.mark_entry_in_error(
            lists.add_entry(
                Allergy,
                tenant.clinic,
                patient,
                {"substance": "Latex", "severity": "mild"},
                by=tenant.owner,
            ),
            by=tenant.owner,
        )
        medication = lists.add_entry(
            Medication,
            tenant.clinic,
            patient,
            {"name": "Ibuprofen", "dose": "400 mg", "frequency": "twice a day", "route": "oral"},
            by=tenant.practitioner,
        )
        problem = lists.add_entry(
            Problem,
            tenant.clinic,
            patient,
            {"description": "Low back pain", "icd10_code": "M54.50"},
            by=tenant.practitioner,
        )
    tenant.chart = {
        "encounter": encounter,
        "note": note,
        "draft": draft,
        "vitals": {v.kind: v for v in vitals},
        "allergy": allergy,
        "allergy_in_error": wrong,
        "medication": medication,
        "problem": problem,
    }
    return tenant
