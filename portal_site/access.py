"""The roads a portal request takes to its clinic and to a patient's own records.

A portal request has no member scope: once the clinic is known (from the path or the host), the view runs
inside ``scope(organization=clinic.organization_id)``. A patient's records are reached only through their
own ``PatientAccount`` links.
"""

from __future__ import annotations

import functools

from django.http import Http404
from django_scopes import scope, scopes_disabled

from core.patients.models import PatientAccount

from .routing import clinic_by_slug


def portal_view(view):
    """Resolve the clinic (host first, then ``clinic_slug``), set ``request.portal_clinic`` and run the
    view and its rendering inside the clinic's organization scope."""

    @functools.wraps(view)
    def wrapped(request, *args, clinic_slug: str | None = None, **kwargs):
        clinic = (
            getattr(request, "portal_host_clinic", None)
            if clinic_slug is None
            else clinic_by_slug(clinic_slug)
        )
        if clinic is None:
            raise Http404
        request.portal_clinic = clinic
        with scope(organization=clinic.organization_id):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    return wrapped


def patient_links(user) -> list[tuple[int, int]]:
    """(organization id, patient id) of every verified record this login may see, across organizations."""
    if not getattr(user, "is_authenticated", False):
        return []
    # scopes_disabled: a patient's own links span the organizations they are a patient of, by design.
    with scopes_disabled():
        return list(
            PatientAccount.objects.filter(
                user=user, verified_at__isnull=False, patient__merged_into__isnull=True
            )
            .order_by("organization_id", "patient_id")
            .values_list("organization_id", "patient_id")
        )


def patient_in(user, organization_id: int):
    """The user's own patient record in ``organization_id`` (call inside that organization's scope)."""
    from core.patients.models import Patient

    ids = [pid for org, pid in patient_links(user) if org == organization_id]
    if not ids:
        return None
    return Patient.objects.filter(organization_id=organization_id, pk__in=ids, archived=False).first()
