from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "core.patients"
    label = "patients"
    verbose_name = "Patients"
