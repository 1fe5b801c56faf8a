"""How often and how far apart a failing message is tried again."""

from __future__ import annotations

from datetime import timedelta

from .. import sms


def max_attempts() -> int:
    """``NOTIFICATIONS_MAX_ATTEMPTS`` (a setting or the environment variable), 5 unless set."""
    return max(1, int(sms.setting("NOTIFICATIONS_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4, 8 ... minutes, at most 6 hours. The base is
    ``NOTIFICATIONS_RETRY_BASE_SECONDS`` (a setting or the environment variable)."""
    base = float(sms.setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))
