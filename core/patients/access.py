"""The one road from a patient id a person supplies to the patient record, for office pages, the API and
any module that addresses a patient by id.

The same 404 for "does not exist", "another organization's" and "not at a clinic you work in", so an answer
never reveals whether an id exists; the permission is checked once, here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from core.audit.recording import saw_patient
from core.tenancy.access import parse_id, require_member

from .models import Patient, PatientClinic
from .selectors import visible_patients


def access_patient(
    request, pk, *, permission: str = "patients.view_patient", for_update: bool = False
) -> Patient:
    """Patient ``pk`` if the acting member may see it (404 otherwise), 403 when seen but ``permission`` is
    refused. ``for_update`` locks the row for the rest of the caller's transaction."""
    member = require_member(request)
    patients = visible_patients(member).filter(pk=parse_id(pk))
    if for_update:
        # Lock only the patient's row (the visibility join must not lock clinic links).
        patients = patients.select_for_update(of=("self",))
    patient = patients.prefetch_related(
        Prefetch("patientclinic_set", queryset=PatientClinic.objects.select_related("clinic"))
    ).first()
    if patient is None:
        raise Http404
    if not request.user.has_perm(permission, patient):
        raise PermissionDenied
    saw_patient(patient)  # the access log records what the request declares it shows of this patient
    return patient
