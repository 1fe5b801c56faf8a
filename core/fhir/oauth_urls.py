"""The OAuth 2 endpoints SMART apps use (django-oauth-toolkit's, with our authorization step)."""

from django.urls import path
from oauth2_provider import views as oauth

from .oauth import SmartAuthorizationView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", SmartAuthorizationView.as_view(), name="authorize"),
    path("token/", oauth.TokenView.as_view(), name="token"),
    path("revoke/", oauth.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oauth.IntrospectTokenView.as_view(), name="introspect"),
]
