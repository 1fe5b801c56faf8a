"""The one road to an erasure request: the acting member's organization, the owner's permission, and the
same 404 for a request that does not exist and one of another organization."""

from __future__ import annotations

from django.http import Http404

from core.audit.recording import saw_patient
from core.tenancy.access import check_perm, parse_id, require_member

from .models import ErasureRequest


def access_erasure_request(request, pk, *, for_update: bool = False) -> ErasureRequest:
    member = require_member(request)
    check_perm(request, "compliance.manage_erasure_requests", member.organization)
    found = ErasureRequest.objects.filter(organization_id=member.organization.pk, pk=parse_id(pk))
    if for_update:
        found = found.select_for_update(of=("self",))
    erasure = found.select_related("patient", "requested_by", "decided_by").first()
    if erasure is None:
        raise Http404
    # The access log: a request about this patient's erasure shows who they are.
    saw_patient(erasure.patient)
    return erasure
