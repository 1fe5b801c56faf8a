from django.conf import settings
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from core import views
from core.api.root import api
from core.fhir.discovery import smart_configuration
from core.plugins.manager import registry

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("core.accounts.urls")),
    path("office/settings/fhir-apps/", include("core.fhir.office_urls")),
    path("office/", include("core.office.urls")),
    path("api/v1/", api.urls),
    # FHIR R4 and its SMART on FHIR sign-in; the organization comes from the credentials, never the URL.
    path("fhir/R4/", include("core.fhir.urls")),
    path(".well-known/smart-configuration", smart_configuration, name="smart_configuration"),
    path("oauth/", include("core.fhir.oauth_urls")),
    path("", include("core.health.urls")),
    path("cms/", include(wagtailadmin_urls)),
    # Documents the clinics' editors link from their portal pages (the CMS lists them with these links).
    path("documents/", include(wagtaildocs_urls)),
    path("c/<slug:clinic_slug>/", include("portal_site.urls")),
]


def public_patterns():
    """Each module's secret-bearing public links, under ``public/<module>/`` (see ``ehr_public_urls``)."""
    modules = registry().modules
    return [
        path(
            f"public/{impl.plugin_name}/",
            include((impl.function(), impl.plugin_name), namespace=f"public_{impl.plugin_name}"),
        )
        for impl in registry().pm.hook.ehr_public_urls.get_hookimpls()
        if impl.plugin_name in modules
    ]


urlpatterns += public_patterns()

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
