"""Access helpers: the only road from a user-supplied id to an object.

Each helper answers the *same* 404 for "does not exist" and "exists but is not yours", so responses never
reveal whether another organization's id exists. Lookups run inside the request's organization scope.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from core.compiled import CompiledQuery

from .models import Clinic, Role


def parse_id(value) -> int:
    """A positive integer id from a URL or form, or 404 (malformed ids are simply "not found")."""
    try:
        parsed = int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None
    if parsed <= 0 or parsed > 2**63 - 1:
        raise Http404
    return parsed


def require_member(request):
    """The acting member's context, or 404 when the user is not a member of any organization."""
    ctx = getattr(request, "member", None)
    if ctx is None:
        raise Http404
    return ctx


def visible_clinics(request, include_archived: bool = False) -> QuerySet[Clinic]:
    """Clinics the member may see: every clinic for an owner, their assigned clinics otherwise."""
    ctx = require_member(request)
    clinics = Clinic.objects.filter(organization_id=ctx.organization.pk)
    if ctx.role != Role.OWNER:
        clinics = clinics.filter(pk__in=ctx.clinic_ids)
    if not include_archived:
        clinics = clinics.filter(archived=False)
    return clinics


def _with_module_switches(clinics):
    from core.tenancy.modules import with_module_switches

    return with_module_switches(clinics)


# A clinic with its module switches, by slug (every office page) or by id (every API call of a module):
# compiled once (core/compiled.py), then only run.
_CLINIC_BY_SLUG = CompiledQuery(
    lambda organization_id, slug: _with_module_switches(
        Clinic.objects.filter(organization_id=organization_id, slug=slug)
    ).order_by("pk")[:1]
)
_CLINIC_BY_ID = CompiledQuery(
    lambda organization_id, clinic_id: Clinic.objects.filter(
        organization_id=organization_id, pk=clinic_id
    ).order_by("pk")[:1]
)
_OPEN_CLINIC_BY_ID = CompiledQuery(
    lambda organization_id, clinic_id: _with_module_switches(
        Clinic.objects.filter(organization_id=organization_id, pk=clinic_id, archived=False)
    ).order_by("pk")[:1]
)


def _works_at(ctx, clinic_id: int) -> bool:
    """May the member see clinic ``clinic_id`` of their organization: every clinic for an owner, their
    assigned clinics otherwise (the rule of ``visible_clinics``)."""
    return ctx.role == Role.OWNER or clinic_id in ctx.clinic_ids


def get_clinic_for_member(request, slug: str) -> Clinic:
    ctx = require_member(request)
    found = _CLINIC_BY_SLUG(organization_id=ctx.organization.pk, slug=str(slug)[:60])
    if not found or not _works_at(ctx, found[0].pk):
        raise Http404
    return found[0]


def clinic_for_member(request, clinic_id, permission: str | None = None) -> Clinic:
    """The clinic ``clinic_id`` (archived ones too) when the member may see it: what
    ``get_for_member(request, visible_clinics(request, include_archived=True), clinic_id, permission)``
    answers, 404 for missing or not theirs, 403 when seen but ``permission`` is refused."""
    ctx = require_member(request)
    clinic_id = parse_id(clinic_id)
    if not _works_at(ctx, clinic_id):
        raise Http404
    found = _CLINIC_BY_ID(organization_id=ctx.organization.pk, clinic_id=clinic_id)
    if not found:
        raise Http404
    if permission and not request.user.has_perm(permission, found[0]):
        raise PermissionDenied
    return found[0]


def open_clinic_for_member(request, clinic_id) -> Clinic | None:
    """The open (not archived) clinic ``clinic_id`` with its module switches, when the member may see
    it; None otherwise, whichever the reason. What ``visible_clinics(request).filter(pk=...)`` answers."""
    ctx = require_member(request)
    clinic_id = parse_id(clinic_id)
    if not _works_at(ctx, clinic_id):
        return None
    found = _OPEN_CLINIC_BY_ID(organization_id=ctx.organization.pk, clinic_id=clinic_id)
    return found[0] if found else None


def get_for_member(request, queryset: QuerySet, pk, permission: str | None = None):
    """Fetch ``pk`` from ``queryset`` within the member's organization; 404 when missing or foreign,
    403 when it is theirs but ``permission`` is refused."""
    ctx = require_member(request)
    obj = queryset.filter(organization_id=ctx.organization.pk, pk=parse_id(pk)).first()
    if obj is None:
        raise Http404
    if permission and not request.user.has_perm(permission, obj):
        raise PermissionDenied
    return obj


def check_perm(request, permission: str, obj) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied
