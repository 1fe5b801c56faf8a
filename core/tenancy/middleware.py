"""Enter the request's organization scope around the view *and* the template render.

Django renders a TemplateResponse inside the innermost handler, so everything below this middleware —
views, lazy querysets evaluated in templates, the API — runs inside ``scope(organization=...)``.

A request with no organization (anonymous, a patient, a member of nothing) enters no scope at all, so
a tenant query made without going through a proper road (the portal's host lookup, a patient's access
helper) raises instead of returning rows. (django-scopes reads an organization of None as "no filter",
so that value is never passed.)
"""

from __future__ import annotations

from django_scopes import scope

from .context import active_member_context


class TenantScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = active_member_context(request) if request.user.is_authenticated else None
        request.member = ctx
        request.organization = ctx.organization if ctx else None
        request.membership = ctx.membership if ctx else None
        if request.organization is None:
            return self.get_response(request)
        with scope(organization=request.organization.pk):
            return self.get_response(request)
