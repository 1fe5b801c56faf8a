"""Small builders for test data. Call them from fixtures (which run under ``scopes_disabled``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from core.accounts.models import User
from core.patients.models import Patient, PatientAccount, PatientClinic
from core.tenancy.models import Clinic, Membership, MembershipClinic, Organization, Role
from core.tenancy.services import next_record_number

PASSWORD = "a-long-test-password-1"
_seq = itertools.count(1)


def make_user(email: str | None = None, **extra) -> User:
    email = email or f"user{next(_seq)}@example.test"
    return User.objects.create_user(email, PASSWORD, **extra)


def make_org(name: str = "Org", clinics: tuple[str, ...] = ("Main",)) -> tuple[Organization, list[Clinic]]:
    n = next(_seq)
    org = Organization.objects.create(name=f"{name}", slug=f"{name.lower().replace(' ', '-')}-{n}")
    made = [
        Clinic.objects.create(organization=org, name=c, slug=f"{c.lower().replace(' ', '-')}-{n}-{i}")
        for i, c in enumerate(clinics)
    ]
    return org, made


def add_member(org: Organization, user: User, role: str, clinics: list[Clinic]) -> Membership:
    membership = Membership.objects.create(organization=org, user=user, role=role)
    for clinic in clinics:
        MembershipClinic.objects.create(organization=org, membership=membership, clinic=clinic)
    return membership


def make_patient(clinic: Clinic, given: str = "Pat", family: str = "Example", **extra) -> Patient:
    patient = Patient.objects.create(
        organization_id=clinic.organization_id,
        record_number=next_record_number(clinic.organization_id),
        given_name=given,
        family_name=family,
        **extra,
    )
    PatientClinic.objects.create(organization_id=clinic.organization_id, patient=patient, clinic=clinic)
    return patient


def link_patient_login(patient: Patient, user: User, *, agreed_notice: bool = True) -> PatientAccount:
    from django.utils import timezone

    from core.compliance.consents import notice_version, record_notice_consent

    account = PatientAccount.objects.create(
        organization_id=patient.organization_id, patient=patient, user=user, verified_at=timezone.now()
    )
    # As the portal's sign-up does: the login agreed to the practice's privacy notice in force (tests that
    # count consents themselves leave it out).
    if agreed_notice:
        record_notice_consent(user, patient.organization, notice_version(patient.organization))
    return account


@dataclass
class Tenant:
    """One organization with two clinics, an owner, a practitioner at both, staff at the first."""

    org: Organization
    clinics: list[Clinic]
    owner: User
    practitioner: User
    staff: User
    patient: Patient
    memberships: dict[str, Membership] = field(default_factory=dict)

    @property
    def clinic(self) -> Clinic:
        return self.clinics[0]


def make_tenant(name: str) -> Tenant:
    org, clinics = make_org(name, clinics=(f"{name} Downtown", f"{name} Riverside"))
    key = name.lower()
    owner = make_user(f"owner-{next(_seq)}@{key}.test", full_name=f"{name} Owner")
    practitioner = make_user(f"doctor-{next(_seq)}@{key}.test", full_name=f"{name} Doctor")
    staff = make_user(f"frontdesk-{next(_seq)}@{key}.test", full_name=f"{name} Front")
    memberships = {
        "owner": add_member(org, owner, Role.OWNER, clinics),
        "practitioner": add_member(org, practitioner, Role.PRACTITIONER, clinics),
        "staff": add_member(org, staff, Role.STAFF, clinics[:1]),
    }
    patient = make_patient(clinics[0], "Erin", f"{name}patient", email=f"erin@{key}.test")
    return Tenant(org, clinics, owner, practitioner, staff, patient, memberships)
