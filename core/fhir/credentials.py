"""From the ``Authorization`` header to a ``FhirContext``: a personal API token or an OAuth access token.

The organization always comes from the credential: a personal token belongs to one organization, and an
OAuth app is registered by one (``FhirClient``). Nothing in the address can point a caller elsewhere.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from core.accounts.tokens import TOKEN_PREFIX, token_from_header
from core.patients.accounts import patient_in
from core.tenancy.context import memberships_of

from .context import FhirContext
from .models import FhirClient
from .outcome import NotAuthenticated
from .scopes import Grants

# A personal API token acts as its member, for everything the member may do (as on /api/v1/).
PERSONAL_TOKEN_SCOPES = "user/*.cruds"


def authenticate(request) -> FhirContext:
    """The caller's context, or ``NotAuthenticated`` (401) for a missing, unknown or expired credential."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated(_("Send an access token: Authorization: Bearer <token>."))
    if token.startswith(TOKEN_PREFIX):
        return _personal_token(request, header)
    return _oauth_token(request)


def _personal_token(request, header: str) -> FhirContext:
    record = token_from_header(header)
    member = memberships_of(record.user).get(record.organization_id) if record else None
    if record is None or member is None:
        raise NotAuthenticated(_("This access token is not valid."))
    return FhirContext(
        request=request,
        organization=record.organization,
        kind="user",
        grants=Grants.from_text(PERSONAL_TOKEN_SCOPES),
        user=record.user,
        member=member,
    )


def _oauth_token(request) -> FhirContext:
    from oauth2_provider.oauth2_backends import get_oauthlib_core

    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid:
        raise NotAuthenticated(_("This access token is not valid or has expired."))
    token = oauth_request.access_token
    client = client_for_application(token.application)
    if client is None:
        raise NotAuthenticated(_("This app is not registered for the FHIR API."))
    organization = client.organization
    context = FhirContext(
        request=request,
        organization=organization,
        kind=client.scope_context,
        grants=Grants.from_text(token.scope),
        client_id=token.application.client_id,
    )
    if context.kind == "system":
        return context
    user = token.user
    if user is None or not user.is_active:
        raise NotAuthenticated(_("This access token is not valid or has expired."))
    context.user = user
    if context.kind == "user":
        context.member = memberships_of(user).get(organization.pk)
        if context.member is None:
            raise NotAuthenticated(_("This access token is not valid or has expired."))
        return context
    # A patient app sees the record the login is linked to in the app's organization, read afresh on
    # every call, so a link removed in the meantime ends the app's access.
    with scope(organization=organization.pk):
        context.patient = patient_in(user, organization.pk)
    if context.patient is None:
        raise NotAuthenticated(_("This access token is not valid or has expired."))
    return context


def client_for_client_id(client_id: str) -> FhirClient | None:
    """The registered FHIR app with OAuth client id ``client_id`` (with its organization)."""
    if not client_id or len(client_id) > 200:
        return None
    # scopes_disabled: an app's client id is what names its organization; looked up by the id only.
    with scopes_disabled():
        return (
            FhirClient.objects.select_related("organization", "application")
            .filter(application__client_id=client_id)
            .first()
        )


def client_for_application(application) -> FhirClient | None:
    """The FHIR registration of an OAuth application (cached on it for the request)."""
    if application is None:
        return None
    cached = getattr(application, "_ehr_fhir_client", False)
    if cached is not False:
        return cached
    # scopes_disabled: an app's client id is what names its organization; looked up by the app only.
    with scopes_disabled():
        found = (
            FhirClient.objects.select_related("organization").filter(application_id=application.pk).first()
        )
    application._ehr_fhir_client = found
    return found
