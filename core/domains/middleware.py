"""Production host check: the platform's own hosts plus every verified clinic domain.

Django's ALLOWED_HOSTS is a fixed list read at start-up, while clinics add their own domains at any time.
settings.prod therefore sets ``ALLOWED_HOSTS = ["*"]`` and puts this middleware first: a request whose
Host is neither one of ``EHR_MAIN_HOSTS`` (Django's ALLOWED_HOSTS patterns: ``example.com``,
``.example.com``) nor a verified clinic domain is answered 400 before any other code sees it.

Paths in ``EHR_HOST_CHECK_EXEMPT_PATHS`` (health probes, Caddy's certificate question) are answered
whatever the Host: probes and Caddy reach the app by its internal name, and those views reveal nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponseBadRequest
from django.http.request import split_domain_port, validate_host

from .lookup import HostnameCache

log = logging.getLogger("django.security.DisallowedHost")


class AllowedHostsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.main_hosts = [h.lower() for h in getattr(settings, "EHR_MAIN_HOSTS", [])]
        self.exempt_paths = frozenset(getattr(settings, "EHR_HOST_CHECK_EXEMPT_PATHS", ()))
        self.clinic_domains = HostnameCache(ttl=getattr(settings, "EHR_DOMAIN_CACHE_SECONDS", 30))

    def __call__(self, request):
        if request.path_info in self.exempt_paths:
            return self.get_response(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.reject(request.META.get("HTTP_HOST", ""))
        domain, _port = split_domain_port(host)
        if not domain:
            return self.reject(host)
        if validate_host(domain, self.main_hosts) or self.clinic_domains.is_verified(domain):
            return self.get_response(request)
        return self.reject(host)

    def reject(self, host: str):
        log.warning("refused request for unknown host %r", host[:100])
        return HttpResponseBadRequest("Unknown host.", content_type="text/plain; charset=utf-8")
