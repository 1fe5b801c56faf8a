"""The CapabilityStatement (``GET /fhir/R4/metadata``), built from the registered providers: it lists
exactly what the server answers, nothing more."""

from __future__ import annotations

from django.utils import timezone

from .bundle import base_url
from .ips import entry_profiles
from .registry import providers

SEARCH_PARAM_DEFINITIONS = "http://hl7.org/fhir/SearchParameter/"


def capability_statement(request) -> dict:
    base = base_url(request)
    resources = []
    for resource_type, provider in providers().items():
        entry = {
            "type": resource_type,
            "interaction": [{"code": code} for code in provider.interactions],
            "searchParam": [
                {"name": p.name, "type": p.type, "documentation": p.documentation}
                for p in provider.supported_params()
            ],
        }
        if provider.includes:
            entry["searchInclude"] = list(provider.includes)
        if provider.operations:
            entry["operation"] = [{"name": n, "definition": d} for n, d in provider.operations.items()]
        if provider.revincludes:
            entry["searchRevInclude"] = list(provider.revincludes)
        # The IPS entry profiles are claimed inside $summary's document, so they are supported too.
        profiles = [*provider.every_profile(), *entry_profiles(resource_type)]
        if profiles:
            entry["supportedProfile"] = profiles
        if "update" in provider.interactions:
            entry["updateCreate"] = False
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "kind": "instance",
        "software": {"name": "Clinic EHR"},
        "implementation": {"description": "Clinic EHR FHIR API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [
                                {
                                    "url": "authorize",
                                    "valueUri": request.build_absolute_uri("/oauth/authorize/"),
                                },
                                {"url": "token", "valueUri": request.build_absolute_uri("/oauth/token/")},
                            ],
                        }
                    ],
                },
                "resource": resources,
            }
        ],
    }
