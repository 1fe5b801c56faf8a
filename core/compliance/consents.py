"""Consent to a privacy notice, recorded with the version shown and the time: a member agreeing to the
service's terms at sign-up, a patient agreeing to a practice's privacy notice when opening a portal
account. A form carries the version it showed; a notice changed in between is asked again."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .models import PrivacyNoticeConsent, ServiceConsent
from .packs import pack_for

# The notice of a practice whose organization picked no country: what holds everywhere under the GDPR.
GENERIC_NOTICE_VERSION = "GENERIC-2026-01"


@dataclass(frozen=True)
class Notice:
    version: str
    text: str


def notice_version(organization) -> str:
    """The version of the privacy notice ``organization``'s patients agree to today: the pack's
    patients'-rights version, else the general notice's."""
    pack = pack_for(organization)
    if pack is not None and pack.patient_rights:
        return pack.rights_version
    return GENERIC_NOTICE_VERSION


def practice_notice(organization, language: str) -> Notice:
    """The privacy notice a patient of ``organization`` agrees to: the patients'-rights text of its
    country pack in ``language``."""
    pack = pack_for(organization)
    if pack is not None and pack.patient_rights:
        return Notice(version=pack.rights_version, text=pack.rights_text(language))
    return Notice(
        version=notice_version(organization),
        text=_(
            "%(practice)s keeps your details and health records to care for you and to meet its legal "
            "duties. You may ask to see, correct, export or erase your data; records the law requires "
            "are kept for the period it sets. You may complain to your data protection authority."
        )
        % {"practice": organization.name},
    )


def service_terms_version() -> str:
    return settings.EHR_SERVICE_TERMS_VERSION


def record_service_consent(user, version: str) -> None:
    """Once per version: a second sign-up attempt with the same version adds nothing."""
    ServiceConsent.objects.bulk_create([ServiceConsent(user=user, version=version)], ignore_conflicts=True)


def record_notice_consent(user, organization, version: str) -> None:
    PrivacyNoticeConsent.objects.bulk_create(
        [PrivacyNoticeConsent(organization_id=organization.pk, user=user, version=version)],
        ignore_conflicts=True,
    )


def has_agreed_to_current_notice(user, organization) -> bool:
    """Whether ``user`` agreed to the version of ``organization``'s notice in force today. A notice
    whose version changed (a new pack version, a country chosen) is asked again."""
    return PrivacyNoticeConsent.objects.filter(
        organization_id=organization.pk, user=user, version=notice_version(organization)
    ).exists()


def latest_notice_consent(user_id: int, organization_id: int) -> PrivacyNoticeConsent | None:
    """The last privacy notice ``user_id`` agreed to at ``organization_id`` (version and time)."""
    return (
        PrivacyNoticeConsent.objects.filter(organization_id=organization_id, user_id=user_id)
        .order_by("-given_at", "-id")
        .first()
    )


def patient_notice_consent(patient) -> PrivacyNoticeConsent | None:
    """The last privacy notice any portal login of ``patient`` agreed to at the patient's organization,
    for the patient's page in the office (one query)."""
    from core.patients.models import PatientAccount

    logins = PatientAccount.objects.filter(organization_id=patient.organization_id, patient=patient)
    return (
        PrivacyNoticeConsent.objects.filter(
            organization_id=patient.organization_id, user_id__in=logins.values("user_id")
        )
        .order_by("-given_at", "-id")
        .first()
    )
