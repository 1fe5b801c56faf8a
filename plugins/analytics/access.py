"""What a member may report on: the clinics (with analytics on, where they may see reports), the sections
their role opens, and for a practitioner, their own activity only. Shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from core.tenancy.access import require_member, visible_clinics
from core.tenancy.models import Membership, Role
from core.tenancy.modules import is_module_enabled, with_module_switches

from . import catalog
from .models import MonthlyFigure

OPERATIONS = ("appointments", "patients", "utilization", "inventory", "other")
OWN_ACTIVITY = ("appointments", "patients", "utilization")


@dataclass
class Reach:
    clinics: list
    sections: tuple[str, ...]
    own_practitioner: int | None


def reach(request) -> Reach:
    ctx = require_member(request)
    user = request.user
    clinics = [
        c
        # Loaded with their module switches: every metric asks whether its module is on at each clinic.
        for c in with_module_switches(visible_clinics(request))
        if is_module_enabled(c, "analytics") and user.has_perm("analytics.view_reports", c)
    ]
    if ctx.role == Role.PRACTITIONER:
        clinics = [c for c in clinics if user.has_perm("analytics.view_own_activity", c)]
        return Reach(clinics, OWN_ACTIVITY, ctx.membership.pk)
    return Reach(clinics, sections_for(user, clinics), None)


def sections_for(user, clinics) -> tuple[str, ...]:
    """The sections every one of ``clinics`` opens to ``user`` (a mixed selection shows the common part)."""
    sections: list[str] = []
    if clinics and all(user.has_perm("analytics.view_revenue", c) for c in clinics):
        sections.append("revenue")
    if clinics and all(user.has_perm("analytics.view_operations", c) for c in clinics):
        sections.extend(OPERATIONS)
    return tuple(sections)


def practitioner_choices(organization_id: int, clinics) -> list[tuple[int, str]]:
    """The practitioners of ``clinics`` by name (``Membership.name``), read as plain rows: a chain has
    hundreds, and the filter is on every dashboard."""
    rows = (
        Membership.objects.filter(
            organization_id=organization_id,
            role=Role.PRACTITIONER,
            membershipclinic__clinic__in=[c.pk for c in clinics],
        )
        .values_list("pk", "display_name", "user__full_name", "user__email")
        .distinct()
    )
    return sorted(
        ((pk, display or full or email) for pk, display, full, email in rows),
        key=lambda pair: pair[1].lower(),
    )


def service_choices(organization_id: int, clinics) -> list[tuple[int, str]]:
    """Services that appear in the clinics' roll-ups of the metrics that list the service filter's choices
    (``Metric.choices_for``), read from the monthly rows: the same services, a thirtieth of the rows."""
    listing = [m.slug for m in catalog.all_metrics().values() if "service" in m.choices_for]
    rows = (
        MonthlyFigure.objects.filter(
            organization_id=organization_id,
            clinic_id__in=[c.pk for c in clinics],
            metric__in=listing,
            breakdown="service",
        )
        .values_list("key", "label")
        .distinct()
        .order_by("label", "key")
    )
    seen: dict[int, str] = {}
    for key, label in rows:
        if key.isdigit():
            seen.setdefault(int(key), label)
    return list(seen.items())
