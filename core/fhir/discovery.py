"""``.well-known/smart-configuration``: where SMART apps find the authorization and token endpoints."""

from __future__ import annotations

from django.http import JsonResponse


def smart_configuration(request):
    url = request.build_absolute_uri
    return JsonResponse(
        {
            "issuer": url("/fhir/R4"),
            "authorization_endpoint": url("/oauth/authorize/"),
            "token_endpoint": url("/oauth/token/"),
            "revocation_endpoint": url("/oauth/revoke/"),
            "introspection_endpoint": url("/oauth/introspect/"),
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": [
                "launch/patient",
                "offline_access",
                "patient/*.rs",
                "user/*.rs",
                "user/*.cruds",
                "system/*.rs",
                "system/*.cruds",
            ],
            "capabilities": [
                "launch-standalone",
                "client-public",
                "client-confidential-symmetric",
                "client-confidential-asymmetric",
                "context-standalone-patient",
                "permission-patient",
                "permission-user",
                "permission-v1",
                "permission-v2",
            ],
        }
    )
