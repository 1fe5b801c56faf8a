"""Practitioner and PractitionerRole: the organization's team, one of each per membership.

A membership is a person's place in this organization, so its id serves both: ``Practitioner/<id>`` is
the person as this organization knows them, ``PractitionerRole/<id>`` their role and clinics.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q

from core.tenancy.models import Clinic, Membership, MembershipClinic

from ..identifiers import code_system, system
from ..providers import ModelProvider, SearchParam, reference
from ..search import one_of, reference_id

US_CORE_PRACTITIONER = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitioner"
US_CORE_PRACTITIONER_ROLE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitionerrole"


def team(ctx):
    return (
        Membership.objects.filter(organization_id=ctx.organization.pk, is_active=True)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "membershipclinic_set",
                queryset=MembershipClinic.objects.select_related("clinic").order_by("clinic_id"),
            )
        )
    )


def human_name(member: Membership) -> dict:
    """US Core asks for a family name: the last word of the member's name, the rest as given names."""
    words = member.name.split()
    name = {"use": "official", "text": member.name, "family": words[-1] if words else member.user.email}
    if len(words) > 1:
        name["given"] = words[:-1]
    if member.title:
        name["prefix"] = [member.title]
    return name


def member_identifier(member: Membership, ctx) -> list[dict]:
    return [{"system": system(ctx.organization, "member"), "value": str(member.pk)}]


def _id_q(system_uri, value, ctx):
    if system_uri not in (None, "", system(ctx.organization, "member")) or not value.isdigit():
        return Q(pk__in=[])
    return Q(pk=int(value)) if len(value) < 19 else Q(pk__in=[])


def _name_q(value: str) -> Q:
    alternatives = Q()
    for part in one_of(value):
        part = part.strip()
        alternatives |= (
            Q(display_name__icontains=part) | Q(user__full_name__icontains=part) | Q(title__icontains=part)
        )
    return alternatives


class PractitionerProvider(ModelProvider):
    resource_type = "Practitioner"
    profiles = (US_CORE_PRACTITIONER,)
    search_params = (SearchParam("name", "string", "Any part of the practitioner's name."),)

    def queryset(self, ctx):
        return team(ctx)

    def identifier_q(self, system_uri, value, ctx):
        return _id_q(system_uri, value, ctx)

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "name":
            return queryset.filter(_name_q(value))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, member: Membership, ctx) -> dict:
        resource = {
            "identifier": member_identifier(member, ctx),
            "active": member.is_active,
            "name": [human_name(member)],
            "telecom": [{"system": "email", "value": member.user.email, "use": "work"}],
        }
        if member.languages:
            resource["communication"] = [
                {"text": language.strip()} for language in member.languages.split(",")
            ]
        return resource


class PractitionerRoleProvider(ModelProvider):
    resource_type = "PractitionerRole"
    profiles = (US_CORE_PRACTITIONER_ROLE,)
    # US Core asks servers to support including the practitioner with their roles.
    includes = {"PractitionerRole:practitioner": "Practitioner", "PractitionerRole:location": "Location"}
    search_params = (
        SearchParam("practitioner", "reference", "The practitioner (Practitioner/<id>)."),
        SearchParam("location", "reference", "A clinic the member works at (Location/<id>)."),
    )

    def queryset(self, ctx):
        return team(ctx)

    def identifier_q(self, system_uri, value, ctx):
        return _id_q(system_uri, value, ctx)

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "practitioner":
            return queryset.filter(pk__in=[reference_id(name, v, "Practitioner") for v in one_of(value)])
        if name == "location":
            clinic_ids = [reference_id(name, v, "Location") for v in one_of(value)]
            return queryset.filter(Q(role="owner") | Q(membershipclinic__clinic_id__in=clinic_ids)).distinct()
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, member: Membership, ctx) -> dict:
        if member.role == "owner":
            # Owners work at every clinic; read once per request, not once per owner.
            if "all_clinics" not in ctx.extra:
                ctx.extra["all_clinics"] = list(
                    Clinic.objects.filter(organization_id=ctx.organization.pk).order_by("id")
                )
            clinics = ctx.extra["all_clinics"]
        else:
            clinics = [link.clinic for link in member.membershipclinic_set.all()]
        resource = {
            "identifier": member_identifier(member, ctx),
            "active": member.is_active,
            "practitioner": reference("Practitioner", member.pk, member.name),
            "organization": reference("Organization", ctx.organization.pk, ctx.organization.name),
            "code": [
                {
                    "coding": [
                        {
                            "system": code_system("member-role"),
                            "code": member.role,
                            "display": member.get_role_display(),
                        }
                    ],
                    "text": str(member.get_role_display()),
                }
            ],
            "location": [reference("Location", c.pk, c.name) for c in clinics if not c.archived],
            # US Core (pd-1): a role carries contact details or an endpoint.
            "telecom": [{"system": "email", "value": member.user.email, "use": "work"}],
        }
        if member.specialty:
            resource["specialty"] = [{"text": member.specialty}]
        return resource
