"""URLs on a clinic's own verified domain: the portal at the root, plus the platform's shared routes.

Staff routes (sign-in, password reset, the back office, the API, the CMS) live on the platform's address
only and answer 404 here, before the portal's page catch-all sees them: a clinic's domain is its patients'
front door, and a staff password reset asked for through it must not exist at all.
"""

from django.urls import include, path, re_path
from wagtail.documents import urls as wagtaildocs_urls

from . import views

STAFF_ROUTES = ("accounts", "office", "api", "cms")

urlpatterns = [
    re_path(rf"^(?:{'|'.join(STAFF_ROUTES)})(?:/|$)", views.not_on_clinic_domain),
    path("", include("core.health.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("portal_site.urls")),
]
