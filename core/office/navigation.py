"""The back office's current clinic and navigation, built from core entries and the modules' nav hook."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.plugins.types import NavItem
from core.tenancy.access import visible_clinics
from core.tenancy.modules import clinic_hook, with_module_switches

CLINIC_SESSION_KEY = "ehr_clinic"


def current_clinic(request):
    """The clinic the member is working in: on a clinic's module page, that clinic (so the switcher and the
    clinic's menu match the page); elsewhere the one picked in the switcher, else their first."""
    if getattr(request, "member", None) is None:
        return None
    if hasattr(request, "_ehr_current_clinic"):
        return request._ehr_current_clinic
    clinics = list(with_module_switches(visible_clinics(request)))
    page_clinic = getattr(request, "clinic", None)
    chosen = page_clinic.pk if page_clinic is not None else request.session.get(CLINIC_SESSION_KEY)
    clinic = next((c for c in clinics if c.pk == chosen), clinics[0] if clinics else None)
    request._ehr_current_clinic = clinic
    request._ehr_visible_clinics = clinics
    return clinic


def clinics_of_member(request) -> list:
    """The clinics the member may see, as the clinic switcher lists them (read once per request)."""
    current_clinic(request)
    return getattr(request, "_ehr_visible_clinics", [])


def core_nav_items(request) -> list[NavItem]:
    items = [NavItem(_("Dashboard"), reverse("office:dashboard"), icon="home", order=0)]
    organization = request.organization
    items.append(NavItem(_("Patients"), reverse("office:patient_list"), icon="users", order=10))
    if request.user.has_perm("tenancy.view_team", organization):
        items.append(NavItem(_("Team"), reverse("office:team"), icon="id", order=80))
    return items


def settings_nav_items(request) -> list[NavItem]:
    organization = request.organization
    items = []
    if request.user.has_perm("tenancy.change_organization", organization):
        items.append(NavItem(_("Organization"), reverse("office:organization_settings"), order=0))
    if request.user.has_perm("tenancy.manage_clinics", organization):
        items.append(NavItem(_("Clinics"), reverse("office:clinic_list"), order=10))
    if request.user.has_perm("tenancy.manage_members", organization):
        items.append(NavItem(_("Members"), reverse("office:member_list"), order=20))
    if request.user.has_perm("audit.view_audit_log", organization):
        items.append(NavItem(_("Audit log"), reverse("office:audit_log"), order=30))
    if request.user.has_perm("compliance.manage_erasure_requests", organization):
        items.append(NavItem(_("Privacy requests"), reverse("office:privacy_requests"), order=35))
    if request.user.has_perm("compliance.follow_up_privacy_notice", organization):
        items.append(NavItem(_("Privacy notice"), reverse("office:notice_followup"), order=35))
    if request.user.has_perm("compliance.manage_processing_record", organization):
        items.append(NavItem(_("Record of processing"), reverse("office:processing_record"), order=36))
    if request.user.has_perm("tenancy.export_organization", organization):
        items.append(NavItem(_("Export all data"), reverse("office:organization_export"), order=37))
    items.append(NavItem(_("API tokens"), reverse("office:api_tokens"), order=40))
    if request.user.has_perm("fhir.manage_apps", organization):
        items.append(NavItem(_("Connected apps"), reverse("office_fhir:apps"), order=45))
    return items


def module_nav_items(request, clinic) -> list[NavItem]:
    if clinic is None:
        return []
    items = []
    for contributed in clinic_hook(clinic, "clinic_nav_items")(request=request, clinic=clinic):
        for item in contributed or []:
            if item.permission and not request.user.has_perm(item.permission, item.permission_obj or clinic):
                continue
            items.append(item)
    return sorted(items, key=lambda i: (i.order, str(i.label)))


def office_context(request) -> dict:
    if getattr(request, "member", None) is None:
        return {}
    clinic = current_clinic(request)
    return {
        "current_clinic": clinic,
        "my_clinics": request._ehr_visible_clinics,
        "nav_items": core_nav_items(request),
        "module_nav_items": module_nav_items(request, clinic),
        "settings_nav_items": settings_nav_items(request),
    }
