"""The office search (the box in every office page's header): patients by name, record number, birth date
or phone, and what the clinic's modules find for the same words (invoices by number, the patients'
appointments)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.patients.picker import find_patients, patient_details, patient_label
from core.patients.selectors import visible_patients
from core.tenancy.modules import clinic_hook

from ..decorators import member_required
from ..navigation import current_clinic

MAX_QUERY = 100


def module_results(request, clinic, query: str, patient_ids: list[int]) -> list:
    """Every on-module's ``clinic_office_search`` groups, sorted by ``order``; empty groups dropped."""
    if clinic is None:
        return []
    groups = []
    for contributed in clinic_hook(clinic, "clinic_office_search")(
        request=request, clinic=clinic, query=query, patient_ids=patient_ids
    ):
        groups.extend(group for group in (contributed or []) if group.hits)
    return sorted(groups, key=lambda g: (g.order, str(g.title)))


@member_required
@require_GET
def office_search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    clinic = current_clinic(request)
    patients = []
    if query and request.user.has_perm("patients.list_patients", request.organization):
        patients = find_patients(visible_patients(request.member), query)
    groups = module_results(request, clinic, query, [p.pk for p in patients]) if query else []
    return render(
        request,
        "office/search.html",
        {
            "query": query,
            "office_search_query": query,
            "clinic": clinic,
            "patients": [(p, patient_label(p), patient_details(p)) for p in patients],
            "groups": groups,
        },
    )
