"""Guards for back-office views."""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.tenancy.clinic_time import read_in_clinic_time

from .navigation import current_clinic


def member_required(view):
    """Signed in and an active member of an organization; the request then carries ``member`` and reads
    in the time zone of the clinic being worked in."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "member", None) is None:
            return render(
                request,
                "errors/page.html",
                {
                    "title": _("No organization"),
                    "message": _(
                        "Your account is not a member of any organization. Ask an owner to invite you, "
                        "or create your own practice."
                    ),
                },
                status=403,
            )
        clinic = current_clinic(request)
        if clinic is not None:
            read_in_clinic_time(clinic)
        return view(request, *args, **kwargs)

    return wrapped
