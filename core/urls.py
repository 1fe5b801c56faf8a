from django.conf import settings
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls

from core import views
from core.api.root import api

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("core.accounts.urls")),
    path("office/", include("core.office.urls")),
    path("api/v1/", api.urls),
    path("", include("core.health.urls")),
    path("cms/", include(wagtailadmin_urls)),
    path("c/<slug:clinic_slug>/", include("portal_site.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
