"""URL gating: a module's back-office pages answer only at clinics where the module is on.

The switches themselves live in ``core.tenancy.modules``; hook calls, nav, API and tasks read them there.
"""

from __future__ import annotations

import functools

from django.shortcuts import render
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _

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
            request.clinic = clinic
            read_in_clinic_time(clinic)
            if not is_module_enabled(clinic, slug):
                return module_switched_off(request, clinic, slug)
            return view(request, *args, clinic_slug=clinic_slug, **kwargs)

        wrapped.ehr_module = slug
        return wrapped

    return decorator


def module_switched_off(request, clinic, slug: str):
    """The page an old link or bookmark reaches after the module was switched off at the member's own clinic.

    Only a clinic the member may see gets here (others were a 404 already), so naming the module tells
    nothing new; it answers 404 all the same, so nothing treats the page as the module's.
    """
    from core.plugins.manager import registry

    module = registry().modules.get(slug)
    label = module.label if module else slug
    return render(
        request,
        "office/module_off.html",
        {
            "title": _("%(module)s is switched off for %(clinic)s")
            % {"module": label, "clinic": clinic.name},
            "clinic": clinic,
            "can_switch_on": request.user.has_perm("tenancy.manage_modules", clinic),
        },
        status=404,
    )


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
