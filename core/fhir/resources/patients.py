"""Patient, as US Core Patient 6.1.0 (identifier, name, gender, birth date, telecom, address, language,
and, in the US, race, ethnicity and birth sex).

Members reach the patients ``visible_patients`` gives them (the selector behind ``access_patient``), a
patient app its own record only, a backend service every active record of the organization.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from core.patients.access import access_patient
from core.patients.models import Patient, Sex
from core.patients.selectors import visible_patients
from core.patients.services import PossibleDuplicates, register_patient

from ..identifiers import system
from ..outcome import Conflict, Forbidden, Unprocessable
from ..providers import ModelProvider, SearchParam, reference
from ..search import day_q, one_of
from .patient_input import patient_fields, registration_clinic
from .us_core_extensions import demographic_extensions

US_CORE_PATIENT = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
GENDER = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.INTERSEX: "other", Sex.UNKNOWN: "unknown"}


class PatientProvider(ModelProvider):
    resource_type = "Patient"
    profiles = (US_CORE_PATIENT,)
    interactions = ("read", "search-type", "create")
    operations = {
        "everything": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        "summary": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
    }
    updated_field = "updated_at"
    version_field = "version"
    search_params = (
        SearchParam("name", "string", "Any part of the given, family or preferred name."),
        SearchParam("family", "string", "Family name (starts with)."),
        SearchParam("given", "string", "Given name (starts with)."),
        SearchParam("birthdate", "date", "Date of birth (eq, ne, lt, le, gt, ge)."),
        SearchParam("gender", "token", "female | male | other | unknown."),
    )

    def queryset(self, ctx):
        if ctx.is_patient:
            return Patient.objects.filter(organization_id=ctx.organization.pk, pk=ctx.patient.pk)
        if ctx.member is not None:
            return visible_patients(ctx.member)
        return Patient.objects.filter(organization_id=ctx.organization.pk, merged_into__isnull=True)

    def get(self, ctx, pk, *, for_update: bool = False):
        if ctx.member is not None:
            # A member's road to a patient is the one every page takes (same 404, same permission).
            from django.http import Http404

            from ..outcome import NotFound

            try:
                return access_patient(ctx.request, pk, for_update=for_update)
            except Http404:
                raise NotFound from None
        return super().get(ctx, pk, for_update=for_update)

    def identifier_q(self, system_uri, value, ctx):
        if system_uri not in (None, "", system(ctx.organization, "mrn")):
            return Q(pk__in=[])
        return Q(record_number=int(value)) if value.isdigit() and len(value) < 19 else Q(pk__in=[])

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "name":
            alternatives = Q()
            for part in one_of(value):
                alternatives |= Q(search_name__contains=part.strip().lower())
            return queryset.filter(alternatives)
        if name in ("family", "given"):
            field = f"{name}_name__istartswith"
            alternatives = Q()
            for part in one_of(value):
                alternatives |= Q(**{field: part.strip()})
            return queryset.filter(alternatives)
        if name == "birthdate":
            return queryset.filter(day_q(name, value, "date_of_birth"))
        if name == "gender":
            wanted = set(one_of(value))
            sexes = [sex for sex, code in GENDER.items() if code in wanted]
            if "unknown" in wanted:
                sexes.append("")
            return queryset.filter(sex__in=sexes)
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, patient: Patient, ctx) -> dict:
        resource = {
            "identifier": [
                {
                    "use": "usual",
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                "code": "MR",
                                "display": "Medical record number",
                            }
                        ],
                        "text": _("Medical record number"),
                    },
                    "system": system(ctx.organization, "mrn"),
                    "value": str(patient.record_number),
                }
            ],
            "active": not patient.archived,
            "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
            "gender": GENDER.get(patient.sex, "unknown"),
        }
        if patient.preferred_name:
            resource["name"].append({"use": "usual", "given": [patient.preferred_name]})
        telecom = []
        if patient.phone:
            telecom.append({"system": "phone", "value": patient.phone, "use": "mobile"})
        if patient.email:
            telecom.append({"system": "email", "value": patient.email, "use": "home"})
        if telecom:
            resource["telecom"] = telecom
        if patient.date_of_birth:
            resource["birthDate"] = patient.date_of_birth.isoformat()
        address = _address(patient)
        if address:
            resource["address"] = [address]
        if patient.preferred_language:
            resource["communication"] = [
                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.preferred_language}]}}
            ]
        if patient.emergency_contact_name:
            contact = {
                "relationship": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                "code": "C",
                                "display": "Emergency Contact",
                            }
                        ]
                    }
                ],
                "name": {"text": patient.emergency_contact_name},
            }
            if patient.emergency_contact_phone:
                contact["telecom"] = [{"system": "phone", "value": patient.emergency_contact_phone}]
            resource["contact"] = [contact]
        resource["managingOrganization"] = reference(
            "Organization", ctx.organization.pk, ctx.organization.name
        )
        extensions = demographic_extensions(patient, ctx.organization)
        if extensions:
            resource = {"extension": extensions, **resource}
        return resource

    def create(self, ctx, body: dict) -> dict:
        """Register a patient through the same service as the front desk, duplicate check included."""
        if ctx.is_patient:
            raise Forbidden(_("A patient app cannot register patients."))
        clinic = registration_clinic(ctx, body)
        if ctx.member is not None and not ctx.user.has_perm("patients.add_patient", clinic):
            raise Forbidden(_("You may not register patients at this clinic."))
        try:
            patient, _confirmed = register_patient(clinic, **patient_fields(body))
        except PossibleDuplicates as duplicates:
            raise Conflict(
                str(duplicates.message),
                code="duplicate",
                extra=[
                    {
                        "severity": "information",
                        "code": "duplicate",
                        "diagnostics": _("Possible duplicate: %(ref)s") % {"ref": f"Patient/{p.pk}"},
                    }
                    for p in duplicates.duplicates
                ],
            ) from None
        except ValidationError as error:
            raise Unprocessable(" ".join(error.messages)) from None
        return self.render(patient, ctx)


def _address(patient: Patient) -> dict:
    address = {}
    lines = [line for line in (patient.address_line1, patient.address_line2) if line]
    if lines:
        address["line"] = lines
    for key, value in (
        ("city", patient.city),
        ("postalCode", patient.postal_code),
        ("country", patient.country),
    ):
        if value:
            address[key] = value
    return address
