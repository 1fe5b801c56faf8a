"""Recovery codes: ten single-use codes given when two-factor sign-in is switched on, for the day the
phone with the authenticator app is lost. Each use is kept as a SecurityEvent."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from .models import SecurityEvent

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "Recovery codes"


def normalize(code: str) -> str:
    """Codes are shown in lower case in two groups of four; people type spaces, dashes or capitals."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def issue_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with ten new ones and return them (shown once, never again)."""
    device, _ = StaticDevice.objects.select_for_update().get_or_create(
        user=user, name=DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    SecurityEvent.objects.create(user=user, kind=SecurityEvent.Kind.RECOVERY_CODES_CREATED)
    return [display(code) for code in codes]


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=DEVICE_NAME).count()


@transaction.atomic
def use_recovery_code(user, code: str) -> StaticDevice | None:
    """Spend one recovery code; the device it belonged to, or None when the code is not (or no longer) valid.

    The DELETE is the check: of two requests with the same code only one deletes the row, so a code
    works once even when sent twice at the same moment.
    """
    token = normalize(code)
    device = StaticDevice.objects.filter(user=user, name=DEVICE_NAME).first()
    if device is None or not token or not device.verify_is_allowed()[0]:
        return None
    deleted, _ = StaticToken.objects.filter(device=device, token=token).delete()
    if not deleted:
        # Wrong guesses make the next try wait longer, as with the authenticator app's codes.
        device.throttle_increment()
        return None
    device.throttle_reset()
    SecurityEvent.objects.create(user=user, kind=SecurityEvent.Kind.RECOVERY_CODE_USED)
    return device


def remove_recovery_codes(user) -> None:
    StaticDevice.objects.filter(user=user, name=DEVICE_NAME).delete()
