from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "core.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from .chain_sql import install

        # After every migrate (tables of new tracked models included), install whatever trigger is missing.
        post_migrate.connect(install, sender=self, dispatch_uid="audit-chain-install")
