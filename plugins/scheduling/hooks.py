"""The scheduling module's hook implementations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.plugins.manager import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="scheduling",
        label=_("Scheduling"),
        description=_(
            "Services, working hours, the appointment calendar, online availability and recurring series."
        ),
        default_enabled=True,
    )


@hookimpl
def ehr_permissions():
    from .rules import PERMISSIONS

    return dict(PERMISSIONS)


@hookimpl
def ehr_api_routers():
    from .api import router

    return [("scheduling", router)]


@hookimpl
def ehr_office_urls():
    from django.urls import path

    from . import views

    return [
        path("", views.calendar, name="calendar"),
        path("today/", views.today, name="today"),
        path("requests/", views.requests, name="requests"),
        path("day-sheet/", views.day_sheet, name="day_sheet"),
        path("appointments/new/", views.appointment_create, name="appointment_create"),
        path("appointments/<str:pk>/", views.appointment_edit, name="appointment_edit"),
        path("appointments/<str:pk>/status/", views.appointment_status, name="appointment_status"),
    ]


@hookimpl
def clinic_nav_items(request, clinic):
    from django.urls import reverse

    from core.plugins.types import NavItem

    kwargs = {"clinic_slug": clinic.slug}
    return [
        NavItem(
            _("Calendar"),
            reverse("office:scheduling:calendar", kwargs=kwargs),
            icon="calendar",
            order=20,
            permission="scheduling.view_calendar",
        ),
        NavItem(
            _("Today"),
            reverse("office:scheduling:today", kwargs=kwargs),
            icon="clock",
            order=21,
            permission="scheduling.view_calendar",
        ),
        NavItem(
            _("Booking requests"),
            reverse("office:scheduling:requests", kwargs=kwargs),
            icon="inbox",
            order=22,
            permission="scheduling.view_calendar",
        ),
    ]


@hookimpl
def clinic_dashboard_widgets(request, clinic):
    from django.utils import timezone

    from core.plugins.types import DashboardWidget

    from . import selectors

    if not request.user.has_perm("scheduling.view_calendar", clinic):
        return []
    day = timezone.now().astimezone(clinic.tzinfo).date()
    start, end = selectors.local_day_bounds(clinic.tzinfo, day, day)
    todays = list(selectors.appointments_between(clinic, start, end)[:50])
    pending = list(selectors.pending_requests(clinic)[:6])
    return [
        DashboardWidget(
            _("Today's appointments"),
            "scheduling/widget_today.html",
            {"clinic": clinic, "appointments": todays[:8], "count": len(todays)},
            order=20,
        ),
        DashboardWidget(
            _("Requests awaiting approval"),
            "scheduling/widget_requests.html",
            {"clinic": clinic, "appointments": pending[:5], "more": len(pending) > 5},
            order=21,
        ),
    ]


@hookimpl
def ehr_seed_demo(organization, clinics, users):
    from .seed import seed

    seed(organization, clinics, users)


@hookimpl
def clinic_portal_context(request, clinic):
    """The price list the portal's services page shows (services bookable online)."""
    from .selectors import active_services

    services = active_services(clinic).filter(bookable_online=True).order_by("name", "id")
    return {"portal_services": list(services)}


@hookimpl
def clinic_billable_items(clinic, query):
    """An appointment of ``clinic`` for billing's line picker, asked for as ``appointment:<id>``."""
    from django.utils import formats

    from core.plugins.types import BillableItem

    from .models import Appointment

    kind, _sep, reference = (query or "").strip().partition(":")
    if kind != "appointment" or not reference.isdigit() or len(reference) > 18:
        return []
    appointment = (
        Appointment.objects.filter(organization_id=clinic.organization_id, clinic=clinic, pk=int(reference))
        .select_related("service")
        .first()
    )
    if appointment is None:
        return []
    day = formats.date_format(appointment.start.astimezone(clinic.tzinfo).date(), "SHORT_DATE_FORMAT")
    return [
        BillableItem(
            kind="appointment",
            reference=str(appointment.pk),
            label=f"{appointment.service.name} {day}",
            unit_price=appointment.service.price,
            currency=appointment.service.currency or clinic.currency,
            details={
                "patient_id": appointment.patient_id,
                "practitioner_id": appointment.practitioner_id,
                "service_id": appointment.service_id,
            },
        )
    ]


@hookimpl
def ehr_metrics():
    from .metrics import metrics

    return metrics()
