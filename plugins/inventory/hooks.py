"""The inventory module's hook implementations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.plugins.manager import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="inventory",
        label=_("Inventory"),
        description=_(
            "Catalog, stock per clinic with lots and expiry, receiving, dispensing, transfers, purchase "
            "orders, stocktakes and low-stock alerts."
        ),
        default_enabled=True,
    )


@hookimpl
def ehr_permissions():
    from .rules import PERMISSIONS

    return dict(PERMISSIONS)


@hookimpl
def ehr_api_routers():
    from .api.router import router

    return [("inventory", router)]


@hookimpl
def ehr_office_urls():
    from .urls import urlpatterns

    return urlpatterns


@hookimpl
def clinic_nav_items(request, clinic):
    from django.urls import reverse

    from core.plugins.types import NavItem

    return [
        NavItem(
            _("Stock"),
            reverse("office:inventory:stock", kwargs={"clinic_slug": clinic.slug}),
            icon="box",
            order=40,
            permission="inventory.view_stock",
        )
    ]


@hookimpl
def clinic_dashboard_widgets(request, clinic):
    from core.plugins.types import DashboardWidget

    from . import selectors

    if not request.user.has_perm("inventory.view_stock", clinic):
        return []
    low = list(selectors.below_reorder(clinic)[:6])
    return [
        DashboardWidget(
            _("Low stock"),
            "inventory/widget_low_stock.html",
            {"clinic": clinic, "rules": low[:5], "more": len(low) > 5},
            order=40,
        )
    ]


@hookimpl
def ehr_scheduled_tasks():
    from core.plugins.types import ScheduledTask

    return [
        ScheduledTask(
            name="inventory-daily-scan",
            func="plugins.inventory.tasks.daily_scan",
            minutes=24 * 60,
            module="inventory",
        )
    ]


@hookimpl
def clinic_billable_items(clinic, query):
    from . import selectors

    return selectors.billable_items(clinic, query)


@hookimpl
def clinic_invoice_issuing(clinic, event):
    from .services import invoices

    invoices.dispense_for_invoice(clinic, event)


@hookimpl
def clinic_invoice_crediting(clinic, event):
    from .services import invoices

    invoices.return_for_credit(clinic, event)


@hookimpl
def ehr_metrics():
    from .metrics import metrics

    return metrics()


@hookimpl
def ehr_seed_demo(organization, clinics, users):
    from .seed import seed

    seed(organization, clinics, users)
