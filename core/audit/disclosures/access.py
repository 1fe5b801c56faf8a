"""The one road from a disclosure id to the disclosure: the acting member's organization, a patient they
may see, and the same 404 for a disclosure that does not exist, another organization's, and one of a
patient outside the member's clinics."""

from __future__ import annotations

from django.http import Http404

from core.patients.access import access_patient
from core.tenancy.access import parse_id, require_member

from ..models import Disclosure


def access_disclosure(request, pk, *, for_update: bool = False) -> Disclosure:
    """Disclosure ``pk`` of a patient the member may see (404 otherwise); ``for_update`` locks its row."""
    member = require_member(request)
    found = Disclosure.objects.filter(organization_id=member.organization.pk, pk=parse_id(pk))
    if for_update:
        found = found.select_for_update(of=("self",))
    disclosure = found.first()
    if disclosure is None:
        raise Http404
    # The patient's road decides visibility (own clinics) and notes the patient in the access log.
    disclosure.patient = access_patient(request, disclosure.patient_id, permission="audit.view_disclosures")
    return disclosure
