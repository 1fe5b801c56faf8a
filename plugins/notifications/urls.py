"""Back-office routes, mounted under ``/office/c/<clinic_slug>/notifications/``.

Object ids travel in the query string or the form body and are resolved with the access helpers."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.message_log, name="message_log"),
    path("retry/", views.message_retry, name="message_retry"),
    path("settings/", views.settings_page, name="settings"),
    path("templates/", views.template_edit, name="template_edit"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("patient/", views.patient_messages, name="patient_messages"),
    path("patient/preferences/", views.patient_preferences, name="patient_preferences"),
]
