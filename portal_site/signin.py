"""Signing a patient in on the portal: the same two steps as the back office.

A login whose user has confirmed an authenticator app is never signed in by its password (or by following
an email link) alone: the portal asks for the current code first, with the back office's pending-user
session key, device check and ``complete_login``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponseRedirect

from core.accounts.second_factor import confirmed_device, record_second_factor
from core.accounts.sessions import complete_login
from core.accounts.views import PENDING_2FA_KEY


def sign_in(request, user, *, next_url: str, verify_url: str) -> HttpResponseRedirect:
    """Sign ``user`` in and go to ``next_url``, or hold the sign-in until the code is given at
    ``verify_url`` when the user has two-factor sign-in switched on."""
    if confirmed_device(user):
        request.session[PENDING_2FA_KEY] = user.pk
        return HttpResponseRedirect(f"{verify_url}?next={quote(next_url, safe='/')}")
    complete_login(request, user)
    return HttpResponseRedirect(next_url)


def pending_user(request):
    from core.accounts.models import User

    pk = request.session.get(PENDING_2FA_KEY)
    return User.objects.filter(pk=pk, is_active=True).first() if pk else None


def finish_with_code(request, user, token: str) -> bool:
    """Complete the held sign-in when ``token`` is the current code of the user's device."""
    device = confirmed_device(user)
    if device is None or not device.verify_is_allowed()[0] or not device.verify_token(token):
        return False
    request.session.pop(PENDING_2FA_KEY, None)
    complete_login(request, user)
    record_second_factor(request, device)
    return True
