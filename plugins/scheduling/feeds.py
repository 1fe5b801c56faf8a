"""Practitioners' private calendar feeds: create, rotate, revoke, and find a feed by its secret.

The secret travels in the feed's address and is shown once; only its SHA-256 hash is stored, as for API
tokens. Whoever holds the address sees the practitioner's appointments (by patient initials) from
``DAYS_BACK`` days ago to ``DAYS_AHEAD`` days ahead.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from core.plugins.manager import registry
from core.tenancy.models import Clinic, ClinicModule, Membership

from .models import MAX_OCCUPIED, Appointment, CalendarFeed

DAYS_BACK = 30
DAYS_AHEAD = 180
SECRET_PREFIX = "cal_"
MAX_SECRET_LENGTH = 100


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def live_feed(membership: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(
        organization_id=membership.organization_id, membership=membership, revoked_at__isnull=True
    ).first()


@transaction.atomic
def revoke(feed: CalendarFeed) -> None:
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])


@transaction.atomic
def create_or_rotate(membership: Membership) -> tuple[CalendarFeed, str]:
    """A new secret address for ``membership``'s calendar; the one they had stops working."""
    # Lock the member's row so two clicks at once cannot both pass the "one live feed" step.
    Membership.objects.select_for_update().filter(
        organization_id=membership.organization_id, pk=membership.pk
    ).first()
    current = live_feed(membership)
    if current is not None:
        revoke(current)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        secret_hash=_hash(secret),
        prefix=secret[:10],
    )
    return feed, secret


def feed_for_secret(secret: str) -> CalendarFeed | None:
    """The live feed whose secret this is, or None (unknown, malformed or revoked)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
        return None
    # The secret is what names the organization; every later query runs in that organization's scope.
    # scopes_disabled: looked up by the secret's hash only.
    with scopes_disabled():
        return (
            CalendarFeed.objects.select_related("membership__user", "membership__organization")
            .filter(secret_hash=_hash(secret), revoked_at__isnull=True, membership__is_active=True)
            .first()
        )


def scheduling_clinic_ids(organization_id: int) -> set[int]:
    """The organization's clinics where scheduling is on (two queries, whatever the number of clinics)."""
    default = registry().modules["scheduling"].default_enabled
    switches = dict(
        ClinicModule.objects.filter(organization_id=organization_id, module="scheduling").values_list(
            "clinic_id", "enabled"
        )
    )
    clinic_ids = Clinic.objects.filter(organization_id=organization_id).values_list("pk", flat=True)
    return {pk for pk in clinic_ids if switches.get(pk, default)}


def feed_appointments(feed: CalendarFeed, clinic_ids: set[int], *, now=None) -> list[Appointment]:
    """The practitioner's appointments in the feed's window at clinics where scheduling is on."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            organization_id=feed.organization_id,
            practitioner_id=feed.membership_id,
            clinic_id__in=clinic_ids,
            start__gte=now - timedelta(days=DAYS_BACK),
            start__lt=now + timedelta(days=DAYS_AHEAD),
            # The same bounds on the occupied span, which the practitioner index is ordered by.
            occupied_start__gte=now - timedelta(days=DAYS_BACK) - MAX_OCCUPIED,
            occupied_start__lt=now + timedelta(days=DAYS_AHEAD),
        )
        .select_related("clinic", "service", "patient")
        .order_by("start", "id")
    )
