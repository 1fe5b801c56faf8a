"""SMART App Launch 2.0 on django-oauth-toolkit.

- ``SmartAuthorizationView``: the authorization-code step. A patient app's user signs in through the
  portal of the app's organization, a clinician app's user through the back office; the app then gets a
  code only for a login that is that organization's patient (or member).
- ``SmartValidator``: scopes follow SMART's grammar and the app's kind (patient/, user/ or system/), and
  the token response names the patient a patient app was launched for.
"""

from __future__ import annotations

from urllib.parse import quote

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.views import AuthorizationView

from core.patients.accounts import patient_in
from core.tenancy.context import memberships_of

from .assertions import ASSERTION_TYPE, AssertionRefused, verify
from .credentials import client_for_application, client_for_client_id
from .models import ClientKind
from .scopes import describe, is_valid_scope


class ScopeDescriptions(dict):
    """Every SMART scope describes itself (the grammar has no fixed list to look descriptions up in)."""

    def __missing__(self, key):
        return describe(key)


class SmartScopes(BaseScopes):
    def get_all_scopes(self):
        return ScopeDescriptions()

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = client_for_application(application)
        asked = getattr(request, "scopes", None) or []
        if client is None:
            return []
        return [s for s in asked if is_valid_scope(s, client.scope_context)]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        client = client_for_application(application)
        return [f"{client.scope_context}/*.rs"] if client else []


class SmartValidator(OAuth2Validator):
    def authenticate_client(self, request, *args, **kwargs):
        """A backend service may sign its request (``private_key_jwt``) instead of sending a secret."""
        if getattr(request, "client_assertion_type", None) != ASSERTION_TYPE:
            return super().authenticate_client(request, *args, **kwargs)
        try:
            client = verify(getattr(request, "client_assertion", "") or "", token_endpoint(request))
        except AssertionRefused:
            return False
        request.client = client.application
        request.client_id = client.application.client_id
        return True

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        registered = client_for_application(client)
        return registered is not None and all(is_valid_scope(s, registered.scope_context) for s in scopes)

    def save_bearer_token(self, token, request, *args, **kwargs):
        super().save_bearer_token(token, request, *args, **kwargs)
        registered = client_for_application(request.client)
        if registered is not None and registered.kind == ClientKind.PATIENT and request.user is not None:
            # SMART: the token response tells a patient app whose record it was launched for.
            with scope(organization=registered.organization_id):
                patient = patient_in(request.user, registered.organization_id)
            if patient is not None:
                token["patient"] = str(patient.pk)


# What the sign-in page tells a person when an app's authorization request is refused: oauthlib's own
# descriptions are English and written for the app's developer.
REFUSALS = {
    "invalid_client": gettext_lazy("This app is not registered here."),
    "invalid_request": gettext_lazy("The app's request is incomplete. Ask the app's makers to fix it."),
    "invalid_scope": gettext_lazy("The app asked for access this kind of app may not have."),
    "unauthorized_client": gettext_lazy("This app may not sign in this way."),
    "unsupported_response_type": gettext_lazy("This app may not sign in this way."),
    "access_denied": gettext_lazy("Access was not allowed."),
}


def refusal_message(code: str) -> str:
    return str(REFUSALS.get(code, gettext_lazy("The app cannot be connected. Try again later.")))


class SmartAuthorizationView(AuthorizationView):
    def render_to_response(self, context, **response_kwargs):
        refused = context.get("error")
        if refused is not None and hasattr(refused, "error"):
            # The page shows the refusal in the reader's language (the code stays for the app).
            context = {
                **context,
                "error": {"error": refused.error, "description": refusal_message(refused.error)},
            }
        return super().render_to_response(context, **response_kwargs)

    def dispatch(self, request, *args, **kwargs):
        client = client_for_client_id(request.GET.get("client_id") or request.POST.get("client_id") or "")
        if client is None:
            # django-oauth-toolkit answers unknown clients with its own error page.
            return super().dispatch(request, *args, **kwargs)
        if request.method == "GET" and not self._for_this_server(request):
            # SMART: the app names the FHIR server it wants a token for (``aud``); a token for another
            # server must not be issued here, where the app might hand it on.
            return render(
                request,
                "fhir/authorize_refused.html",
                {"message": _("The app asked for access to another server (aud), not this one.")},
                status=400,
            )
        if not request.user.is_authenticated:
            return redirect(self._sign_in_address(client, request.get_full_path()))
        if client.kind == ClientKind.PATIENT:
            with scope(organization=client.organization_id):
                allowed = patient_in(request.user, client.organization_id) is not None
            refusal = _("This sign-in is not linked to a patient record of %(name)s.")
        else:
            allowed = client.organization_id in memberships_of(request.user)
            refusal = _("This sign-in is not a member of %(name)s.")
        if client.kind == ClientKind.BACKEND or not allowed:
            return render(
                request,
                "fhir/authorize_refused.html",
                {"message": refusal % {"name": client.organization.name}},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        client = client_for_client_id(self.request.GET.get("client_id") or "")
        if client is not None:
            context["organization"] = client.organization
            if client.kind == ClientKind.PATIENT:
                with scope(organization=client.organization_id):
                    context["patient"] = patient_in(self.request.user, client.organization_id)
        return context

    @staticmethod
    def _for_this_server(request) -> bool:
        base = request.build_absolute_uri("/fhir/R4").rstrip("/")
        return (request.GET.get("aud") or "").rstrip("/") == base

    @staticmethod
    def _sign_in_address(client, next_url: str) -> str:
        if client.kind == ClientKind.PATIENT:
            with scope(organization=client.organization_id):
                clinic = client.organization.clinic_set.filter(archived=False).order_by("id").first()
            if clinic is not None:
                return f"/c/{clinic.slug}/account/login/?next={quote(next_url)}"
        return f"/accounts/login/?next={quote(next_url)}"


def token_endpoint(oauth_request) -> str:
    """This server's token endpoint as the client addressed it (the ``aud`` its assertion must name)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(oauth_request.uri)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
