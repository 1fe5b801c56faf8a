"""Emails to the clinic's team (its owners and staff), in the clinic's language."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from core.tenancy.models import Clinic, Membership, Role

from ..models import Channel, OutboxMessage
from .config import language_for, sender_name, settings_for
from .outbox import record
from .wording import render_for


def team_recipients(clinic: Clinic) -> list[tuple[int, str]]:
    """(membership id, email) of the clinic's owners and its staff."""
    members = (
        Membership.objects.filter(organization_id=clinic.organization_id, is_active=True)
        .filter(Q(role=Role.OWNER) | Q(role=Role.STAFF, membershipclinic__clinic=clinic))
        .select_related("user")
        .distinct()
    )
    return [(m.pk, m.user.email) for m in members if m.user.email]


def notify_team(
    clinic: Clinic,
    message_type: str,
    *,
    key: str,
    context: dict,
    related: tuple[str, int | None] = ("", None),
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Email ``message_type`` to the owners and staff of ``clinic`` (in the clinic's language)."""
    now = now or timezone.now()
    config = settings_for(clinic)
    if not config.email_enabled:
        return []
    language = language_for(clinic)
    values = {
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "sender_name": sender_name(clinic, config),
    }
    rendered = render_for(clinic, message_type, language, {**values, **context})
    made = [
        record(
            clinic,
            key=f"{key}:member{member_id}:email",
            channel=Channel.EMAIL,
            recipient=email,
            message_type=message_type,
            language=language,
            rendered=rendered,
            now=now,
            related=related,
        )
        for member_id, email in team_recipients(clinic)
    ]
    return [m for m in made if m is not None]
