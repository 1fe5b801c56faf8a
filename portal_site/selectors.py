"""Reads for the portal: a clinic's home page, its navigation, its public team."""

from __future__ import annotations

from core.tenancy.models import Clinic, Membership, MembershipClinic, Role


def home_page_for(clinic: Clinic):
    from .models import ClinicHomePage

    cached = getattr(clinic, "_portal_home", None)
    if cached is None:
        cached = ClinicHomePage.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
        clinic._portal_home = cached
    return cached


def nav_pages(home, request=None) -> list[dict]:
    from .models import LegalPage

    pages = home.get_children().live().in_menu().specific().not_type(LegalPage)
    return [{"title": p.title, "url": p.get_url(request), "pk": p.pk} for p in pages]


def legal_pages(home, request=None) -> list[dict]:
    from .models import LegalPage

    pages = home.get_children().live().type(LegalPage).specific()
    return [{"title": p.title, "url": p.get_url(request)} for p in pages]


def public_practitioners(clinic: Clinic) -> list[Membership]:
    """Active practitioners who work at ``clinic``, with their public profile."""
    working_here = MembershipClinic.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic
    ).values("membership_id")
    return list(
        Membership.objects.filter(
            organization_id=clinic.organization_id,
            is_active=True,
            role=Role.PRACTITIONER,
            pk__in=working_here,
        )
        .select_related("user")
        .order_by("display_name", "user__full_name", "id")
    )
