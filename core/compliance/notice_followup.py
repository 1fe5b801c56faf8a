"""Who has not agreed to the privacy notice in force: the patients of an organization with a portal
account whose login agreed to an older version, or to none, with the version last agreed to and when.

One query reads a page, however many patients the organization has: the last agreement, the reminder
already sent and the clinic a reminder's sign-in link opens are subqueries of that query, never a query
per patient.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Value

from core.patients.models import Patient, PatientClinic

from .consents import notice_version
from .models import NoticeReminder, PrivacyNoticeConsent


def patients_not_agreed(organization, *, clinic=None, version: str | None = None) -> QuerySet[Patient]:
    """Active patients of ``organization`` with a verified portal login that has not agreed to
    ``version`` (the notice in force by default), ordered by name; ``clinic`` narrows to its patients.

    Each row carries ``login_id`` and ``login_email`` (the account the reminder goes to),
    ``last_version`` and ``last_agreed_at`` (empty when never agreed), ``reminded_at`` (a reminder
    already queued for this version) and ``link_clinic_id`` (the clinic whose portal the reminder opens:
    ``clinic`` when given, else the patient's first active clinic)."""
    version = version or notice_version(organization)
    org = organization.pk
    # One login per patient in an organization (PatientAccount's unique constraint), so the join below
    # gives one row per patient.
    patients = Patient.objects.filter(
        organization_id=org,
        archived=False,
        merged_into__isnull=True,
        accounts__organization_id=org,
        accounts__verified_at__isnull=False,
        accounts__user__is_active=True,
    ).annotate(login_id=F("accounts__user_id"), login_email=F("accounts__user__email"))
    agreed_now = PrivacyNoticeConsent.objects.filter(
        organization_id=org, user_id=OuterRef("login_id"), version=version
    )
    patients = patients.exclude(Exists(agreed_now))
    if clinic is not None:
        patients = patients.filter(
            Exists(
                PatientClinic.objects.filter(organization_id=org, patient_id=OuterRef("pk"), clinic=clinic)
            )
        )
        link_clinic = Value(clinic.pk)  # every patient left is one of that clinic's
    else:
        link_clinic = Subquery(
            PatientClinic.objects.filter(
                organization_id=org, patient_id=OuterRef("pk"), clinic__archived=False
            )
            .order_by("clinic_id")
            .values("clinic_id")[:1]
        )
    last = PrivacyNoticeConsent.objects.filter(organization_id=org, user_id=OuterRef("login_id")).order_by(
        "-given_at", "-id"
    )
    reminded = NoticeReminder.objects.filter(organization_id=org, patient_id=OuterRef("pk"), version=version)
    return patients.annotate(
        last_version=Subquery(last.values("version")[:1]),
        last_agreed_at=Subquery(last.values("given_at")[:1]),
        reminded_at=Subquery(reminded.values("queued_at")[:1]),
        link_clinic_id=link_clinic,
    ).order_by("family_name", "given_name", "id")


def count_not_agreed(organization) -> int:
    """How many patients have not agreed to the notice in force (for the privacy pages' summary)."""
    return patients_not_agreed(organization).order_by().count()
