"""Back-office report pages, mounted under ``/office/c/<clinic_slug>/analytics/`` and gated by the core,
which sets ``request.clinic``: the dashboard (with CSV export of each table) and the monthly PDF summary."""

from __future__ import annotations

import csv
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.tenancy.access import check_perm

from . import access
from .forms import ReportFilter
from .periods import month_period
from .report.build import build
from .report.export import flat_rows
from .report.selection import Selection


def _csv_safe(value) -> str:
    """Spreadsheets run cells starting with these as formulas; a leading quote keeps them text."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _filter_form(request, reach, data):
    today = timezone.localdate()
    org_id = request.clinic.organization_id
    from core.tenancy.models import Clinic

    return ReportFilter(
        data,
        clinics=Clinic.objects.filter(organization_id=org_id, pk__in=[c.pk for c in reach.clinics]),
        practitioners=access.practitioner_choices(org_id, reach.clinics)
        if reach.own_practitioner is None
        else (),
        services=access.service_choices(org_id, reach.clinics),
        own_practitioner=reach.own_practitioner,
        today=today,
    )


def selection_from(request, reach, form) -> Selection:
    data = form.cleaned_data
    chosen = {c.pk for c in data.get("clinics") or []}
    clinics = [c for c in reach.clinics if c.pk in chosen] or list(reach.clinics)
    sections = reach.sections
    if reach.own_practitioner is None:
        sections = access.sections_for(request.user, clinics)
    return Selection(
        organization_id=request.clinic.organization_id,
        clinics=clinics,
        period=data["range"],
        practitioner=data.get("practitioner"),
        service=data.get("service"),
        sections=sections,
        today=timezone.localdate(),
    )


@member_required
def dashboard(request, clinic_slug):
    check_perm(request, "analytics.view_reports", request.clinic)
    reach = access.reach(request)
    form = _filter_form(request, reach, request.GET or {"period": "30d"})
    if not form.is_valid():
        return render(
            request,
            "analytics/dashboard.html",
            {"clinic": request.clinic, "form": form, "report": None},
            status=400,
        )
    selection = selection_from(request, reach, form)
    result = build(selection)
    export = request.GET.get("export", "")
    if export:
        table = result.table(export[:100])
        if table is None:
            return render(
                request,
                "analytics/dashboard.html",
                {"clinic": request.clinic, "form": form, "report": result, "export_error": True},
                status=404,
            )
        return _csv(table, selection)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "clinic": request.clinic,
            "form": form,
            "report": result,
            "selection": selection,
            "query": request.GET.urlencode(),
            "own_activity": reach.own_practitioner is not None,
            "can_download_summary": request.user.has_perm("analytics.download_summary", request.clinic),
            "summary_month": timezone.localdate().replace(day=1),
        },
    )


def _csv(table, selection) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{table['id']}-{selection.period.first:%Y%m%d}-{selection.period.last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for line in flat_rows(table):
        writer.writerow([_csv_safe(cell) for cell in line])
    return response


@member_required
def summary(request, clinic_slug):
    """A clinic's monthly summary as PDF (``?month=YYYY-MM``, this month by default)."""
    clinic = request.clinic
    if not request.user.has_perm("analytics.download_summary", clinic):
        raise PermissionDenied
    month = _parse_month(request.GET.get("month", ""))
    if month is None:
        return render(
            request,
            "errors/page.html",
            {"title": _("No such month"), "message": _("Give the month as YYYY-MM, e.g. 2026-03.")},
            status=400,
        )
    from .pdf import render_summary

    pdf = render_summary(clinic, month_period(month.year, month.month))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="summary-{clinic.slug}-{month:%Y-%m}.pdf"'
    return response


def _parse_month(value: str) -> date | None:
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        year, month = (int(part) for part in value[:7].split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None
