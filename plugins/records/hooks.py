"""The clinical records module's hook implementations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.plugins.manager import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="records",
        label=_("Clinical records"),
        description=_(
            "The patient chart: encounters, signed notes from templates with addenda, vitals, allergies, "
            "medications and problems."
        ),
        default_enabled=True,
    )


@hookimpl
def ehr_permissions():
    from .rules import PERMISSIONS

    return dict(PERMISSIONS)


@hookimpl
def ehr_office_urls():
    from .urls import urlpatterns

    return urlpatterns


@hookimpl
def ehr_api_routers():
    from .api.router import router

    return [("records", router)]


@hookimpl
def clinic_patient_chart_tabs(request, clinic, patient):
    from .chart import chart_tabs

    return chart_tabs(request, clinic, patient)


@hookimpl
def clinic_patient_chart_header(request, clinic, patient):
    from .chart import header_facts

    return header_facts(request, clinic, patient)


@hookimpl
def clinic_patient_timeline_entries(request, clinic, patient, before, limit, kinds):
    from .chart import timeline_entries

    return timeline_entries(request, clinic, patient, before, limit, kinds)


@hookimpl
def clinic_appointment_actions(request, clinic, appointments):
    from .chart import visit_actions

    return visit_actions(request, clinic, appointments)


@hookimpl
def clinic_dashboard_widgets(request, clinic):
    from core.plugins.types import DashboardWidget

    from .selectors import unsigned_notes_of

    member = getattr(request, "member", None)
    if member is None or not request.user.has_perm("records.write_chart", clinic):
        return []
    notes = unsigned_notes_of(member, clinic, limit=11)
    return [
        DashboardWidget(
            _("My unsigned notes"),
            "records/widget_unsigned.html",
            {"clinic": clinic, "notes": notes[:10], "more": len(notes) > 10},
            order=15,
        )
    ]


@hookimpl
def ehr_care_evidence(member, patient_id, since):
    """An encounter the practitioner wrote for the patient since ``since``."""
    from .models import Encounter

    return Encounter.objects.filter(
        organization_id=member.organization_id,
        patient_id=patient_id,
        practitioner_id=member.pk,
        started_at__gte=since,
    )


@hookimpl
def ehr_scheduled_tasks():
    from core.plugins.types import ScheduledTask

    return [
        ScheduledTask(
            name="records-lock-signed-notes",
            func="plugins.records.tasks.lock_signed_notes",
            minutes=15,
            module="records",
        )
    ]


@hookimpl
def clinic_invoice_issuing(clinic, event):
    from .services.billing_rule import refuse_undocumented_visits

    refuse_undocumented_visits(clinic, event)


@hookimpl
def ehr_portal_urls():
    from .portal import urlpatterns

    return urlpatterns


@hookimpl
def clinic_portal_account_links(request, clinic):
    from core.plugins.types import NavItem

    return [NavItem(_("My visit notes"), "account/records/", icon="file-text", order=45)]


@hookimpl
def ehr_seed_demo(organization, clinics, users):
    from .seed import seed

    seed(organization, clinics, users)


@hookimpl
def ehr_patient_data_export(organization, patient):
    from .exports import patient_export

    return patient_export(organization, patient)


@hookimpl
def clinic_nav_items(request, clinic):
    from django.urls import reverse

    from core.plugins.types import NavItem

    return [
        NavItem(
            _("Charting settings"),
            reverse("office:records:settings", kwargs={"clinic_slug": clinic.slug}),
            icon="settings",
            order=90,
            permission="records.manage_settings",
            permission_obj=clinic,
        )
    ]


@hookimpl
def ehr_fhir_resources():
    from .fhir import providers

    return providers()


@hookimpl
def ehr_patient_export_files(organization, patient):
    from .exports import export_files

    return export_files(organization, patient)


@hookimpl
def ehr_patient_records_held(organization, patient):
    from .exports import records_held

    return records_held(organization, patient)


@hookimpl
def ehr_patient_erase(organization, patient, record_classes):
    from .exports import erase

    erase(organization, patient, record_classes)
