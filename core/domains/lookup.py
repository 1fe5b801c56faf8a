"""Is this hostname one of the clinics' verified domains? Asked by the host check and by Caddy."""

from __future__ import annotations

import threading
import time

from django_scopes import scopes_disabled

from .models import HOSTNAME_RE, ClinicDomain, normalize_hostname


def is_verified_hostname(hostname: str) -> bool:
    hostname = normalize_hostname(hostname)
    if not HOSTNAME_RE.match(hostname):
        return False
    # A request's Host header is all there is (no member, no scope yet): it names the organization.
    # scopes_disabled: a hostname routes to one clinic on the whole platform, whoever owns it.
    with scopes_disabled():
        return ClinicDomain.objects.filter(
            hostname=hostname, verified_at__isnull=False, clinic__archived=False
        ).exists()


class HostnameCache:
    """A short-lived, per-process memo of ``is_verified_hostname`` (answers, negative ones included).

    A newly verified or removed domain takes effect within ``ttl`` seconds without any invalidation
    traffic between processes. The memo is bounded: it is emptied when it grows past ``max_entries``
    (random Host headers from scanners must not grow it without limit).
    """

    def __init__(self, ttl: float, max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def is_verified(self, hostname: str) -> bool:
        hostname = normalize_hostname(hostname)
        now = time.monotonic()
        entry = self._entries.get(hostname)
        if entry is not None and entry[1] > now:
            return entry[0]
        answer = is_verified_hostname(hostname)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[hostname] = (answer, now + self.ttl)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
