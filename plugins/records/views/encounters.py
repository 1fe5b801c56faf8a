"""Encounters: "Start visit" from an appointment, a standalone encounter, and the encounter's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.recording import shows
from core.audit.vocabulary import Category
from core.forms import apply_errors
from core.office.decorators import member_required
from core.tenancy.access import parse_id

from .. import selectors
from ..access import access_chart, access_encounter
from ..forms import EncounterForm, NewNoteForm, VitalsForm
from ..services import encounters as encounter_services
from ..services import note_templates, notes
from .common import records_url, render_tab


def _check_writer(request: HttpRequest) -> None:
    if not request.user.has_perm("records.write_chart", request.clinic):
        raise Http404


@member_required
@require_POST
def visit_start(request: HttpRequest, clinic_slug: str, appointment_id: str) -> HttpResponse:
    """Open (or reopen) the encounter of an appointment at this clinic."""
    facts = encounter_services.appointment_facts(request.clinic, parse_id(appointment_id))
    if facts is None:
        raise Http404
    access_chart(request, facts.patient_id)
    _check_writer(request)
    try:
        encounter, created = encounter_services.start_visit(
            request.clinic, facts.appointment_id, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("office:patient_detail", pk=facts.patient_id)
    if created:
        messages.success(request, _("Visit started."))
    return redirect(records_url(request, "encounter", pk=encounter.pk))


@member_required
def encounter_new(request: HttpRequest, clinic_slug: str, patient_id: str) -> HttpResponse:
    """A standalone encounter: a phone call, a walk-in, a video call."""
    patient = access_chart(request, patient_id)
    _check_writer(request)
    form = EncounterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            encounter = encounter_services.start_encounter(
                request.clinic,
                patient,
                request.member.membership,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                started_at=form.cleaned_data.get("started_at"),
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Encounter started."))
            return redirect(records_url(request, "encounter", pk=encounter.pk))
    return render_tab(
        request,
        patient,
        "encounter_new.html",
        {"form": form},
        tab="notes",
        status=400 if form.errors else 200,
    )


@member_required
@shows(Category.CLINICAL_NOTES, Category.VITALS)
def encounter(request: HttpRequest, clinic_slug: str, pk: str, vitals_form=None) -> HttpResponse:
    found = access_encounter(request, pk)
    patient = found.patient
    versions = note_templates.current_versions(request.member.organization)
    # A refused vitals form comes back here with its errors; the note form then starts empty.
    posted_note = request.method == "POST" and vitals_form is None
    note_form = NewNoteForm(request.POST if posted_note else None, versions=versions)
    if posted_note:
        _check_writer(request)
        if note_form.is_valid():
            version = next(v for v in versions if v.pk == note_form.cleaned_data["template"])
            try:
                note = notes.create_note(
                    found,
                    version,
                    author=request.member.membership,
                    privacy=note_form.cleaned_data["privacy"],
                    copy_forward=note_form.cleaned_data["copy_forward"],
                )
            except ValidationError as error:
                apply_errors(note_form, error)
            else:
                return redirect(records_url(request, "note", pk=note.pk))
    encounter_notes = list(
        selectors.readable_notes(request.member, patient)
        .filter(encounter=found)
        .select_related("template_version__template", "author__user")
        .order_by("created_at")
    )
    return render_tab(
        request,
        patient,
        "encounter.html",
        {
            "encounter": found,
            "encounter_notes": encounter_notes,
            "note_form": note_form,
            "vitals_form": vitals_form or VitalsForm(units=notes.settings_for(request.clinic).units),
            "may_write": request.user.has_perm("records.write_chart", request.clinic),
        },
        tab="notes",
        status=400 if note_form.errors else 200,
    )
