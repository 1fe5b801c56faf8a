"""Every resource type the FHIR API serves: the core's own providers and those modules contribute."""

from __future__ import annotations

from functools import cache

from core.plugins.manager import registry as plugin_registry

from .providers import ResourceProvider


class DuplicateResourceType(Exception):
    pass


def core_providers() -> list[ResourceProvider]:
    from .resources.clinics import LocationProvider, OrganizationProvider
    from .resources.consents import ConsentProvider
    from .resources.patients import PatientProvider
    from .resources.team import PractitionerProvider, PractitionerRoleProvider

    return [
        PatientProvider(),
        PractitionerProvider(),
        PractitionerRoleProvider(),
        OrganizationProvider(),
        LocationProvider(),
        ConsentProvider(),
    ]


@cache
def providers() -> dict[str, ResourceProvider]:
    """``{resource type: provider}``, sorted by type (built once per process: plugins load once)."""
    found: dict[str, ResourceProvider] = {p.resource_type: p for p in core_providers()}
    plugins = plugin_registry()
    for impl in plugins.pm.hook.ehr_fhir_resources.get_hookimpls():
        if impl.plugin_name not in plugins.modules:
            continue
        for provider in impl.function() or []:
            if provider.resource_type in found:
                raise DuplicateResourceType(f"{provider.resource_type} is provided twice")
            provider.module = impl.plugin_name
            found[provider.resource_type] = provider
    return dict(sorted(found.items()))


def reset() -> None:
    providers.cache_clear()
