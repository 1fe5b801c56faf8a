"""URLs on a clinic's own verified domain: the portal at the root, plus the platform's shared routes."""

from django.urls import include, path
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("accounts/", include("core.accounts.urls")),
    path("", include("core.health.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("portal_site.urls")),
]
