"""Portal routes, mounted at ``/c/<clinic_slug>/`` (and at ``/`` on a clinic's verified domain)."""

from django.urls import path, re_path

from . import views

app_name = "portal"

urlpatterns = [
    path("account/login/", views.login_view, name="login"),
    path("account/register/", views.register_view, name="register"),
    path("account/verify/<str:token>/", views.verify_view, name="verify"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/", views.profile_view, name="profile"),
    path("account/appointments/", views.appointments_view, name="appointments"),
    path("account/appointments/<str:appointment_id>/cancel/", views.cancel_view, name="cancel"),
    path("account/appointments/<str:appointment_id>/reschedule/", views.reschedule_view, name="reschedule"),
    path("account/appointments/<str:appointment_id>/calendar.ics", views.ics_view, name="ics"),
    path("account/my-data.json", views.data_view, name="data"),
    path("booking/confirm/", views.confirm_view, name="confirm"),
    path("", views.serve_page, name="home"),
    re_path(r"^(?P<path>[\w\-/]+)$", views.serve_page, name="page"),
]
