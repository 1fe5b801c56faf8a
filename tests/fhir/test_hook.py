"""The ``ehr_fhir_resources`` hook: modules put their resources on the FHIR API through it."""

import pytest

from core.fhir import registry
from core.fhir.providers import ResourceProvider
from core.plugins.manager import hookimpl
from core.plugins.manager import registry as plugin_registry


def test_hook_ehr_fhir_resources():
    served = registry.providers()
    modules = {name: provider.module for name, provider in served.items()}
    assert modules["HealthcareService"] == modules["Schedule"] == modules["Slot"] == "scheduling"
    assert modules["Appointment"] == "scheduling" and modules["Invoice"] == "billing"
    # The core's own resources belong to no module: no clinic switch hides them.
    assert {
        modules[t] for t in ("Patient", "Practitioner", "PractitionerRole", "Organization", "Location")
    } == {None}


class SecondAppointments(ResourceProvider):
    resource_type = "Appointment"


class Duplicating:
    @hookimpl
    def ehr_fhir_resources(self):
        return [SecondAppointments()]


def test_a_resource_type_is_provided_once(monkeypatch):
    pm = plugin_registry().pm
    duplicating = Duplicating()
    pm.register(duplicating, name="scheduling-copy")
    monkeypatch.setitem(plugin_registry().modules, "scheduling-copy", plugin_registry().modules["scheduling"])
    registry.reset()
    try:
        with pytest.raises(registry.DuplicateResourceType):
            registry.providers()
    finally:
        pm.unregister(duplicating)
        registry.reset()
    assert registry.providers()["Appointment"].module == "scheduling"
