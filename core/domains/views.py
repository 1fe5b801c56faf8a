"""Caddy's on-demand TLS asks here before it requests a certificate for a hostname it has never seen."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .lookup import is_verified_hostname


@never_cache
@require_GET
def tls_ask(request):
    """200 for a verified clinic domain, 404 for anything else (Caddy then refuses the handshake)."""
    if is_verified_hostname(request.GET.get("domain", "")):
        return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    return HttpResponseNotFound("unknown domain\n", content_type="text/plain; charset=utf-8")
