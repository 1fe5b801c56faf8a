"""The patient chart's frame: the header strip and the tabs every module contributes.

The chart page and every tab page (opened directly, without htmx) render inside the same frame, so the
header with allergies, problems and medications stays in view whichever tab is open.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.break_glass import guard_chart
from core.audit.recording import declare_shown
from core.plugins.types import NavItem
from core.tenancy.clinic_time import zone_of
from core.tenancy.modules import clinic_hook


def age_of(patient, clinic) -> int | None:
    """The patient's age in whole years on today's date at the clinic (None without a date of birth)."""
    born = patient.date_of_birth
    if born is None:
        return None
    today = timezone.localdate(timezone=zone_of(clinic)) if clinic is not None else timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def chart_tabs(request, clinic, patient) -> list:
    tabs = []
    if request.user.has_perm("audit.view_audit_log", getattr(request, "organization", None)):
        # Core's own tab, whichever modules are on: who was shown this record.
        tabs.append(
            NavItem(
                _("Access history"), reverse("office:patient_access_history", args=[patient.pk]), order=900
            )
        )
    if request.user.has_perm("audit.view_disclosures", patient):
        # Core's own tab: what of this record was given outside the practice.
        tabs.append(
            NavItem(_("Disclosures"), reverse("office:patient_disclosures", args=[patient.pk]), order=910)
        )
    if clinic is not None:
        for contributed in clinic_hook(clinic, "clinic_patient_chart_tabs")(
            request=request, clinic=clinic, patient=patient
        ):
            tabs.extend(contributed or [])
        tabs.sort(key=lambda t: (t.order, str(t.label)))
    return tabs


def chart_header(request, clinic, patient) -> list:
    facts = []
    if clinic is not None:
        for contributed in clinic_hook(clinic, "clinic_patient_chart_header")(
            request=request, clinic=clinic, patient=patient
        ):
            facts.extend(contributed or [])
        facts.sort(key=lambda f: (f.order, str(f.label)))
        declare_shown(facts)
    return facts


def patient_sections(request, clinic, patient) -> list:
    """The modules' parts of the patient page (``clinic_patient_sections``), sorted by ``order``."""
    sections = []
    if clinic is not None:
        for contributed in clinic_hook(clinic, "clinic_patient_sections")(
            request=request, clinic=clinic, patient=patient
        ):
            sections.extend(contributed or [])
        sections.sort(key=lambda s: (s.order, str(s.title)))
        declare_shown(sections)
    return sections


def chart_context(request, clinic, patient, *, active: str = "") -> dict:
    """What ``office/patients/chart_base.html`` needs: the patient, the header facts, the tabs, and which
    tab is open (``active`` is its address; empty for the summary). A practitioner outside the patient's
    care is sent to the reason page first (``core.audit.break_glass``)."""
    guard_chart(request, patient)
    return {
        "patient": patient,
        "age": age_of(patient, clinic),
        "chart_facts": chart_header(request, clinic, patient),
        "tabs": chart_tabs(request, clinic, patient),
        "active_tab": active,
    }
