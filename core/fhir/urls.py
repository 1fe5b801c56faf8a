from django.urls import path, re_path

from . import discovery, views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path(".well-known/smart-configuration", discovery.smart_configuration, name="smart_configuration"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]{1,63})$", views.type_endpoint, name="type"),
    re_path(
        r"^Patient/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/\$(?P<operation>everything|summary)$",
        views.patient_operation,
        name="patient_operation",
    ),
    re_path(
        r"^(?P<resource_type>[A-Z][A-Za-z]{1,63})/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$",
        views.instance_endpoint,
        name="instance",
    ),
]
