"""Personal API tokens: created and revoked by their owner, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import ApiToken

TOKEN_PREFIX = "ehr_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(user, organization, name: str) -> tuple[ApiToken, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=token[:10],
        token_hash=_hash(token),
    )
    return record, token


@transaction.atomic
@transaction.atomic
def revoke_token(record: ApiToken) -> None:
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])


def token_from_header(value: str) -> ApiToken | None:
    """The live token named by an ``Authorization: Bearer ...`` header value, or None."""
    scheme, _, token = (value or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    # scopes_disabled: the token is what tells us the organization; it is looked up by its hash only.
    with scopes_disabled():
        record = (
            ApiToken.objects.select_related("user", "organization")
            .filter(token_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
    if record is not None and (
        record.last_used_at is None or (timezone.now() - record.last_used_at).total_seconds() > 300
    ):
        # Coarse "last used" so every call does not write.
        # scopes_disabled: same token row, before any scope is entered.
        with scopes_disabled():
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    return record
