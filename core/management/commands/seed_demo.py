"""Load the demo organizations, team, and patients. Idempotent: running it again changes nothing.

Logins (password ``demo-pass-2026`` for all) are listed in the README.
"""

from __future__ import annotations

from datetime import date

import pghistory
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from core.accounts.models import User
from core.compliance.consents import notice_version, record_notice_consent
from core.patients.models import Patient, PatientAccount, PatientClinic
from core.plugins.manager import registry
from core.tenancy.models import Clinic, Membership, MembershipClinic, Organization, Role
from core.tenancy.services import next_record_number

PASSWORD = "demo-pass-2026"

DEMO = [
    {
        "name": "Alpha Health",
        "slug": "alpha-health",
        "clinics": [
            {
                "name": "Alpha Downtown",
                "slug": "alpha-downtown",
                "timezone": "America/New_York",
                "currency": "USD",
                "city": "New York",
                "address_line1": "120 Main Street",
                "postal_code": "10001",
                "country": "US",
                "phone": "+1 212 555 0100",
                "email": "downtown@alpha.test",
            },
            {
                "name": "Alpha Riverside",
                "slug": "alpha-riverside",
                "timezone": "America/New_York",
                "currency": "USD",
                "city": "New York",
                "address_line1": "8 River Road",
                "postal_code": "10002",
                "country": "US",
                "phone": "+1 212 555 0200",
                "email": "riverside@alpha.test",
            },
        ],
        "team": [
            ("owner@alpha.test", "Olivia Owner", Role.OWNER, ["alpha-downtown", "alpha-riverside"], {}),
            (
                "doctor@alpha.test",
                "Dr. Daniel Adams",
                Role.PRACTITIONER,
                ["alpha-downtown", "alpha-riverside"],
                {
                    "title": "MD",
                    "specialty": "Family medicine",
                    "languages": "English, Spanish",
                    "bio": "Family doctor with fifteen years of practice in the neighbourhood.",
                },
            ),
            ("frontdesk@alpha.test", "Fiona Front", Role.STAFF, ["alpha-downtown"], {}),
        ],
        "patients": [
            (
                "Emma",
                "Johnson",
                date(1985, 3, 14),
                "emma.johnson@example.test",
                "+1 212 555 0111",
                ["alpha-downtown"],
            ),
            (
                "Liam",
                "Smith",
                date(1972, 11, 2),
                "liam.smith@example.test",
                "+1 212 555 0112",
                ["alpha-downtown"],
            ),
            ("Sophia", "Garcia", date(1999, 7, 21), "", "+1 212 555 0113", ["alpha-riverside"]),
            ("Noah", "Williams", date(2012, 1, 5), "", "", ["alpha-downtown", "alpha-riverside"]),
            ("Ava", "Brown", date(1960, 9, 30), "ava.brown@example.test", "", ["alpha-riverside"]),
        ],
    },
    {
        "name": "Beta Care",
        "slug": "beta-care",
        "clinics": [
            {
                "name": "Beta Central",
                "slug": "beta-central",
                "timezone": "Europe/Berlin",
                "currency": "EUR",
                "locale": "de",
                "city": "Berlin",
                "address_line1": "Friedrichstraße 10",
                "postal_code": "10117",
                "country": "DE",
                "phone": "+49 30 5550100",
                "email": "central@beta.test",
            },
        ],
        "team": [
            ("owner@beta.test", "Bernd Besitzer", Role.OWNER, ["beta-central"], {}),
            (
                "doctor@beta.test",
                "Dr. Berta Braun",
                Role.PRACTITIONER,
                ["beta-central"],
                {"title": "Dr. med.", "specialty": "Physiotherapy", "languages": "Deutsch, English"},
            ),
            ("frontdesk@beta.test", "Felix Empfang", Role.STAFF, ["beta-central"], {}),
        ],
        "patients": [
            (
                "Lena",
                "Müller",
                date(1990, 4, 18),
                "lena.mueller@example.test",
                "+49 30 5550111",
                ["beta-central"],
            ),
            ("Jonas", "Schmidt", date(1981, 12, 9), "", "+49 30 5550112", ["beta-central"]),
            ("Mia", "Schneider", date(2005, 6, 1), "mia.schneider@example.test", "", ["beta-central"]),
        ],
    },
]

# One person, a patient of both organizations, with one portal login.
DEMO_PATIENT = ("patient@demo.test", "Pat", "Demo", date(1988, 8, 8))


class Command(BaseCommand):
    help = "Load demo organizations, clinics, team members and patients (idempotent)."

    def handle(self, *args, **options):
        with pghistory.context(command="seed_demo"), transaction.atomic():
            patient_user = self._user(DEMO_PATIENT[0], f"{DEMO_PATIENT[1]} {DEMO_PATIENT[2]}")
            for spec in DEMO:
                self._organization(spec, patient_user)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _user(self, email: str, name: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, PASSWORD, full_name=name)
        return user

    def _organization(self, spec: dict, patient_user: User) -> None:
        organization, _ = Organization.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"]}
        )
        with scope(organization=organization.pk):
            clinics = {}
            for clinic_spec in spec["clinics"]:
                data = dict(clinic_spec)
                slug = data.pop("slug")
                clinic = Clinic.objects.filter(organization=organization, slug=slug).first()
                if clinic is None:
                    clinic = Clinic.objects.create(organization=organization, slug=slug, **data)
                clinics[slug] = clinic
            users = {}
            for email, name, role, clinic_slugs, profile in spec["team"]:
                user = self._user(email, name)
                users[email] = user
                membership, _ = Membership.objects.get_or_create(
                    organization=organization, user=user, defaults={"role": role, **profile}
                )
                for slug in clinic_slugs:
                    MembershipClinic.objects.get_or_create(
                        organization=organization, membership=membership, clinic=clinics[slug]
                    )
            for given, family, born, email, phone, clinic_slugs in spec["patients"]:
                self._patient(organization, clinics, given, family, born, email, phone, clinic_slugs)
            first_clinic = next(iter(clinics))
            demo = self._patient(
                organization,
                clinics,
                DEMO_PATIENT[1],
                DEMO_PATIENT[2],
                DEMO_PATIENT[3],
                DEMO_PATIENT[0],
                "",
                [first_clinic],
            )
            PatientAccount.objects.get_or_create(
                organization=organization,
                patient=demo,
                defaults={"user": patient_user, "verified_at": timezone.now()},
            )
            # The demo patient agreed to the practice's privacy notice when opening the account.
            record_notice_consent(patient_user, organization, notice_version(organization))
            users[patient_user.email] = patient_user
            registry().hook.ehr_seed_demo(organization=organization, clinics=clinics, users=users)

    def _patient(self, organization, clinics, given, family, born, email, phone, clinic_slugs) -> Patient:
        patient = Patient.objects.filter(
            organization=organization, given_name=given, family_name=family, date_of_birth=born
        ).first()
        if patient is None:
            patient = Patient.objects.create(
                organization=organization,
                record_number=next_record_number(organization.pk),
                given_name=given,
                family_name=family,
                date_of_birth=born,
                email=email,
                phone=phone,
            )
        for slug in clinic_slugs:
            PatientClinic.objects.get_or_create(
                organization=organization, patient=patient, clinic=clinics[slug]
            )
        return patient
