"""Two-factor facts the rest of the code asks about: does a user have an authenticator app, and did this
session give a code recently enough for a sensitive step (creating an API token)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

# A code given this long ago still counts as "just now" for creating an API token. Long enough to set a
# token up after signing in, short enough that an unattended session cannot mint one.
RECENT_SECOND_FACTOR = timedelta(minutes=15)

VERIFIED_AT_KEY = "ehr_2fa_verified_at"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def record_second_factor(request, device: TOTPDevice) -> None:
    """Mark the session as verified by ``device``, and note when, for ``has_recent_second_factor``."""
    otp_login(request, device)
    request.session[VERIFIED_AT_KEY] = int(timezone.now().timestamp())


def has_recent_second_factor(request) -> bool:
    verified_at = request.session.get(VERIFIED_AT_KEY) if hasattr(request, "session") else None
    if not verified_at or not request.user.is_verified():
        return False
    age = timezone.now().timestamp() - verified_at
    return 0 <= age <= RECENT_SECOND_FACTOR.total_seconds()


def token_creation_refusal(request, organization) -> str | None:
    """Why this request may not create an API token for ``organization``, or None when it may.

    Under the organization's two-factor policy a token is created only by a session that gave a code
    within ``RECENT_SECOND_FACTOR``: a token outlives the session and skips the second factor later.
    """
    if not organization.require_two_factor or has_recent_second_factor(request):
        return None
    return _(
        "%(organization)s requires two-factor sign-in. Enter a code from your authenticator app "
        "(within the last %(minutes)s minutes) before creating an API token."
    ) % {"organization": organization.name, "minutes": int(RECENT_SECOND_FACTOR.total_seconds() // 60)}


def api_token_refusal(token) -> str | None:
    """Why an API token may not be used now, or None: under its organization's two-factor policy, the
    tokens of a member without an authenticator app stop working until they set one up."""
    organization = token.organization
    if not organization.require_two_factor or confirmed_device(token.user):
        return None
    return _(
        "%(organization)s requires two-factor sign-in. Set up your authenticator app to use your API tokens."
    ) % {"organization": organization.name}
