"""The billing module's hook implementations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.plugins.manager import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="billing",
        label=_("Billing"),
        description=_("Invoices with gapless numbers, payments, credit notes, tax rates and invoice PDFs."),
        default_enabled=True,
    )


@hookimpl
def ehr_permissions():
    from .rules import PERMISSIONS

    return dict(PERMISSIONS)


@hookimpl
def ehr_api_routers():
    from .api.router import router

    return [("billing", router)]


@hookimpl
def ehr_office_urls():
    from .urls import urlpatterns

    return urlpatterns


@hookimpl
def clinic_nav_items(request, clinic):
    from django.urls import reverse

    from core.plugins.types import NavItem

    kwargs = {"clinic_slug": clinic.slug}
    return [
        NavItem(
            _("Invoices"),
            reverse("office:billing:invoice_list", kwargs=kwargs),
            icon="receipt",
            order=40,
            permission="billing.list_invoices",
        ),
        NavItem(
            _("Outstanding"),
            reverse("office:billing:outstanding", kwargs=kwargs),
            icon="hourglass",
            order=41,
            permission="billing.view_outstanding",
        ),
        NavItem(
            _("Billing settings"),
            reverse("office:billing:settings", kwargs=kwargs),
            icon="settings",
            order=42,
            permission="billing.manage_settings",
        ),
    ]


@hookimpl
def clinic_dashboard_widgets(request, clinic):
    from core.plugins.types import DashboardWidget

    from . import selectors

    if not request.user.has_perm("billing.view_outstanding", clinic):
        return []
    return [
        DashboardWidget(
            _("Unpaid invoices"),
            "billing/widget_unpaid.html",
            {"clinic": clinic, "total": selectors.unpaid_total(clinic), "currency": clinic.currency},
            order=40,
        )
    ]


@hookimpl
def ehr_portal_urls():
    from .portal_urls import urlpatterns

    return urlpatterns


@hookimpl
def clinic_portal_account_links(request, clinic):
    from core.plugins.types import NavItem

    return [NavItem(_("My invoices"), "account/billing/", icon="receipt", order=40)]


@hookimpl
def ehr_seed_demo(organization, clinics, users):
    from .seed import seed

    seed(organization, clinics, users)


@hookimpl
def ehr_metrics():
    from .metrics import metrics

    return metrics()


@hookimpl
def ehr_fhir_resources():
    from .fhir import providers

    return providers()


@hookimpl
def clinic_patient_timeline_entries(request, clinic, patient, before, limit, kinds):
    from .timeline import timeline_entries

    return timeline_entries(request, clinic, patient, before, limit, kinds)


@hookimpl
def clinic_patient_sections(request, clinic, patient):
    from .patient_hub import patient_sections

    return patient_sections(request, clinic, patient)


@hookimpl
def clinic_office_search(request, clinic, query, patient_ids):
    from .patient_hub import office_search

    return office_search(request, clinic, query, patient_ids)


@hookimpl
def ehr_patient_data_export(organization, patient):
    from .privacy import data_export

    return data_export(organization, patient)


@hookimpl
def ehr_patient_export_files(organization, patient):
    from .privacy import export_files

    return export_files(organization, patient)


@hookimpl
def ehr_patient_records_held(organization, patient):
    from .privacy import records_held

    return records_held(organization, patient)


@hookimpl
def ehr_patient_erase(organization, patient, record_classes):
    from .privacy import erase

    erase(organization, patient, record_classes)
