"""Anonymous portal page views are served from the Django cache, keyed by site, path and language.

Each site's keys carry a version number; publishing or unpublishing any page of the site, switching a
module for the clinic, editing the clinic's details or (through modules) what a page shows from them bumps
it, so the next view renders afresh. Availability is never cached (the booking page is not cached at all).
"""

from __future__ import annotations

from django.core.cache import cache

TTL = 60 * 60


def _version_key(site_key: str) -> str:
    return f"portal:v:{site_key}"


def site_version(site_key: str) -> int:
    version = cache.get(_version_key(site_key))
    if version is None:
        version = 1
        cache.add(_version_key(site_key), version, None)
    return version


def page_key(site_key: str, path: str, language: str) -> str:
    return f"portal:page:{site_key}:{site_version(site_key)}:{language}:{path}"


def invalidate_site(site_key: str) -> None:
    try:
        cache.incr(_version_key(site_key))
    except ValueError:
        cache.set(_version_key(site_key), 2, None)


def invalidate_clinic(clinic_id: int) -> None:
    """Forget every cached page of the clinic's site (modules call this when what they show changed)."""
    invalidate_site(f"clinic-{clinic_id}")


def invalidate_page(page) -> None:
    specific = page.specific_deferred if hasattr(page, "specific_deferred") else page
    home = getattr(specific, "portal_home", None)
    if home is not None:
        invalidate_clinic(home.clinic_id)
