"""Attach who/where/what context to every change a request makes.

django-pghistory's triggers record each insert, update and delete; this middleware groups them under one
context row carrying the user, organization, client address and request path. Only methods that change
data open a context, so reads pay nothing.
"""

from __future__ import annotations

import pghistory

from .request_info import client_ip

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in WRITE_METHODS:
            return self.get_response(request)
        user = getattr(request, "user", None)
        organization = getattr(request, "organization", None)
        with pghistory.context(
            user=user.pk if user is not None and user.is_authenticated else None,
            user_email=user.email if user is not None and user.is_authenticated else None,
            organization=organization.pk if organization is not None else None,
            ip=client_ip(request),
            path=request.path,
            method=request.method,
        ):
            return self.get_response(request)
