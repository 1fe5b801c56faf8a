"""A patient's "Access history" chart tab: who opened which part of this record, when and from where."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from core.audit.break_glass import flag_rows
from core.audit.recording import record_access
from core.audit.trail import TrailFilter, page_of, rows_of
from core.audit.vocabulary import Category
from core.patients.access import access_patient
from core.tenancy.access import check_perm
from core.tenancy.clinic_time import organization_zone
from core.tenancy.models import Clinic

from ..chart import chart_context
from ..decorators import member_required
from ..navigation import current_clinic


@member_required
def access_history(request, pk):
    check_perm(request, "audit.view_audit_log", request.organization)
    patient = access_patient(request, pk)
    record_access(patient, Category.AUDIT_LOG)
    raw = request.GET.get("after", "")
    after = int(raw) if raw.isdigit() and len(raw) < 19 else None
    entries, next_cursor = page_of(
        request.organization.pk, TrailFilter(patient_id=patient.pk, kind="access"), after=after
    )
    organization_tz = organization_zone(request.organization.pk)
    zones = {c.pk: c.tzinfo for c in Clinic.objects.filter(organization=request.organization)}
    rows = rows_of(entries, lambda clinic_id: zones.get(clinic_id, organization_tz))
    flag_rows(request.organization.pk, rows)
    context = {
        "patient": patient,
        "rows": rows,
        "hide_patient": True,
        "next_url": f"?after={next_cursor}" if next_cursor else "",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "office/patients/access_history.html", context)
    url = reverse("office:patient_access_history", args=[patient.pk])
    frame = chart_context(request, current_clinic(request), patient, active=url)
    return render(
        request,
        "office/patients/access_history_page.html",
        {**frame, **context},
    )
