"""``Patient/{id}/$everything``: the patient's record and everything in their compartment, as the caller
may see it, with the team members, clinics and organization those resources name.

Each type in the compartment is asked through its own provider with the parameter that names a patient
(``compartment_param``), so the visibility rules, module switches and scopes of a search apply
unchanged; a type the credential's scopes do not grant is left out. The patient's data download builds
the same Bundle.
"""

from __future__ import annotations

from .includes import referenced
from .registry import providers
from .search import SearchParams

# Each type's resources of one patient, at most (a busy chart has thousands of vital signs).
PER_TYPE_LIMIT = 5000
# What the compartment's resources refer to that is not itself in it.
REFERENCED_TYPES = ("Practitioner", "PractitionerRole", "Location", "HealthcareService", "Organization")


def patient_record(ctx, patient_id: str) -> dict:
    """The Patient ``patient_id`` as the caller may read it (``NotFound`` otherwise)."""
    ctx.require("Patient", "read")
    return providers()["Patient"].read(ctx, patient_id)


def compartment(ctx, patient: dict, types: tuple[str, ...] | None = None) -> list[dict]:
    """The resources of ``patient``'s compartment the caller may search, type by type."""
    found: list[dict] = []
    for resource_type, provider in providers().items():
        if provider.compartment_param is None or (types is not None and resource_type not in types):
            continue
        if not ctx.grants.allows(resource_type, "search-type"):
            continue
        params = SearchParams.of({provider.compartment_param: [f"Patient/{patient['id']}"]})
        found += provider.search(ctx, params, PER_TYPE_LIMIT, 0).resources
    return found


def everything(ctx, patient_id: str) -> tuple[list[dict], list[dict]]:
    """(the patient and their compartment, the resources these refer to)."""
    patient = patient_record(ctx, patient_id)
    matches = [patient, *compartment(ctx, patient)]
    extra: list[dict] = []
    for target in REFERENCED_TYPES:
        extra += referenced(ctx, target, matches)
    return matches, extra


def everything_bundle(ctx, patient_id: str) -> dict:
    """``$everything`` as a searchset Bundle (every match, then what they refer to)."""
    matches, extra = everything(ctx, patient_id)
    base = ctx.base

    def entry(resource: dict, mode: str) -> dict:
        return {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": mode},
        }

    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(matches),
        "link": [{"relation": "self", "url": f"{base}Patient/{matches[0]['id']}/$everything"}],
        "entry": [entry(r, "match") for r in matches] + [entry(r, "include") for r in extra],
    }
