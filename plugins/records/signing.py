"""Proving it is the author at the moment of signing: their password, or a code from their authenticator
app when they have one (a signature must not be given by whoever finds an unlocked screen)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.accounts.second_factor import confirmed_device


def uses_code(user) -> bool:
    return confirmed_device(user) is not None


def check_signer(user, secret: str) -> None:
    """Refuse with a form error unless ``secret`` is the user's current code (with an authenticator app)
    or their password (without one)."""
    secret = (secret or "").strip()
    device = confirmed_device(user)
    if device is not None:
        if not secret.isdigit() or not device.verify_token(secret):
            raise ValidationError(
                {"secret": _("That code is not right. Enter the current code from your app.")}
            )
        return
    if not user.check_password(secret):
        raise ValidationError({"secret": _("That password is not right.")})
