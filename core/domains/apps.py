from django.apps import AppConfig


class DomainsConfig(AppConfig):
    name = "core.domains"
    label = "domains"
    verbose_name = "Clinic domains"
