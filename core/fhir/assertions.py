"""SMART Backend Services: a backend service authenticates its token request with a JWT it signed with
its private key (``client_assertion``), checked here against the public keys it registered.

The JWT must name the client as ``iss`` and ``sub``, this server's token endpoint as ``aud``, expire within
five minutes, and carry a ``jti`` never used before (kept until it expires, so a copied request cannot be
replayed).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django_scopes import scope
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException

from .credentials import client_for_client_id
from .models import FhirClient, UsedAssertion

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNING_ALGORITHMS = ["RS384", "ES384", "RS256", "ES256"]
MAX_LIFETIME = 300


class AssertionRefused(Exception):
    pass


def _unverified_issuer(token: str) -> str:
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        return str(json.loads(parsed.objects["payload"]).get("iss") or "")
    except (JWException, ValueError, KeyError, TypeError, AttributeError):
        raise AssertionRefused("unreadable assertion") from None


def verify(token: str, audience: str) -> FhirClient:
    """The backend service that signed ``token`` for ``audience``, or ``AssertionRefused``."""
    if not token or len(token) > 8000:
        raise AssertionRefused("missing assertion")
    client = client_for_client_id(_unverified_issuer(token))
    if client is None or client.kind != "backend" or not client.jwks.get("keys"):
        raise AssertionRefused("unknown client")
    try:
        keys = jwk.JWKSet.from_json(json.dumps(client.jwks))
        checked = jwt.JWT(jwt=token, key=keys, algs=SIGNING_ALGORITHMS, expected_type="JWS")
        claims = json.loads(checked.claims)
    except (JWException, ValueError, TypeError):
        raise AssertionRefused("bad signature") from None
    client_id = client.application.client_id
    now = time.time()
    expires = claims.get("exp")
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise AssertionRefused("iss and sub must be the client id")
    if claims.get("aud") != audience and audience not in (claims.get("aud") or []):
        raise AssertionRefused("wrong audience")
    if not isinstance(expires, int | float) or expires <= now or expires > now + MAX_LIFETIME:
        raise AssertionRefused("expired, or valid for too long")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise AssertionRefused("missing jti")
    try:
        with transaction.atomic(), scope(organization=client.organization_id):
            # Expired assertions can no longer be replayed (their exp has passed): forget them.
            UsedAssertion.objects.filter(
                organization_id=client.organization_id, client=client, expires_at__lt=datetime.now(tz=UTC)
            ).delete()
            UsedAssertion.objects.create(
                organization_id=client.organization_id,
                client=client,
                jti=jti,
                expires_at=datetime.fromtimestamp(expires, tz=UTC),
            )
    except IntegrityError:
        raise AssertionRefused("assertion already used") from None
    return client
