from django.urls import path

from . import office_views

app_name = "office_fhir"

urlpatterns = [
    path("", office_views.apps, name="apps"),
    path("<str:pk>/remove/", office_views.app_remove, name="app_remove"),
]
