from django.apps import AppConfig


class PortalSiteConfig(AppConfig):
    name = "portal_site"
    label = "portal_site"
    verbose_name = "Portal sites"
