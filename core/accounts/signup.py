"""Office sign-up that does not tell who already has an account.

Whatever address is given, the person sees the same "check your email" page. A new address gets an
inactive owner's account with its organization, which can sign in only once the emailed link is followed
(proving the address is theirs). An address that already has an account gets nothing made: its owner is
emailed that someone tried, since only the address's owner may learn that it is taken.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from core.compliance.consents import record_service_consent, service_terms_version
from core.links import platform_url
from core.tenancy import services as tenancy
from core.tenancy.context import memberships_of
from core.tenancy.models import Role

from .language import recipient_language
from .models import User


class SignupConfirmationTokens(PasswordResetTokenGenerator):
    """Links that confirm a sign-up's email. The token covers ``is_active`` and ``last_login``, so it stops
    working once followed; it expires with ``PASSWORD_RESET_TIMEOUT``."""

    key_salt = "core.accounts.signup.SignupConfirmationTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


confirmation_tokens = SignupConfirmationTokens()


def sign_up(*, email: str, password: str, full_name: str, organization: dict) -> None:
    """Act on a sign-up for ``email``; the caller answers the same whatever happened here. The form
    required agreeing to the service's terms: the current version is recorded with the new account."""
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email, password, full_name=full_name, is_active=False)
                record_service_consent(user, service_terms_version())
                tenancy.create_organization(user, **organization)
        except IntegrityError:
            # The same address signed up in a parallel request a moment ago: it now has an account.
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                raise
        else:
            # Sent once the account is written (requests are not wrapped in a transaction).
            send_confirmation(user)
            return
    if _awaits_confirmation(existing):
        send_confirmation(existing)
    else:
        send_attempt_notice(existing)


def _awaits_confirmation(user: User) -> bool:
    """An owner's account made by sign-up whose link was never followed (sent again when asked again).
    An account switched off after use, or a patient's pending portal login, is not."""
    return (
        not user.is_active
        and user.last_login is None
        and any(member.role == Role.OWNER for member in memberships_of(user).values())
    )


def confirmation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = confirmation_tokens.make_token(user)
    return platform_url(reverse("accounts:signup_confirm", args=[uid, token]))


def send_confirmation(user: User) -> None:
    send_mail(
        _("Confirm your email to open your practice"),
        _(
            "Follow this link to confirm your email and open your practice:\n\n%(link)s\n\n"
            "If you did not sign up, ignore this email: nothing will be opened."
        )
        % {"link": confirmation_link(user)},
        None,
        [user.email],
    )


def send_attempt_notice(user: User) -> None:
    # The account's owner reads it, in their own language rather than the one the attempt was made in.
    with override(recipient_language(user.preferred_language, get_language())):
        _send_attempt_notice(user)


def _send_attempt_notice(user: User) -> None:
    send_mail(
        _("Someone tried to sign up with your email"),
        _(
            "Someone tried to create a practice with this email address, which already has an account. "
            "If it was you, sign in with your password, or reset it:\n\n%(login)s\n%(reset)s\n\n"
            "If it was not you, ignore this email: nothing has changed."
        )
        % {
            "login": platform_url(reverse("accounts:login")),
            "reset": platform_url(reverse("accounts:password_reset")),
        },
        None,
        [user.email],
    )


@transaction.atomic
def confirm(uidb64: str, token: str) -> User | None:
    """Open the account the link names, or None when the link is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    # Locked, so a link followed twice at once opens the account once.
    user = User.objects.select_for_update().filter(pk=pk).first()
    if user is None or not _awaits_confirmation(user) or not confirmation_tokens.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user
