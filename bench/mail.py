"""Benchmark-only: emails kept in the cache all the run's processes share, so that the load generator can
follow a link the product sent (the portal's "confirm your email"), as a person reading their mail would.
``settings.bench`` sends mail here; ``bench.urls`` serves the last message to an address."""

from __future__ import annotations

from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpResponse

KEEP_SECONDS = 600


def key(address: str) -> str:
    return f"bench-mail:{address.strip().lower()}"


class CacheEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            for address in message.to:
                cache.set(key(address), message.body, KEEP_SECONDS)
        return len(email_messages)


def last_message(request, address: str):
    body = cache.get(key(address))
    if body is None:
        raise Http404
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
