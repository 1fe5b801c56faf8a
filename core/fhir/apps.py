from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "core.fhir"
    label = "fhir"
    verbose_name = "FHIR"
