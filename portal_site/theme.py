"""The portal's look for one clinic: brand colour with accessible contrast, logo, navigation, and the
context modules add through ``clinic_portal_context``."""

from __future__ import annotations

import re

NEUTRAL_DARK = "#1f2937"
MIN_CONTRAST = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (relative_luminance(hex_colour) + 0.05)


def accessible_brand(hex_colour: str | None) -> str:
    """The brand colour when white text on it reaches 4.5:1, else a dark neutral."""
    if not hex_colour or not re.fullmatch(r"#[0-9a-fA-F]{6}", hex_colour):
        return NEUTRAL_DARK
    return hex_colour if contrast_with_white(hex_colour) >= MIN_CONTRAST else NEUTRAL_DARK


def portal_context(request, clinic, page=None) -> dict:
    from core.tenancy.modules import clinic_hook

    from .blocks import hidden_block_names
    from .home import clinic_contact, meta_description
    from .models import PortalSettings
    from .routing import clinic_base_url
    from .selectors import home_page_for, legal_pages, nav_pages
    from .translations import page_languages

    if clinic is None:
        return {}
    home = home_page_for(clinic)
    look = (
        PortalSettings.objects.filter(organization_id=clinic.organization_id, site__root_page=home).first()
        if home
        else None
    )
    extra: dict = {}
    if request is not None:
        for result in clinic_hook(clinic, "clinic_portal_context")(request=request, clinic=clinic):
            extra.update(result or {})
    base = clinic_base_url(clinic, request)
    return {
        **extra,
        "clinic": clinic,
        "portal_home": home,
        "portal_base": base,
        "portal_nav": nav_pages(home, request) if home else [],
        "portal_legal": legal_pages(home, request) if home else [],
        "portal_look": look,
        "brand_colour": accessible_brand(look.brand_colour if look else None),
        "portal_calls_to_action": calls_to_action(request, clinic, base),
        "current_page": page,
        "portal_hidden_blocks": hidden_block_names(clinic),
        "portal_account_links": account_links(request, clinic),
        # The languages this page is published in, each at this address with ?lang= (hreflang links).
        "portal_languages": page_languages(page, clinic) if page is not None else [],
        "portal_address": request.build_absolute_uri(request.path) if request is not None else "",
        "portal_description": meta_description(clinic, page),
        "portal_canonical": canonical_address(request, page, clinic),
        # The address on one line as the clinic's country writes it ("10001 New York" is not how the US does).
        "portal_clinic_address": ", ".join(clinic_contact(clinic)["address_lines"]),
    }


def canonical_address(request, page, clinic) -> str:
    """This page's own address: the same as the ``hreflang`` link of the language it is read in (the
    address without ``?lang=`` for the clinic's language, which ``x-default`` names too)."""
    from .translations import page_languages

    if request is None:
        return ""
    address = request.build_absolute_uri(request.path)
    asked = request.GET.get("lang", "")
    if page is not None and asked and asked != clinic.locale and asked in page_languages(page, clinic):
        return f"{address}?lang={asked}"
    return address


def calls_to_action(request, clinic, base: str) -> list[dict]:
    """The buttons modules on at ``clinic`` put on its portal home page, each with its full address."""
    from core.tenancy.modules import clinic_hook

    items = [
        item
        for result in clinic_hook(clinic, "clinic_portal_calls_to_action")(request=request, clinic=clinic)
        for item in result or ()
    ]
    return [
        {"label": item.label, "url": base + item.url}
        for item in sorted(items, key=lambda item: (item.order, str(item.label)))
    ]


def account_links(request, clinic) -> list:
    """The signed-in patient's account menu entries that modules on at ``clinic`` add, each with its full
    address under the portal's base."""
    from core.tenancy.modules import clinic_hook

    from .routing import clinic_base_url

    if not getattr(getattr(request, "user", None), "is_authenticated", False):
        return []
    base = clinic_base_url(clinic, request)
    items = [
        item
        for result in clinic_hook(clinic, "clinic_portal_account_links")(request=request, clinic=clinic)
        for item in result or []
    ]
    items.sort(key=lambda item: (item.order, str(item.label)))
    return [{"label": item.label, "url": f"{base}{item.url}"} for item in items]
