"""URLs for a hostname that is neither the platform's nor a verified clinic domain: a neutral page only."""

from django.urls import re_path

from . import views

urlpatterns = [re_path(r"^.*$", views.landing, name="landing")]
