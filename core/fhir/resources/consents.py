"""Consent: a patient's agreement to the practice's privacy notice (``compliance.PrivacyNoticeConsent``),
as a FHIR R4 Consent: scope ``patient-privacy``, category LOINC 59284-0 "Patient Consent", the notice's
version as the policy, given to the organization.

The consent is recorded for the portal login that agreed, once per notice version; the patient is the
record that login is linked to in the organization. A login may be linked to more than one record (a
parent and their child), so a Consent's id names both: ``<consent>-<patient>``.

Who reads them: the patient's own app, members who may see the patient (the same ``visible_patients``
as the Patient resource: consents are administrative, not clinical), and the organization's backend
services.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.db.models import F, Q
from django.utils import timezone

from core.compliance.models import PrivacyNoticeConsent
from core.patients.selectors import visible_patients
from core.tenancy.clinic_time import clinic_moment

from ..identifiers import system
from ..providers import ModelProvider, SearchParam, reference
from ..search import date_q, one_of, reference_id

CONSENT_SCOPE = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
            "code": "patient-privacy",
            "display": "Privacy Consent",
        }
    ]
}
PATIENT_CONSENT = {
    "coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]
}
# The patient opted in to the processing the notice describes.
OPT_IN = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in"}
CONSENT_ID = re.compile(r"^(\d{1,18})-(\d{1,18})$")


def notice_uri(organization, version: str) -> str:
    """The address that names one version of the organization's privacy notice."""
    return f"{system(organization, 'privacy-notice')}/{quote(version, safe='')}"


class ConsentProvider(ModelProvider):
    resource_type = "Consent"
    compartment_param = "patient"
    updated_field = "given_at"  # a consent is never edited: a new notice version is a new consent
    ordering = ("pk", "consenting_patient_id")
    search_params = (
        SearchParam("patient", "reference", "The patient (Patient/<id>)."),
        SearchParam("date", "date", "When the consent was given."),
    )

    def queryset(self, ctx):
        organization = ctx.organization.pk
        # One row per (consent, linked patient record); both conditions on the link sit in one filter()
        # so they hold for the same link, which the annotation then reads.
        rows = PrivacyNoticeConsent.objects.filter(
            organization_id=organization,
            user__patient_links__organization_id=organization,
            user__patient_links__verified_at__isnull=False,
            user__patient_links__patient__merged_into__isnull=True,
        ).annotate(consenting_patient_id=F("user__patient_links__patient_id"))
        if ctx.is_patient:
            return rows.filter(consenting_patient_id=ctx.patient.pk)
        if ctx.member is not None:
            return rows.filter(consenting_patient_id__in=visible_patients(ctx.member).values("pk"))
        return rows

    def id_of(self, consent) -> str:
        return f"{consent.pk}-{consent.consenting_patient_id}"

    def id_q(self, text: str) -> Q | None:
        match = CONSENT_ID.match(text)
        if not match:
            return None
        return Q(pk=int(match.group(1)), consenting_patient_id=int(match.group(2)))

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "patient":
            ids = [reference_id(name, v, "Patient") for v in one_of(value)]
            return queryset.filter(consenting_patient_id__in=ids)
        if name == "date":
            return queryset.filter(date_q(name, value, "given_at"))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, consent, ctx) -> dict:
        organization = ctx.organization
        # The organization's consent carries no clinic: its first clinic's zone, as the API's messages use.
        moment = consent.given_at
        local = clinic_moment(moment, ctx.clinics[0]) if ctx.clinics else timezone.localtime(moment)
        given = local.isoformat()
        return {
            "status": "active",
            "scope": CONSENT_SCOPE,
            "category": [PATIENT_CONSENT],
            "patient": reference("Patient", consent.consenting_patient_id),
            "dateTime": given,
            "organization": [reference("Organization", organization.pk, organization.name)],
            "policy": [{"uri": notice_uri(organization, consent.version)}],
            "policyRule": {"coding": [OPT_IN], "text": consent.version},
            "provision": {"type": "permit", "period": {"start": given}},
        }
