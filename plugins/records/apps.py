from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "plugins.records"
    label = "records"
    verbose_name = _("Clinical records")
    default_auto_field = "django.db.models.BigAutoField"
