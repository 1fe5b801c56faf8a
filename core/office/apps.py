from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "core.office"
    label = "office"
    verbose_name = "Back office"
