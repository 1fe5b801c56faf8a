"""Portal routes, mounted at ``/c/<clinic_slug>/`` (and at ``/`` on a clinic's verified domain)."""

from django.urls import include, path, re_path

from core.plugins.manager import registry

from . import access_history, connected_apps, disclosures, erasure, notice, team_photos, views
from .access import gate_portal_patterns, gate_portal_public_patterns

app_name = "portal"

urlpatterns = [
    path("account/login/", views.login_view, name="login"),
    path("account/login/verify/", views.login_verify_view, name="login_verify"),
    path("account/register/", views.register_view, name="register"),
    path("account/resend-link/", views.resend_view, name="resend"),
    path("account/verify/<str:token>/", views.verify_view, name="verify"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/", views.profile_view, name="profile"),
    path("language/", views.language_view, name="language"),
    path("account/appointments/", views.appointments_view, name="appointments"),
    path("account/my-data.json", views.data_view, name="data"),
    path("account/access-history/", access_history.access_history_view, name="access_history"),
    path("account/apps/", connected_apps.connected_apps_view, name="connected_apps"),
    path("account/disclosures/", disclosures.disclosures_view, name="disclosures"),
    path("account/disclosures.pdf", disclosures.disclosures_pdf_view, name="disclosures_pdf"),
    path("account/my-data.zip", views.data_zip_view, name="data_zip"),
    path("account/privacy-notice/", notice.privacy_notice_view, name="privacy_notice"),
    path("account/erasure/", erasure.erasure_view, name="erasure"),
    # Earlier addresses of pages the scheduling module serves now (emails carry them): redirects.
    path(
        "account/appointments/<str:appointment_id>/cancel/",
        views.moved_appointment_view,
        {"page": "cancel/"},
        name="cancel",
    ),
    path(
        "account/appointments/<str:appointment_id>/reschedule/",
        views.moved_appointment_view,
        {"page": "reschedule/"},
        name="reschedule",
    ),
    path(
        "account/appointments/<str:appointment_id>/calendar.ics",
        views.moved_appointment_view,
        {"page": "calendar.ics"},
        name="ics",
    ),
    path("booking/confirm/", views.moved_confirm_view, name="confirm"),
    path("people/<int:member_id>/photo/", team_photos.team_photo_view, name="team_photo"),
]


def module_patterns():
    """Each module's pages, gated by that module's switch for the clinic: its patient-account pages under
    ``account/<module>/`` (``ehr_portal_urls``) and its public pages under ``<module>/``
    (``ehr_portal_public_urls``), both named in the module's namespace (``portal:<module>:<name>``)."""
    modules = registry().modules
    hook = registry().pm.hook
    account = {i.plugin_name: i for i in hook.ehr_portal_urls.get_hookimpls() if i.plugin_name in modules}
    public = {
        i.plugin_name: i for i in hook.ehr_portal_public_urls.get_hookimpls() if i.plugin_name in modules
    }
    patterns = []
    for slug in sorted(account.keys() | public.keys()):
        routes = []
        if slug in account:
            routes.append(
                path(f"account/{slug}/", include(gate_portal_patterns(account[slug].function(), slug)))
            )
        if slug in public:
            routes.append(
                path(f"{slug}/", include(gate_portal_public_patterns(public[slug].function(), slug)))
            )
        patterns.append(path("", include((routes, slug))))
    return patterns


urlpatterns += module_patterns()
urlpatterns += [
    path("", views.serve_page, name="home"),
    re_path(r"^(?P<path>[\w\-/]+)$", views.serve_page, name="page"),
]
