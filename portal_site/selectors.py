"""Reads for the portal: a clinic's home page, its navigation, its public team."""

from __future__ import annotations

from core.tenancy.models import Clinic, Membership, MembershipClinic, Role


def home_page_for(clinic: Clinic):
    from .models import ClinicHomePage

    cached = getattr(clinic, "_portal_home", None)
    if cached is None:
        # The first tree made for the clinic; its translations are siblings made later (see translations.py).
        # Reading two tells, with no second query, whether there are any to look for.
        homes = ClinicHomePage.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        homes = list(homes.order_by("pk")[:2])
        cached = homes[0] if homes else None
        clinic._portal_translated = len(homes) > 1
        if cached is not None:
            cached.clinic = clinic  # the pages' addresses need the clinic: no second lookup of it
        clinic._portal_home = cached
    return cached


def below_home(pages, home) -> list:
    """``pages`` of ``home``'s site, told their home page, so that building each one's address asks the
    database nothing more (a menu would otherwise look up every link's ancestors and clinic)."""
    pages = list(pages)
    for page in pages:
        page.__dict__["portal_home"] = home  # the cached_property's slot
    return pages


def takes_bookings(clinic: Clinic) -> bool:
    """Whether a module on at ``clinic`` serves its booking page (``clinic_portal_booking``)."""
    from core.tenancy.modules import clinic_hook

    return bool(clinic_hook(clinic, "clinic_portal_booking").get_hookimpls())


def nav_pages(home, request=None) -> list[dict]:
    from .models import BookingPage, LegalPage
    from .translations import menu_entries

    pages = home.get_children().live().in_menu().specific().not_type(LegalPage)
    if not takes_bookings(home.clinic):
        # No booking link in the menu while no module takes bookings there (the page itself still says so).
        pages = pages.not_type(BookingPage)
    return menu_entries(below_home(pages, home), home.clinic, request)


def legal_pages(home, request=None) -> list[dict]:
    from .models import LegalPage
    from .translations import menu_entries

    pages = below_home(home.get_children().live().type(LegalPage).specific(), home)
    return menu_entries(pages, home.clinic, request)


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
