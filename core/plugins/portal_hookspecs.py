"""The hooks of the clinics' public portal sites: blocks, pages and account sections a module adds to a
clinic's portal. Part of the hook reference (``core.plugins.hookspecs`` imports them), split out to keep
each file readable; docs/plugins.md is generated from both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from django.urls import URLPattern, URLResolver

    from core.patients.models import Patient
    from core.plugins.types import DashboardWidget, NavItem
    from core.tenancy.models import Clinic, Membership, Organization

hookspec = pluggy.HookspecMarker("ehr")

__all__ = [
    "clinic_portal_account_links",
    "clinic_portal_booking",
    "clinic_portal_calls_to_action",
    "clinic_portal_context",
    "clinic_portal_practitioner_links",
    "ehr_portal_account_sections",
    "ehr_portal_blocks",
    "ehr_portal_public_urls",
    "ehr_portal_urls",
]


@hookspec
def ehr_portal_blocks() -> list[tuple[str, Any]]:
    """Return ``[(name, wagtail Block instance), ...]`` to offer in every portal page's body.

    Global (not per clinic) because StreamField block lists end up in migrations: adding or changing a
    block needs a new ``portal_site`` migration. Asked once per set of installed modules. A block whose
    module is off for the page's clinic renders nothing. A block finds the page's clinic as ``clinic`` and
    the site's base address as ``portal_base`` in ``get_context``'s parent context; one that shows data
    which changes clears the clinic's cached pages after commit (``portal_site.api.invalidate_clinic``).
    """


@hookspec
def clinic_portal_calls_to_action(request: HttpRequest, clinic: Clinic) -> list[NavItem]:
    """Return the buttons this module puts on ``clinic``'s portal home page ("Book an appointment").

    Called only when the module is on for that clinic. A ``NavItem.url`` is relative to the portal's base
    address (``"booking/"``), like ``clinic_portal_account_links``; buttons are sorted by ``order`` then
    label.
    """


@hookspec
def clinic_portal_practitioner_links(
    request: HttpRequest, clinic: Clinic, practitioners: list[Membership]
) -> dict[int, list[NavItem]]:
    """Return, per practitioner id, the links this module puts on that practitioner's card on ``clinic``'s
    portal ("Book with Dr. Adams").

    Called only when the module is on for that clinic, with the practitioners the team section shows. A
    ``NavItem.url`` is relative to the portal's base address (``"booking/?practitioner=7"``); each card's
    links are sorted by ``order`` then label.
    """


@hookspec
def clinic_portal_context(request: HttpRequest, clinic: Clinic) -> dict[str, Any]:
    """Return extra template context for ``clinic``'s portal pages (called only when the module is on).

    ``portal_shows_working_hours: True`` tells the contact page that a block of this module shows the
    clinic's opening hours, so the page's own free-text opening hours stay hidden.
    """


@hookspec
def ehr_portal_urls() -> list[URLPattern | URLResolver]:
    """Return URL patterns for the patient's account in the portal, mounted under
    ``/c/<clinic_slug>/account/<module slug>/`` (and ``/account/<module slug>/`` on a clinic's own domain).

    Every view is wrapped once by ``portal_site.access.portal_module_view``: it resolves the clinic from
    the address, answers 404 when the module is off there, sends visitors who are not signed in to the
    portal's sign-in page, sets ``request.portal_clinic`` and runs inside the clinic's organization scope.
    A view reaches the patient's own records only through ``core.patients.accounts``.
    """


@hookspec
def clinic_portal_account_links(request: HttpRequest, clinic: Clinic) -> list[NavItem]:
    """Return entries for a signed-in patient's account menu on ``clinic``'s portal (e.g. "My invoices").

    Called only when the module is on for that clinic. A ``NavItem.url`` is relative to the portal's base
    address (``"account/billing/"``), because the same menu is served under ``/c/<slug>/`` and on the
    clinic's own domain; entries are sorted by ``order`` then label.
    """


@hookspec
def ehr_portal_public_urls() -> list[URLPattern | URLResolver]:
    """Return URL patterns of this module's pages on a clinic's portal that visitors reach without signing
    in, mounted under ``/c/<clinic_slug>/<module slug>/`` (and ``/<module slug>/`` on a clinic's own
    domain): the steps of a booking before the visitor signs in, for example.

    Every view is wrapped once by ``portal_site.access.portal_public_module_view``: it resolves the clinic
    from the address, answers 404 when the module is off there, sets ``request.portal_clinic`` and runs
    inside the clinic's organization scope. Visitors may be anonymous; a view that needs the patient's
    record asks ``core.patients.accounts.patient_in`` and sends others to the portal's sign-in page. These
    pages are never cached (they show live data for each visitor), and they take only what their query
    and form say: an id from the address is looked up within ``request.portal_clinic``.
    """


@hookspec(firstresult=True)
def clinic_portal_booking(request: HttpRequest, clinic: Clinic, page: Any) -> HttpResponse | None:
    """Serve ``clinic``'s booking page (``page``, a ``portal_site.models.BookingPage``) for ``request``:
    return the response, or None to leave it to another module.

    Called only on modules that are on for the clinic; the first response wins, and with none the portal
    shows that online booking is not available there. Render with ``page.get_context(request)`` (the
    portal's look and menus included) and a template extending ``portal/base.html``. The page is never
    cached, so it may show live availability.
    """


@hookspec
def ehr_portal_account_sections(
    request: HttpRequest, organization: Organization, patient: Patient, clinics: list[Clinic]
) -> list[DashboardWidget]:
    """Return sections of a signed-in patient's account page ("My appointments") for their record
    ``patient`` at ``organization``.

    One login may be a patient of several organizations: the portal finds the login's records through
    ``core.patients.accounts`` (the one reviewed lookup across organizations) and asks once per record,
    inside that organization's scope. ``clinics`` are the organization's clinics where this module is on;
    a module that is on at none of them is not asked. Each section is a
    ``core.plugins.types.DashboardWidget`` (title, template, context, order); the portal renders it with
    ``clinic`` and ``portal_base`` of the portal being visited added to its context. Links to a page of
    another clinic use that clinic's address (``/c/<slug>/``). Keep each section to a few indexed
    queries.
    """
