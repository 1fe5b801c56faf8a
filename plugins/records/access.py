"""The one road from an id in an address to a clinical record, for pages and the API alike.

Every helper answers 404, never 403, when the acting member may not read clinical content: front-desk
staff learn nothing, not even that a note exists (the same answer as another organization's id). The
patient is always loaded through ``core.patients.access.access_patient``, so every read of clinical data
passes the one patient road (where access to a chart is recorded).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from core.audit.break_glass import guard_chart
from core.patients.access import access_patient
from core.patients.models import Patient
from core.tenancy.access import parse_id, require_member

from .models import Allergy, ChartFile, Encounter, Medication, Note, NoteTemplate, Problem, Vital


def access_chart(request: HttpRequest, patient_id: object, *, for_update: bool = False) -> Patient:
    """Patient ``patient_id`` for a clinician who may read their chart; 404 for anyone else. On office
    pages a practitioner outside the patient's care gives a reason first (``core.audit.break_glass``)."""
    try:
        patient = access_patient(request, patient_id, permission="records.view_chart", for_update=for_update)
    except PermissionDenied:
        raise Http404 from None
    guard_chart(request, patient)
    return patient


def _record(request: HttpRequest, queryset: QuerySet, pk: object, permission: str, for_update: bool) -> Model:
    """A record of a patient whose chart the member reads; ``permission`` checked on it (404 if refused).

    The record's row is found first (by id, in the organization), then its patient goes through the
    patient road; a refusal at either step is the same 404."""
    member = require_member(request)
    found = queryset.filter(organization_id=member.organization.pk, pk=parse_id(pk))
    patient_id = found.values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    patient = access_chart(request, patient_id)
    if for_update:
        found = found.select_for_update(of=("self",))
    record = found.first()
    if record is None:
        raise Http404
    record.patient = patient
    if not request.user.has_perm(permission, record):
        raise Http404
    return record


def access_note(
    request: HttpRequest, pk: object, *, permission: str = "records.view_note", for_update: bool = False
) -> Note:
    """Note ``pk`` when its privacy lets the member read it and ``permission`` allows what they do."""
    notes = Note.objects.select_related("template_version__template", "author__user", "encounter")
    return _record(request, notes, pk, permission, for_update)


def access_encounter(request: HttpRequest, pk: object, *, for_update: bool = False) -> Encounter:
    encounters = Encounter.objects.select_related("practitioner__user", "clinic")
    return _record(request, encounters, pk, "records.view_list_entry", for_update)


LIST_MODELS = {
    "vitals": Vital,
    "allergies": Allergy,
    "medications": Medication,
    "problems": Problem,
    "files": ChartFile,
}


def access_list_entry(request: HttpRequest, kind: str, pk: object, *, for_update: bool = False) -> Model:
    """An allergy, medication, problem or vital of a chart the member reads."""
    model = LIST_MODELS.get(kind)
    if model is None:
        raise Http404
    return _record(request, model.objects.all(), pk, "records.view_list_entry", for_update)


def access_template(request: HttpRequest, pk: object, *, permission: str = "records.manage_templates"):
    member = require_member(request)
    template = NoteTemplate.objects.filter(organization_id=member.organization.pk, pk=parse_id(pk)).first()
    if template is None or not request.user.has_perm(permission, template):
        raise Http404
    return template
