from django.urls import path

from core.domains.views import tls_ask

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("internal/tls-ask", tls_ask, name="tls_ask"),
]
