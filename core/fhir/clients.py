"""Registering an app with the FHIR API: an OAuth client that belongs to one organization."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from jwcrypto import jwk
from jwcrypto.common import JWException
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application

from core.tenancy.models import Organization

from .models import ClientKind, FhirClient


@transaction.atomic
def register_client(
    organization: Organization,
    *,
    name: str,
    kind: str,
    redirect_uris: list[str] = (),
    confidential: bool = False,
    jwks: dict | None = None,
    by=None,
) -> tuple[FhirClient, str]:
    """Register an app for ``organization``; returns it with its client secret (shown once, stored
    hashed; empty for a public app). Patient and clinician apps use the authorization code with PKCE and
    need a redirect address; backend services use client credentials and are always confidential.

    A backend service registered with ``jwks`` (its public keys) signs its token requests instead, and
    gets no secret. A patient app asks the patient's consent; the organization's own apps do not ask
    its members again."""
    if kind not in ClientKind.values:
        raise ValidationError(_("Choose a kind of app."))
    backend = kind == ClientKind.BACKEND
    if not backend and not redirect_uris:
        raise ValidationError(_("An app that people sign in to needs a redirect address."))
    if jwks is not None and (not backend or not _is_public_key_set(jwks)):
        raise ValidationError(_("Give a backend service a JWK Set of public keys."))
    secret = generate_client_secret() if backend or confidential else ""
    application = Application(
        name=name.strip()[:255] or _("FHIR app"),
        user=by,
        client_type=Application.CLIENT_CONFIDENTIAL if secret else Application.CLIENT_PUBLIC,
        authorization_grant_type=(
            Application.GRANT_CLIENT_CREDENTIALS if backend else Application.GRANT_AUTHORIZATION_CODE
        ),
        redirect_uris=" ".join(redirect_uris),
        # Members are asked nothing: their organization registered the app for them. A patient decides
        # for themself which app reaches their record.
        skip_authorization=kind != ClientKind.PATIENT,
        algorithm=Application.NO_ALGORITHM,
    )
    if secret:
        application.client_secret = secret
    application.full_clean(exclude=["client_secret"] if not secret else None)
    application.save()
    client = FhirClient.objects.create(
        organization=organization, application=application, kind=kind, created_by=by, jwks=jwks or {}
    )
    # With keys, the secret is never shown: the service proves itself with its signature only.
    return client, "" if jwks else secret


def _is_public_key_set(jwks: dict) -> bool:
    try:
        keys = jwk.JWKSet.from_json(json.dumps(jwks))
    except (JWException, ValueError, TypeError):
        return False
    # Asymmetric public keys only: a shared (oct) key or a private key is a secret, not a public key.
    return bool(keys["keys"]) and all(
        key.get("kty") in ("RSA", "EC") and not key.has_private for key in keys["keys"]
    )
