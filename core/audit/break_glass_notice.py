"""The owners' morning summary of yesterday's break-glass accesses, run daily by the django-q2 cluster.

"Yesterday" is the organization's calendar day (its first clinic's time zone); each owner reads the summary
in their own language, else the organization's. Each day is sent once (``BreakGlassSummary``), so a job run
twice sends nothing more; the email names patients by record number only and links to the owners' review
page, where the names are (an email leaves the service).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from .models import BreakGlassAccess, BreakGlassSummary

SCHEDULE_NAME = "ehr:core:break_glass_notice"


def notify_owners() -> int:
    """Email each organization's owners the break-glass accesses of their yesterday; returns emails sent."""
    from core.tenancy.models import Organization

    # Organizations are the tenants themselves (not scoped): the job walks each in turn, in its scope.
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    return sum(notify_organization(organization_id) for organization_id in organization_ids)


def notify_organization(organization_id: int) -> int:
    """Email the owners of one organization the break-glass accesses of its yesterday."""
    from core.tenancy.clinic_time import localize_day, organization_zone
    from core.tenancy.models import Organization

    with scope(organization=organization_id):
        organization = Organization.objects.get(pk=organization_id)
        zone = organization_zone(organization_id)
        today = timezone.localdate(timezone=zone)
        yesterday = today - timedelta(days=1)
        accesses = list(
            BreakGlassAccess.objects.filter(
                organization_id=organization_id,
                at__gte=localize_day(yesterday, zone),
                at__lt=localize_day(today, zone),
            )
            .select_related("actor", "patient")
            .order_by("at", "pk")
        )
        if not accesses:
            return 0
        with transaction.atomic():
            # The day's marker and the emails stand or fall together: a failed send leaves the day unsent.
            if not _claim(organization_id, yesterday):
                return 0
            return _send(organization, zone, yesterday, accesses)


def _claim(organization_id: int, day) -> bool:
    """Mark ``day`` as sent for the organization; False when it already was. The unique constraint holds
    against two runs at once: the second waits for the first to commit, then finds the day taken."""
    try:
        with transaction.atomic():
            BreakGlassSummary.objects.create(organization_id=organization_id, day=day)
    except IntegrityError:
        return False
    return True


def _send(organization, zone, yesterday, accesses) -> int:
    from django.urls import reverse

    from core.accounts.language import recipient_language
    from core.tenancy.clinic_time import clinic_time
    from core.tenancy.models import Membership, Role

    organization_id = organization.pk
    owners = Membership.objects.filter(
        organization_id=organization_id, role=Role.OWNER, is_active=True
    ).select_related("user")
    sent = 0
    for owner in owners:
        language = recipient_language(owner.user.preferred_language, organization.default_locale)
        with translation.override(language):
            lines = [
                {
                    "at": clinic_time(access.at, zone, "j M Y H:i"),
                    "who": access.actor.email if access.actor else "—",
                    "record": access.patient.display_record_number if access.patient else "",
                    "reason": access.get_reason_kind_display(),
                    "explanation": access.reason,
                }
                for access in accesses
            ]
            subject = _("%(organization)s: %(count)s break-glass accesses on %(day)s") % {
                "organization": organization.name,
                "count": len(accesses),
                "day": yesterday.isoformat(),
            }
            body = render_to_string(
                "audit/email/break_glass_daily.txt",
                {
                    "organization": organization.name,
                    "day": yesterday,
                    "lines": lines,
                    "review": settings.EHR_BASE_URL.rstrip("/") + reverse("office:access_policy"),
                },
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.user.email], fail_silently=False)
        sent += 1
    return sent
