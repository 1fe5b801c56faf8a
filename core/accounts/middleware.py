"""Session rules: idle timeout, "sign out my other sessions", and an organization's two-factor policy."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.context import memberships_of

from .second_factor import api_token_refusal
from .sessions import GENERATION_KEY, LAST_SEEN_KEY

# Refresh the last-seen stamp at most this often, so ordinary browsing does not write the session each time.
TOUCH_EVERY_SECONDS = 60


def idle_limit_minutes(user) -> int:
    """The strictest idle timeout among the user's organizations (or the platform default)."""
    limits = [ctx.organization.idle_minutes for ctx in memberships_of(user).values()]
    return min(limits) if limits else settings.EHR_SESSION_IDLE_MINUTES


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not getattr(request, "api_token", None):
            reason = self._ended_reason(request, user)
            if reason:
                logout(request)
                messages.info(request, reason)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"error": {"code": "not_authenticated", "message": reason, "fields": {}}}, status=401
                    )
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
        return self.get_response(request)

    def _ended_reason(self, request, user) -> str | None:
        session = request.session
        if session.get(GENERATION_KEY, 0) != user.session_generation:
            return _("You were signed out from another session. Please sign in again.")
        now = int(timezone.now().timestamp())
        last_seen = session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - last_seen > idle_limit_minutes(user) * 60:
            return _("You were signed out after a period of inactivity. Please sign in again.")
        if last_seen is None or now - last_seen >= TOUCH_EVERY_SECONDS:
            session[LAST_SEEN_KEY] = now
        return None


# Paths a member must still reach while their organization waits for them to set up two-factor sign-in.
TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/readyz")


class TwoFactorPolicyMiddleware:
    """When the acting organization requires two-factor sign-in, an unverified session may only reach
    the account pages (to set it up), and the API tokens of a member without an authenticator app are
    refused (a token skips the second factor, so it may only stand in for someone who has one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        organization = getattr(request, "organization", None)
        token = getattr(request, "api_token", None)
        if token is not None:
            refusal = api_token_refusal(token)
            if refusal:
                return JsonResponse(
                    {"error": {"code": "two_factor_required", "message": refusal, "fields": {}}}, status=403
                )
        if (
            organization is not None
            and organization.require_two_factor
            and not getattr(request, "api_token", None)
            and not request.user.is_verified()
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
        ):
            message = _(
                "%(organization)s requires two-factor sign-in. Set up your authenticator app to go on."
            ) % {"organization": organization.name}
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "two_factor_required", "message": message, "fields": {}}}, status=403
                )
            messages.warning(request, message)
            return redirect(f"{reverse('accounts:two_factor_setup')}?next={request.path}")
        return self.get_response(request)
