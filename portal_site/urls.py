"""Portal routes, mounted at ``/c/<clinic_slug>/`` (and at ``/`` on a clinic's verified domain)."""

from django.urls import include, path, re_path

from core.plugins.manager import registry

from . import views
from .access import gate_portal_patterns

app_name = "portal"

urlpatterns = [
    path("account/login/", views.login_view, name="login"),
    path("account/login/verify/", views.login_verify_view, name="login_verify"),
    path("account/register/", views.register_view, name="register"),
    path("account/resend-link/", views.resend_view, name="resend"),
    path("account/verify/<str:token>/", views.verify_view, name="verify"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/", views.profile_view, name="profile"),
    path("account/appointments/", views.appointments_view, name="appointments"),
    path("account/appointments/<str:appointment_id>/cancel/", views.cancel_view, name="cancel"),
    path("account/appointments/<str:appointment_id>/reschedule/", views.reschedule_view, name="reschedule"),
    path("account/appointments/<str:appointment_id>/calendar.ics", views.ics_view, name="ics"),
    path("account/my-data.json", views.data_view, name="data"),
    path("booking/confirm/", views.confirm_view, name="confirm"),
]


def module_patterns():
    """Each module's patient-account pages, under ``account/<module>/``, gated by that module's switch."""
    modules = registry().modules
    return [
        path(
            f"account/{impl.plugin_name}/",
            include((gate_portal_patterns(impl.function(), impl.plugin_name), impl.plugin_name)),
        )
        for impl in registry().pm.hook.ehr_portal_urls.get_hookimpls()
        if impl.plugin_name in modules
    ]


urlpatterns += module_patterns()
urlpatterns += [
    path("", views.serve_page, name="home"),
    re_path(r"^(?P<path>[\w\-/]+)$", views.serve_page, name="page"),
]
