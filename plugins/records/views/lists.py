"""The patient's lists: allergies, medications, problems (add, change, strike through, history) and
recording vitals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.recording import shows
from core.audit.vocabulary import Category
from core.forms import apply_errors
from core.office.decorators import member_required
from core.tenancy.access import parse_id

from .. import icd10, selectors
from ..access import LIST_MODELS, access_chart, access_list_entry
from ..forms import LIST_FORMS, VitalsForm
from ..models import Encounter
from ..services import lists
from ..services.notes import settings_for
from .common import records_url, render_tab

TITLES = {"allergies": _("Allergies"), "medications": _("Medications"), "problems": _("Problems")}


def _check_writer(request: HttpRequest, patient) -> None:
    # Writing needs the clinic's clinical permission too; the front desk never got this far (404).
    if not request.user.has_perm("records.write_chart", request.clinic):
        raise Http404


def _list_page(request, patient, kind: str, form, status: int = 200) -> HttpResponse:
    entries = list(selectors.list_entries(LIST_MODELS[kind], patient))
    return render_tab(
        request,
        patient,
        "list_tab.html",
        {
            "kind": kind,
            "title": TITLES[kind],
            "entries": entries,
            "form": form,
            "may_write": request.user.has_perm("records.write_chart", request.clinic),
            "icd10": icd10.codes() if kind == "problems" else (),
        },
        tab=kind,
        status=status,
    )


def _list_view(kind: str):
    @member_required
    @shows(Category.CLINICAL_LISTS)
    def view(request: HttpRequest, clinic_slug: str, patient_id: str) -> HttpResponse:
        patient = access_chart(request, patient_id)
        form = LIST_FORMS[kind](request.POST or None)
        if request.method == "POST":
            _check_writer(request, patient)
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                try:
                    lists.add_entry(LIST_MODELS[kind], request.clinic, patient, data, by=request.user)
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    messages.success(request, _("Added to the list."))
                    return redirect(records_url(request, kind, patient_id=patient.pk))
            return _list_page(request, patient, kind, form, status=400)
        return _list_page(request, patient, kind, form)

    view.__name__ = f"{kind}_list"
    return view


allergies = _list_view("allergies")
medications = _list_view("medications")
problems = _list_view("problems")


def _entry_view(kind: str):
    @member_required
    @shows(Category.CLINICAL_LISTS)
    def view(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
        entry = access_list_entry(request, kind, pk)
        patient = entry.patient
        form_class = LIST_FORMS[kind]
        form = form_class(request.POST or None, instance=entry, initial={"version": entry.version})
        if request.method == "POST":
            _check_writer(request, patient)
            try:
                if request.POST.get("action") == "error":
                    lists.mark_entry_in_error(entry, by=request.user)
                    messages.success(request, _("Marked as entered in error."))
                    return redirect(records_url(request, kind, patient_id=patient.pk))
                if form.is_valid():
                    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                    lists.change_entry(entry, data, by=request.user, version=form.cleaned_data.get("version"))
                    messages.success(request, _("Changes saved; the earlier version is kept in the history."))
                    return redirect(records_url(request, kind, patient_id=patient.pk))
            except ValidationError as error:
                apply_errors(form, error)
        return render_tab(
            request,
            patient,
            "list_entry.html",
            {
                "kind": kind,
                "title": TITLES[kind],
                "entry": entry,
                "form": form,
                "history": selectors.history_of(entry),
                "icd10": icd10.codes() if kind == "problems" else (),
            },
            tab=kind,
            status=400 if form.errors else 200,
        )

    view.__name__ = f"{kind}_entry"
    return view


allergy = _entry_view("allergies")
medication = _entry_view("medications")
problem = _entry_view("problems")


@member_required
@require_POST
@shows(Category.VITALS)
def vitals_record(request: HttpRequest, clinic_slug: str, patient_id: str) -> HttpResponse:
    """Record a set of measurements (optionally during an encounter: ``?encounter=<id>``)."""
    from .chart import vitals as vitals_page

    patient = access_chart(request, patient_id)
    _check_writer(request, patient)
    units = settings_for(request.clinic).units
    form = VitalsForm(request.POST, units=units)
    encounter = None
    if request.POST.get("encounter"):
        encounter = Encounter.objects.filter(
            organization_id=patient.organization_id, patient=patient, pk=parse_id(request.POST["encounter"])
        ).first()
        if encounter is None:
            raise Http404
    if form.is_valid():
        try:
            lists.record_vitals(
                request.clinic,
                patient,
                form.values(),
                by=request.user,
                encounter=encounter,
                measured_at=form.cleaned_data.get("measured_at"),
                units=units,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Vitals recorded."))
            back = request.POST.get("next", "")
            if encounter is not None and back == "encounter":
                return redirect(records_url(request, "encounter", pk=encounter.pk))
            return redirect(records_url(request, "vitals", patient_id=patient.pk))
    if encounter is not None and request.POST.get("next") == "encounter":
        from .encounters import encounter as encounter_page

        response = encounter_page(request, clinic_slug=clinic_slug, pk=encounter.pk, vitals_form=form)
    else:
        response = vitals_page(request, clinic_slug=clinic_slug, patient_id=patient_id, form=form)
    response.status_code = 400
    return response


@member_required
def icd10_search(request: HttpRequest, clinic_slug: str) -> JsonResponse:
    """Codes of the bundled list matching ``q``, for the problem form's picker."""
    if not request.user.has_perm("records.write_chart", request.clinic):
        raise Http404
    query = request.GET.get("q", "")[:60]
    return JsonResponse({"results": [{"code": c, "title": t} for c, t in icd10.search(query)]})
