"""A fixed-window counter in the shared cache, for portal actions that send email to a typed-in address.

Counted per attempt, before anything is looked up, so being limited says nothing about whether an
address has an account.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def allow(action: str, subject: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt of ``action`` by ``subject``; False once more than ``limit`` fall in the window."""
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    key = f"portal:throttle:{action}:{digest}"
    if cache.add(key, 1, window_seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window_seconds)
        return True
    return count <= limit
