"""The notifications module's hook implementations: listeners for the other modules' events, its pages,
its patient-chart tab and its periodic jobs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.plugins.manager import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="notifications",
        label=_("Notifications"),
        description=_(
            "Email and text messages to patients (confirmations, reminders, invoices) and stock alerts to "
            "the team, with templates per language and a message log."
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

    return [("notifications", router)]


@hookimpl
def clinic_nav_items(request, clinic):
    from django.urls import reverse

    from core.plugins.types import NavItem

    kwargs = {"clinic_slug": clinic.slug}
    return [
        NavItem(
            _("Messages"),
            reverse("office:notifications:message_log", kwargs=kwargs),
            icon="mail",
            order=60,
            permission="notifications.view_messages",
        ),
        NavItem(
            _("Message settings"),
            reverse("office:notifications:settings", kwargs=kwargs),
            icon="settings",
            order=61,
            permission="notifications.manage_templates",
        ),
    ]


@hookimpl
def clinic_patient_chart_tabs(request, clinic, patient):
    from django.urls import reverse

    from core.plugins.types import NavItem

    if not request.user.has_perm("notifications.view_messages", clinic):
        return []
    url = reverse("office:notifications:patient_messages", kwargs={"clinic_slug": clinic.slug})
    return [NavItem(_("Messages"), f"{url}?patient={patient.pk}", icon="mail", order=60)]


@hookimpl
def ehr_scheduled_tasks():
    from core.plugins.types import ScheduledTask

    return [
        ScheduledTask(
            name="notifications_reminders",
            func="plugins.notifications.tasks.create_reminders",
            minutes=5,
            module="notifications",
        ),
        ScheduledTask(
            name="notifications_send_due",
            func="plugins.notifications.tasks.send_due",
            minutes=1,
            module="notifications",
        ),
    ]


# --- events of the other modules (each heard only where notifications is on for the clinic) ---------------
# Recording a message reads the clinic's settings, the patient's preferences and templates and renders it;
# the events it hears are delivered in the worker, so the person's request only queues them.


@hookimpl
def clinic_appointment_changed(clinic, event):
    from . import events

    events.appointment_changed(clinic, event)


@hookimpl
def clinic_waitlist_slot_freed(clinic, event):
    from . import events

    events.waitlist_slot_freed(clinic, event)


@hookimpl
def clinic_invoice_issued(clinic, event):
    from . import events

    events.invoice_issued(clinic, event)


@hookimpl
def clinic_payment_received(clinic, event):
    from . import events

    events.payment_received(clinic, event)


@hookimpl
def clinic_stock_low(clinic, event):
    from . import events

    events.stock_low(clinic, event)


@hookimpl
def clinic_lots_expiring(clinic, event):
    from . import events

    events.lots_expiring(clinic, event)


# --- the patient's side: portal preferences and the unsubscribe link -------------------------------------


@hookimpl
def ehr_portal_urls():
    from django.urls import path

    from . import portal

    return [path("", portal.preferences_page, name="preferences")]


@hookimpl
def clinic_portal_account_links(request, clinic):
    from core.plugins.types import NavItem

    return [NavItem(_("Message preferences"), "account/notifications/", icon="mail", order=80)]


@hookimpl
def ehr_public_urls():
    from django.urls import path

    from . import public

    return [path("unsubscribe/<str:token>/", public.unsubscribe_page, name="unsubscribe")]


@hookimpl
def clinic_dashboard_widgets(request, clinic):
    from core.plugins.types import DashboardWidget

    from .selectors import trouble_summary

    if not request.user.has_perm("notifications.view_messages", clinic):
        return []
    return [
        DashboardWidget(
            _("Messages needing attention"),
            "notifications/widget_trouble.html",
            {"clinic": clinic, **trouble_summary(clinic)},
            order=45,
        )
    ]


@hookimpl
def clinic_patient_sections(request, clinic, patient):
    from .patient_hub import patient_sections

    return patient_sections(request, clinic, patient)
