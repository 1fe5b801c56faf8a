"""HealthcareService: a service (appointment type) a clinic offers."""

from __future__ import annotations

from django.db.models import Q

from core.fhir.providers import ModelProvider, SearchParam, reference
from core.fhir.search import bad_param, one_of, reference_id

from ..models import Service
from .coding import service_concept


class HealthcareServiceProvider(ModelProvider):
    resource_type = "HealthcareService"
    search_params = (
        SearchParam("location", "reference", "The clinic (Location/<id>)."),
        SearchParam("name", "string", "Any part of the service's name."),
        SearchParam("active", "token", "true or false."),
    )

    def queryset(self, ctx):
        services = Service.objects.filter(
            organization_id=ctx.organization.pk, clinic_id__in=ctx.clinic_ids_with(self.module)
        ).select_related("clinic")
        if ctx.is_patient:
            # A patient sees what the clinics offer online, as on their portal.
            services = services.filter(active=True, bookable_online=True)
        return services

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "location":
            return queryset.filter(clinic_id__in=[reference_id(name, v, "Location") for v in one_of(value)])
        if name == "name":
            alternatives = Q()
            for part in one_of(value):
                alternatives |= Q(name__icontains=part.strip())
            return queryset.filter(alternatives)
        if name == "active":
            if value not in ("true", "false"):
                raise bad_param(name, value)
            return queryset.filter(active=value == "true")
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, service: Service, ctx) -> dict:
        return {
            "active": service.active,
            "providedBy": reference("Organization", ctx.organization.pk, ctx.organization.name),
            "location": [reference("Location", service.clinic_id, service.clinic.name)],
            "name": service.name,
            "type": [service_concept(service)],
            "appointmentRequired": True,
            "extraDetails": f"{service.duration_minutes} min · {service.price} {service.currency}",
        }
