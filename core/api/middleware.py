"""Recognise personal API tokens before the tenant scope is chosen: a token works for one organization."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

from core.accounts.tokens import token_from_header


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and header:
            record = token_from_header(header)
            if record is None:
                return JsonResponse(
                    {
                        "error": {
                            "code": "not_authenticated",
                            "message": _("This API token is not valid."),
                            "fields": {},
                        }
                    },
                    status=401,
                )
            request.api_token = record
            request.user = record.user
            # Token calls carry no cookie, so CSRF does not apply to them.
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)
