from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "core.health"
    label = "health"
    verbose_name = "Health checks"
