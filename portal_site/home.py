"""What a clinic's home page shows from the clinic's own data: its team (with the links modules offer for
each practitioner), its address and contact details, the sentence search engines show, and the blocks a
new clinic's home page starts with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from django.utils.translation import gettext as _

from core.addresses import address_lines
from core.plugins.types import NavItem
from core.tenancy.models import Clinic, Membership

OPENSTREETMAP_SEARCH = "https://www.openstreetmap.org/search?query="


@dataclass
class TeamCard:
    member: Membership
    photo_url: str
    links: list[dict] = field(default_factory=list)


def team_photo_url(clinic: Clinic, member: Membership, base: str) -> str:
    """The practitioner's photo through the portal (media files are not public); the version in the
    address changes with the photo, so browsers may keep it."""
    if not member.photo:
        return ""
    version = hashlib.sha256(member.photo.name.encode()).hexdigest()[:10]
    return f"{base}people/{member.pk}/photo/?v={version}"


def team_cards(request, clinic: Clinic) -> list[TeamCard]:
    """The clinic's public practitioners, each with their photo address and the links modules on at the
    clinic offer for them (sorted by order, then label)."""
    from core.tenancy.modules import clinic_hook

    from .routing import clinic_base_url
    from .selectors import public_practitioners

    members = public_practitioners(clinic)
    if not members:
        return []
    base = clinic_base_url(clinic, request)
    offered: dict[int, list[NavItem]] = {}
    for result in clinic_hook(clinic, "clinic_portal_practitioner_links")(
        request=request, clinic=clinic, practitioners=members
    ):
        for member_id, items in (result or {}).items():
            offered.setdefault(member_id, []).extend(items)
    return [
        TeamCard(
            member=member,
            photo_url=team_photo_url(clinic, member, base),
            links=[
                {"label": item.label, "url": base + item.url}
                for item in sorted(offered.get(member.pk, []), key=lambda item: (item.order, str(item.label)))
            ],
        )
        for member in members
    ]


def map_link(clinic: Clinic) -> str:
    """A plain link to OpenStreetMap searching the clinic's address (no scripts or frames on the page)."""
    query = ", ".join(
        part for part in (clinic.address_line1, clinic.postal_code, clinic.city, clinic.country) if part
    )
    return OPENSTREETMAP_SEARCH + quote_plus(query) if query else ""


def clinic_contact(clinic: Clinic) -> dict:
    return {
        "address_lines": address_lines(
            clinic.address_line1,
            clinic.address_line2,
            clinic.postal_code,
            clinic.city,
            clinic.country,
            home_country=clinic.country,  # the clinic's own site need not name its country
        ),
        "map_url": map_link(clinic),
        "phone": clinic.phone,
        "email": clinic.email,
    }


def meta_description(clinic: Clinic, page) -> str:
    """The page's search description as its editor wrote it, else a sentence about the clinic."""
    written = (getattr(page, "search_description", "") or "").strip()
    if written:
        return written
    if clinic.city:
        return _(
            "%(clinic)s in %(city)s: our team, opening hours, services and prices, and how to reach us."
        ) % {
            "clinic": clinic.name,
            "city": clinic.city,
        }
    return _("%(clinic)s: our team, opening hours, services and prices, and how to reach us.") % {
        "clinic": clinic.name
    }


def default_home_body() -> list[tuple[str, dict]]:
    """The sections a new clinic's home page starts with, in the clinic's language (provisioning runs
    under it): the team, the blocks modules offer for opening hours and prices, and the address."""
    from .blocks import contributed_blocks

    offered = {name for _module, name, _block in contributed_blocks()}
    # Blocks modules offer (by block name; each renders nothing where its module is off).
    module_sections = [
        ("opening_hours", {"heading": _("Opening hours"), "show_closures": True}),
        ("price_list", {"heading": _("Services and prices"), "intro": ""}),
    ]
    return [
        ("team", {"heading": _("Our team"), "intro": ""}),
        *((name, value) for name, value in module_sections if name in offered),
        ("contact", {"heading": _("Find us"), "show_map_link": True}),
    ]
