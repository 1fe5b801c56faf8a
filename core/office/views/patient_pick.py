"""The patient picker's matches (core.patients.picker), as JSON for static/js/patient-picker.js."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from core.patients.picker import find_patients, patient_details, patient_label
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm

from ..decorators import member_required


@member_required
@require_GET
def patient_pick(request):
    """Up to ten patients the member may see matching ``q``: one indexed query, whatever the list size."""
    check_perm(request, "patients.list_patients", request.organization)
    matches = find_patients(visible_patients(request.member), request.GET.get("q", ""))
    return JsonResponse(
        {"results": [{"id": p.pk, "label": patient_label(p), "details": patient_details(p)} for p in matches]}
    )
