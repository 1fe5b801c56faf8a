"""Answer the probes before the rest of the middleware stack.

``/healthz``, ``/readyz`` and ``/internal/tls-ask`` are asked by machines (container health checks, load
balancers, Caddy) using internal host names such as ``app:8000``. settings.prod places this middleware right
after the host check and the request id, so these answers depend on neither the Host header's routing
(clinic domains get their portal's URLs) nor on sessions, locale or authentication, and cost no more than
the check itself.
"""

from __future__ import annotations

from django.urls import Resolver404, resolve

PROBE_URLCONF = "core.health.urls"


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            match = resolve(request.path_info, urlconf=PROBE_URLCONF)
        except Resolver404:
            match = None
        if match is None:
            return self.get_response(request)
        return match.func(request, *match.args, **match.kwargs)
