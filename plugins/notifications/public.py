"""The unsubscribe page an email's link opens without signing in: ``/public/notifications/unsubscribe/<t>/``.

GET shows what the link stops and a button; POST stops it. Mail programs' one-click unsubscribe (RFC 8058)
POSTs straight to the same address, so the POST needs no CSRF token: the signed token is the secret, and it
can only ever turn messages off. A forged, altered or unknown token, a patient or clinic that is gone, or a
clinic where notifications are off: 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_scopes import scope

from core.patients.models import Patient
from core.tenancy.models import Clinic
from core.tenancy.modules import is_module_enabled

from . import unsubscribe
from .models import PATIENT_TYPES, MessageType
from .preferences import opt_out


def _resolve(found: unsubscribe.Unsubscribe):
    if found.message_type not in {t.value for t in PATIENT_TYPES}:
        raise Http404
    clinic = Clinic.objects.filter(organization_id=found.organization_id, pk=found.clinic_id).first()
    patient = Patient.objects.filter(organization_id=found.organization_id, pk=found.patient_id).first()
    # A record merged since the email was sent: the choice belongs to the record it was merged into.
    for _hop in range(5):
        if patient is None or patient.merged_into_id is None:
            break
        patient = Patient.objects.filter(
            organization_id=found.organization_id, pk=patient.merged_into_id
        ).first()
    if patient is not None and patient.merged_into_id is not None:
        patient = None
    if clinic is None or patient is None or not is_module_enabled(clinic, "notifications"):
        raise Http404
    return clinic, patient, found.message_type


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request, token: str):
    found = unsubscribe.read(token)
    if found is None:
        raise Http404
    with scope(organization=found.organization_id):
        clinic, patient, message_type = _resolve(found)
        done = request.method == "POST"
        if done:
            opt_out(patient, message_type)
        from portal_site.api import portal_context

        context = {
            **portal_context(request, clinic),
            "message_label": MessageType(message_type).label,
            "done": done,
        }
        return render(request, "notifications/portal/unsubscribe.html", context)
