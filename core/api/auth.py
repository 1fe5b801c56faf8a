"""API authentication: a browser session (with CSRF) or a personal API token, and the per-clinic gate
that plugin routers sit behind."""

from __future__ import annotations

from django.http import Http404
from ninja.security import SessionAuth
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from core.tenancy.access import open_clinic_for_member
from core.tenancy.modules import is_module_enabled

from .errors import CsrfRefused


class TokenAuth(HttpBearer):
    """The token itself was checked by ApiTokenMiddleware (so the tenant scope could be entered)."""

    def authenticate(self, request, token):
        return request.user if getattr(request, "api_token", None) else None


class MemberSessionAuth(SessionAuth):
    def _get_key(self, request):
        # CSRF protects what a session cookie can do, so it is checked only for a signed-in session (an
        # anonymous call is answered 401, a token call carries no cookie). Safe methods pass the check.
        if (
            self.csrf
            and not getattr(request, "api_token", None)
            and request.user.is_authenticated
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request)
        ):
            raise CsrfRefused
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if getattr(request, "api_token", None):
            return None
        return request.user if request.user.is_authenticated else None


def default_auth():
    return [TokenAuth(), MemberSessionAuth(csrf=True)]


class ClinicModuleAuth:
    """Authenticate, then resolve ``{clinic_id}`` to a clinic the member may see with module ``slug`` on.

    Anything else is a 404: a clinic of another organization, a clinic not theirs, a module switched off.
    """

    def __init__(self, slug: str):
        self.slug = slug
        self.inner = default_auth()

    def __call__(self, request):
        user = None
        for callback in self.inner:
            user = callback(request)
            if user:
                break
        if not user:
            return None
        if getattr(request, "member", None) is None:
            raise Http404
        clinic = open_clinic_for_member(request, (request.resolver_match.kwargs or {}).get("clinic_id"))
        if clinic is None or not is_module_enabled(clinic, self.slug):
            raise Http404
        request.clinic = clinic
        return user
