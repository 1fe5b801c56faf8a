"""URLs on a clinic's own verified domain: the portal at the root, plus the platform's shared routes."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("core.accounts.urls")),
    path("", include("core.health.urls")),
    path("", include("portal_site.urls")),
]
