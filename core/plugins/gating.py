"""URL gating: a module's back-office pages answer only at clinics where the module is on.

The switches themselves live in ``core.tenancy.modules``; hook calls, nav, API and tasks read them there.
"""

from __future__ import annotations

import functools

from django.http import Http404
from django.urls import URLPattern, URLResolver

from core.tenancy.modules import is_module_enabled


def require_module(slug: str):
    """Wrap a back-office view of module ``slug``: send anonymous visitors to sign in, resolve
    ``clinic_slug`` to a clinic the member may see, and answer 404 when the clinic is not theirs or the
    module is off there. The page then reads in that clinic's time zone."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, clinic_slug: str, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            from core.tenancy.access import get_clinic_for_member
            from core.tenancy.clinic_time import read_in_clinic_time

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())

            clinic = get_clinic_for_member(request, clinic_slug)
            if not is_module_enabled(clinic, slug):
                raise Http404
            request.clinic = clinic
            read_in_clinic_time(clinic)
            return view(request, *args, clinic_slug=clinic_slug, **kwargs)

        wrapped.ehr_module = slug
        return wrapped

    return decorator


def gate_patterns(patterns, slug: str):
    """Wrap every view in ``patterns`` (recursively) with ``require_module(slug)``, once, at registration."""
    gated = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            gate_patterns(pattern.url_patterns, slug)
            gated.append(pattern)
        elif isinstance(pattern, URLPattern):
            if getattr(pattern.callback, "ehr_module", None) != slug:
                pattern.callback = require_module(slug)(pattern.callback)
            gated.append(pattern)
    return gated
