"""Organization (the tenant itself) and Location (its clinics)."""

from __future__ import annotations

from django.db.models import Q

from core.tenancy.models import Clinic, Organization

from ..identifiers import system
from ..providers import ModelProvider, SearchParam, reference
from ..search import one_of

US_CORE_ORGANIZATION = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization"
US_CORE_LOCATION = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-location"


def _name_q(value: str, field: str) -> Q:
    alternatives = Q()
    for part in one_of(value):
        alternatives |= Q(**{f"{field}__icontains": part.strip()})
    return alternatives


class OrganizationProvider(ModelProvider):
    resource_type = "Organization"
    profiles = (US_CORE_ORGANIZATION,)
    search_params = (SearchParam("name", "string", "Any part of the organization's name."),)

    def queryset(self, ctx):
        # The caller's own organization is the only one there is for them.
        return Organization.objects.filter(pk=ctx.organization.pk)

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "name":
            return queryset.filter(_name_q(value, "name"))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, organization: Organization, ctx) -> dict:
        return {
            "identifier": [{"system": system(organization, "organization"), "value": organization.slug}],
            "active": True,
            "type": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                            "code": "prov",
                            "display": "Healthcare Provider",
                        }
                    ]
                }
            ],
            "name": organization.name,
        }


class LocationProvider(ModelProvider):
    resource_type = "Location"
    profiles = (US_CORE_LOCATION,)
    search_params = (SearchParam("name", "string", "Any part of the clinic's name."),)

    def queryset(self, ctx):
        return Clinic.objects.filter(organization_id=ctx.organization.pk, pk__in=[c.pk for c in ctx.clinics])

    def identifier_q(self, system_uri, value, ctx):
        if system_uri not in (None, "", system(ctx.organization, "clinic")):
            return Q(pk__in=[])
        return Q(slug=value[:60])

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "name":
            return queryset.filter(_name_q(value, "name"))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, clinic: Clinic, ctx) -> dict:
        resource = {
            "identifier": [{"system": system(ctx.organization, "clinic"), "value": clinic.slug}],
            "status": "inactive" if clinic.archived else "active",
            "name": clinic.name,
            "mode": "instance",
            "type": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                            "code": "OUTPHYS",
                            "display": "outpatient facility",
                        }
                    ]
                }
            ],
            "managingOrganization": reference("Organization", ctx.organization.pk, ctx.organization.name),
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/timezone",
                    "valueCode": clinic.timezone,
                }
            ],
        }
        telecom = [{"system": "phone", "value": clinic.phone, "use": "work"}] if clinic.phone else []
        if clinic.email:
            telecom.append({"system": "email", "value": clinic.email, "use": "work"})
        if telecom:
            resource["telecom"] = telecom
        address = {}
        lines = [line for line in (clinic.address_line1, clinic.address_line2) if line]
        if lines:
            address["line"] = lines
        for key, value in (
            ("city", clinic.city),
            ("postalCode", clinic.postal_code),
            ("country", clinic.country),
        ):
            if value:
                address[key] = value
        if address:
            resource["address"] = address
        return resource
