"""The roads a portal request takes to its clinic and to a patient's own records.

A portal request has no member scope: once the clinic is known (from the path or the host), the view runs
inside ``scope(organization=clinic.organization_id)``. A patient's records are reached only through their
own ``PatientAccount`` links (core.patients.accounts).
"""

from __future__ import annotations

import functools

from django.http import Http404
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver
from django_scopes import scope

from core.accounts.language import speak_place_default
from core.tenancy.clinic_time import read_in_clinic_time

from .routing import clinic_by_slug


def portal_view(view):
    """Resolve the clinic (host first, then ``clinic_slug``), set ``request.portal_clinic`` and run the
    view and its rendering inside the clinic's organization scope and time zone."""

    @functools.wraps(view)
    def wrapped(request, *args, clinic_slug: str | None = None, **kwargs):
        clinic = (
            getattr(request, "portal_host_clinic", None)
            if clinic_slug is None
            else clinic_by_slug(clinic_slug)
        )
        if clinic is None:
            raise Http404
        request.portal_clinic = clinic
        read_in_clinic_time(clinic)
        speak_place_default(request, clinic.locale)
        with scope(organization=clinic.organization_id):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    return wrapped


def portal_module_view(slug: str):
    """Wrap a patient-account view of module ``slug`` (contributed through ``ehr_portal_urls``): resolve
    the clinic, answer 404 when the module is off there, and send visitors who are not signed in to the
    portal's sign-in page."""
    from core.tenancy.modules import is_module_enabled

    from .routing import clinic_base_url

    def decorator(view):
        @functools.wraps(view)
        def gated(request, *args, **kwargs):
            clinic = request.portal_clinic
            if not is_module_enabled(clinic, slug):
                raise Http404
            if not request.user.is_authenticated:
                return redirect(
                    f"{clinic_base_url(clinic, request)}account/login/?next={request.get_full_path()}"
                )
            return _notice_first(request) or view(request, *args, **kwargs)

        wrapped = portal_view(gated)
        wrapped.ehr_portal_module = slug
        return wrapped

    return decorator


def _notice_first(request):
    """The practice's current privacy notice before a module's page (portal_site/notice.py)."""
    from .notice import notice_redirect

    return notice_redirect(request)


def _gate(patterns, slug: str, wrap, marker: str):
    """Wrap every view in ``patterns`` (recursively) with ``wrap(slug)`` once: a view already carrying
    ``marker`` for this module is left as it is, so a pattern list mounted twice is not wrapped twice."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _gate(pattern.url_patterns, slug, wrap, marker)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, marker, None) != slug:
            pattern.callback = wrap(slug)(pattern.callback)
    return patterns


def gate_portal_patterns(patterns, slug: str):
    """A module's patient-account pages (``ehr_portal_urls``), each behind ``portal_module_view(slug)``."""
    return _gate(patterns, slug, portal_module_view, "ehr_portal_module")


def portal_public_module_view(slug: str):
    """Wrap a public portal view of module ``slug`` (contributed through ``ehr_portal_public_urls``):
    resolve the clinic and answer 404 when the module is off there. Visitors may be anonymous."""
    from core.tenancy.modules import is_module_enabled

    def decorator(view):
        @functools.wraps(view)
        def gated(request, *args, **kwargs):
            if not is_module_enabled(request.portal_clinic, slug):
                raise Http404
            # A signed-in patient books only under the notice in force; visitors agree at sign-up.
            return _notice_first(request) or view(request, *args, **kwargs)

        wrapped = portal_view(gated)
        wrapped.ehr_portal_public_module = slug
        return wrapped

    return decorator


def gate_portal_public_patterns(patterns, slug: str):
    """A module's public portal pages (``ehr_portal_public_urls``), each behind
    ``portal_public_module_view(slug)``."""
    return _gate(patterns, slug, portal_public_module_view, "ehr_portal_public_module")
