"""What the records module contributes to the patient chart and to scheduling's lists: the tabs, the
header facts, the timeline entries and the "Start visit" buttons."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.vocabulary import Category
from core.plugins.types import AppointmentAction, ChartFact, NavItem, TimelineEntry

from . import selectors
from .models import Encounter
from .services.billing_rule import undocumented_visits

LISTS = Category.CLINICAL_LISTS  # what the header's allergy, problem and medication facts show


def tab_url(clinic, patient, name: str) -> str:
    return reverse(f"office:records:{name}", kwargs={"clinic_slug": clinic.slug, "patient_id": patient.pk})


def chart_tabs(request, clinic, patient) -> list[NavItem]:
    if not request.user.has_perm("records.view_chart", patient):
        return []
    return [
        NavItem(_("Timeline"), tab_url(clinic, patient, "timeline"), icon="clock", order=10),
        NavItem(_("Notes"), tab_url(clinic, patient, "notes"), icon="file-text", order=20),
        NavItem(_("Vitals"), tab_url(clinic, patient, "vitals"), icon="activity", order=30),
        NavItem(_("Allergies"), tab_url(clinic, patient, "allergies"), icon="alert", order=40),
        NavItem(_("Medications"), tab_url(clinic, patient, "medications"), icon="pill", order=50),
        NavItem(_("Problems"), tab_url(clinic, patient, "problems"), icon="list", order=55),
        NavItem(_("Files"), tab_url(clinic, patient, "files"), icon="paperclip", order=58),
    ]


def header_facts(request, clinic, patient) -> list[ChartFact]:
    """Allergies (red when any), active problems, current medications, and the member's unsigned notes.
    The front desk gets the allergy flag alone: that there are allergies, never which."""
    allergies = list(selectors.active_allergies(patient).order_by("substance")[:20])
    if not request.user.has_perm("records.view_chart", patient):
        items = (_("Allergies recorded: ask a clinician"),) if allergies else ()
        return [ChartFact(_("Allergies"), items, alert=True, empty=_("None recorded"), order=10, shows=LISTS)]
    problems = list(selectors.active_problems(patient).order_by("description")[:8])
    medications = list(selectors.current_medications(patient).order_by("name")[:8])
    facts = [
        ChartFact(
            _("Allergies"),
            tuple(f"{a.substance} ({a.get_severity_display()})" for a in allergies),
            alert=True,
            empty=_("No known allergies"),
            order=10,
            shows=LISTS,
        ),
        ChartFact(
            _("Active problems"),
            tuple(f"{p.description}{f' ({p.icd10_code})' if p.icd10_code else ''}" for p in problems),
            empty=_("None recorded"),
            order=20,
            shows=LISTS,
        ),
        ChartFact(
            _("Current medications"),
            tuple(" ".join(filter(None, [m.name, m.dose, m.frequency])) for m in medications),
            empty=_("None recorded"),
            order=30,
            shows=LISTS,
        ),
    ]
    member = getattr(request, "member", None)
    if member is not None:
        drafts = (
            selectors.readable_notes(member, patient)
            .filter(author_id=member.membership.pk, status="draft")
            .count()
        )
        if drafts:
            facts.append(
                ChartFact(
                    _("Alerts"),
                    (_("%(n)s unsigned note(s) of yours") % {"n": drafts},),
                    alert=True,
                    order=40,
                )
            )
    return facts


def timeline_entries(request, clinic, patient, before, limit, kinds) -> list[TimelineEntry]:
    if not request.user.has_perm("records.view_chart", patient):
        return []
    entries: list[TimelineEntry] = []
    if not kinds or "encounter" in kinds:
        for encounter in selectors.timeline_encounters(patient, before, limit):
            entries.append(
                TimelineEntry(
                    kind="encounter",
                    kind_label=_("Visit"),
                    at=encounter.started_at,
                    title=f"{encounter.get_kind_display()}: {encounter.reason}".rstrip(": "),
                    detail=encounter.practitioner.name,
                    url=reverse(
                        "office:records:encounter",
                        kwargs={"clinic_slug": clinic.slug, "pk": encounter.pk},
                    ),
                    key=f"encounter-{encounter.pk}",
                    shows=Category.CLINICAL_NOTES,
                )
            )
    if not kinds or "note" in kinds:
        for note in selectors.timeline_notes(request.member, patient, before, limit):
            entries.append(
                TimelineEntry(
                    kind="note",
                    kind_label=_("Note"),
                    at=note.created_at,
                    title=f"{note.template_version.template.display_name} · {note.get_status_display()}",
                    detail=note.author.name,
                    url=reverse("office:records:note", kwargs={"clinic_slug": clinic.slug, "pk": note.pk}),
                    struck=note.entered_in_error,
                    key=f"note-{note.pk}",
                    shows=Category.CLINICAL_NOTES,
                )
            )
    if not kinds or "file" in kinds:
        for record in selectors.timeline_files(patient, before, limit):
            entries.append(
                TimelineEntry(
                    kind="file",
                    kind_label=_("File"),
                    at=record.created_at,
                    title=record.original_name,
                    detail=record.description,
                    url=reverse(
                        "office:records:file_download", kwargs={"clinic_slug": clinic.slug, "pk": record.pk}
                    ),
                    struck=record.entered_in_error,
                    key=f"file-{record.pk}",
                    shows=Category.FILES,
                )
            )
    return entries


def visit_actions(request, clinic, appointments) -> dict[int, list[AppointmentAction]]:
    """ "Start visit" next to each appointment the member may chart; "Open visit" once it is started."""
    if not request.user.has_perm("records.write_chart", clinic):
        return {}
    ids = [a.appointment_id for a in appointments]
    started = dict(
        Encounter.objects.filter(organization_id=clinic.organization_id, appointment_id__in=ids).values_list(
            "appointment_id", "pk"
        )
    )
    now = timezone.now()
    past = [a.appointment_id for a in appointments if a.end < now]
    undocumented = set(undocumented_visits(clinic, past)) if past else set()
    actions = {}
    for appointment in appointments:
        if appointment.status in ("cancelled_clinic", "cancelled_patient", "no_show"):
            continue
        if appointment.appointment_id in started:
            url = reverse(
                "office:records:encounter",
                kwargs={"clinic_slug": clinic.slug, "pk": started[appointment.appointment_id]},
            )
            # A past visit whose note is not signed yet is flagged, so nothing is left undocumented.
            label = _("Note not signed") if appointment.appointment_id in undocumented else _("Open visit")
            style = "warning" if appointment.appointment_id in undocumented else "secondary"
            actions[appointment.appointment_id] = [AppointmentAction(label, url, style=style)]
        else:
            url = reverse(
                "office:records:visit_start",
                kwargs={"clinic_slug": clinic.slug, "appointment_id": appointment.appointment_id},
            )
            label = _("Note not signed") if appointment.appointment_id in undocumented else _("Start visit")
            actions[appointment.appointment_id] = [
                AppointmentAction(label, url, method="post", style="primary")
            ]
    return actions
