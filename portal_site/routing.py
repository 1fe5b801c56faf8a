"""Which clinic a portal request is for: from ``/c/<clinic slug>/`` or from a verified clinic domain.

Both lookups happen before any scope exists (the visitor is anonymous or a patient): the slug or hostname
is what names the organization, so they look across organizations, then the view enters that
organization's scope itself.
"""

from __future__ import annotations

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django_scopes import scopes_disabled

from core.domains.models import ClinicDomain, normalize_hostname
from core.tenancy.models import Clinic


def clinic_by_slug(slug: str) -> Clinic | None:
    from core.tenancy.modules import with_module_switches

    # scopes_disabled: a public address (/c/<slug>/) names the clinic before any scope exists.
    with scopes_disabled():
        return with_module_switches(
            Clinic.objects.select_related("organization").filter(slug=str(slug)[:60], archived=False)
        ).first()


def clinic_by_hostname(hostname: str) -> Clinic | None:
    hostname = normalize_hostname(hostname)
    if not hostname:
        return None
    # scopes_disabled: a verified hostname routes to one clinic on the whole platform, whoever owns it.
    with scopes_disabled():
        domain = (
            ClinicDomain.objects.select_related("clinic__organization")
            .filter(hostname=hostname, verified_at__isnull=False, clinic__archived=False)
            .first()
        )
    return domain.clinic if domain else None


def verified_hostname_of(clinic: Clinic) -> str | None:
    return (
        ClinicDomain.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, verified_at__isnull=False
        )
        .order_by("hostname")
        .values_list("hostname", flat=True)
        .first()
    )


def is_main_host(host: str) -> bool:
    """The platform's own hosts (``EHR_MAIN_HOSTS``); every host counts when that is not configured."""
    main = [h.lower() for h in getattr(settings, "EHR_MAIN_HOSTS", [])]
    if not main:
        return True
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, main)


def clinic_base_url(clinic: Clinic, request=None) -> str:
    """Where a clinic's site starts: ``/`` on the clinic's own domain, else ``/c/<slug>/``."""
    if request is not None and getattr(request, "portal_host_clinic_id", None) == clinic.pk:
        return "/"
    return f"/c/{clinic.slug}/"


def clinic_portal_url(clinic: Clinic, path: str = "") -> str:
    """The absolute address of ``path`` on a clinic's site, for emails: on the clinic's verified domain
    (read from the database) when it has one, else under ``/c/<slug>/`` on the platform's address. Never
    from a request's Host, which the client chooses."""
    from core.links import platform_scheme, platform_url

    hostname = verified_hostname_of(clinic)
    if hostname:
        return f"{platform_scheme()}://{hostname}/{path.lstrip('/')}"
    return platform_url(f"/c/{clinic.slug}/{path.lstrip('/')}")


class PortalHostMiddleware:
    """Requests for a verified clinic domain are answered by that clinic's portal at ``/``; requests for
    any other host that is not the platform's get a neutral landing page, never a clinic's site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal_host_clinic_id = None
        try:
            host = request.get_host()
        except Exception:
            return self.get_response(request)
        domain, _port = split_domain_port(host)
        clinic = clinic_by_hostname(domain) if domain and not _is_platform_literal(domain) else None
        if clinic is not None:
            request.portal_host_clinic_id = clinic.pk
            request.portal_host_clinic = clinic
            request.urlconf = "portal_site.host_urls"
        elif not is_main_host(host):
            request.urlconf = "portal_site.landing_urls"
        return self.get_response(request)


def _is_platform_literal(domain: str) -> bool:
    return domain in {"localhost", "testserver"} or domain.replace(".", "").isdigit()


def all_clinic_ids() -> list[tuple[int, int]]:
    """(organization id, clinic id) of every clinic on the platform, for provisioning their sites."""
    # scopes_disabled: provisioning walks every organization's clinics (a management command).
    with scopes_disabled():
        return list(Clinic.objects.order_by("organization_id", "id").values_list("organization_id", "id"))
