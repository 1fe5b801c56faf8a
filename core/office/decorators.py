"""Guards for back-office views."""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from core.tenancy.clinic_time import read_in_clinic_time
from core.tenancy.models import Membership

from .navigation import current_clinic


def member_required(view):
    """Signed in and an active member of an organization; the request then carries ``member`` and reads
    in the time zone of the clinic being worked in."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "member", None) is None:
            return render(request, "errors/page.html", _no_membership(request.user), status=403)
        clinic = current_clinic(request)
        if clinic is not None:
            read_in_clinic_time(clinic)
        return view(request, *args, **kwargs)

    return wrapped


def _no_membership(user) -> dict:
    """What to tell a signed-in person who works nowhere: a member an owner switched off is told to ask
    that owner, not invited to start a practice of their own."""
    # scopes_disabled: the person's own memberships, across organizations, to word the message.
    with scopes_disabled():
        deactivated = Membership.objects.filter(user=user, is_active=False).exists()
    if deactivated:
        return {
            "title": _("Your access is switched off"),
            "message": _(
                "An owner of your practice has switched off your access. Ask them to switch it on again "
                "if you still work there."
            ),
        }
    return {
        "title": _("No organization"),
        "message": _(
            "Your account is not a member of any organization. Ask an owner to invite you, "
            "or create your own practice."
        ),
    }
