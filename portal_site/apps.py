from django.apps import AppConfig


class PortalSiteConfig(AppConfig):
    name = "portal_site"
    label = "portal_site"
    verbose_name = "Portal sites"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals
        from .cms import narrow_page_listing_filters
        from .cms_bulk import narrow_bulk_actions

        signals.connect_wagtail_signals()
        narrow_page_listing_filters()
        narrow_bulk_actions()
