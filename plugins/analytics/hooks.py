"""The analytics module's hook implementations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.plugins.manager import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="analytics",
        label=_("Analytics"),
        description=_(
            "Reports on revenue, appointments, patients, utilization and stock, with charts, CSV export "
            "and a monthly PDF summary; figures come from the other modules' metrics."
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
    from .api import router

    return [("analytics", router)]


@hookimpl
def clinic_nav_items(request, clinic):
    from django.urls import reverse

    from core.plugins.types import NavItem

    return [
        NavItem(
            _("Reports"),
            reverse("office:analytics:dashboard", kwargs={"clinic_slug": clinic.slug}),
            icon="chart",
            order=60,
            permission="analytics.view_reports",
        )
    ]


@hookimpl
def clinic_dashboard_widgets(request, clinic):
    from .widgets import month_so_far

    return month_so_far(request, clinic)


@hookimpl
def ehr_scheduled_tasks():
    from core.plugins.types import ScheduledTask

    from .rollup import INTERVAL_MINUTES

    return [
        ScheduledTask(
            name="analytics-rollup",
            func="plugins.analytics.tasks.refresh_rollups",
            minutes=INTERVAL_MINUTES,
            module="analytics",
        )
    ]


@hookimpl
def ehr_metrics():
    from .metrics import metrics

    return metrics()


# Changes in other modules mark the days they touch; the next roll-up pass recomputes them (heard in the
# worker once the change has committed).


@hookimpl
def clinic_appointment_changed(clinic, event):
    from .events import appointment_changed

    appointment_changed(clinic, event)


@hookimpl
def clinic_invoice_issued(clinic, event):
    from .events import invoice_issued

    invoice_issued(clinic, event)


@hookimpl
def clinic_invoice_credited(clinic, event):
    from .events import invoice_credited

    invoice_credited(clinic, event)


@hookimpl
def clinic_payment_received(clinic, event):
    from .events import payment_received

    payment_received(clinic, event)
