"""Guards for back-office views."""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _


def member_required(view):
    """Signed in and an active member of an organization; the request then carries ``member``."""

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
        return view(request, *args, **kwargs)

    return wrapped
