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
    from .api.router import router

    return [("scheduling", router)]


@hookimpl
def ehr_office_urls():
    from django.urls import path

    from .views import appointments, feeds, move, settings, settings_hours, waitlist

    return [
        path("", appointments.calendar, name="calendar"),
        path("today/", appointments.today, name="today"),
        path("requests/", appointments.requests, name="requests"),
        path("day-sheet/", appointments.day_sheet, name="day_sheet"),
        path("appointments/new/", appointments.appointment_create, name="appointment_create"),
        path("appointments/<str:pk>/", appointments.appointment_edit, name="appointment_edit"),
        path("appointments/<str:pk>/status/", appointments.appointment_status, name="appointment_status"),
        path("appointments/<str:pk>/move/", move.appointment_move, name="appointment_move"),
        path("waitlist/", waitlist.waitlist_page, name="waitlist"),
        path("waitlist/<str:pk>/status/", waitlist.waitlist_status, name="waitlist_status"),
        path("settings/", settings.settings_home, name="settings"),
        path("settings/services/", settings.settings_services, name="settings_services"),
        path("settings/services/<str:pk>/", settings.settings_service_edit, name="settings_service_edit"),
        path("settings/hours/", settings_hours.settings_hours, name="settings_hours"),
        path("settings/hours/<str:pk>/", settings_hours.settings_hours_edit, name="settings_hours_edit"),
        path("settings/time-off/", settings.settings_time_off, name="settings_time_off"),
        path(
            "settings/time-off/<str:pk>/delete/",
            settings.settings_time_off_delete,
            name="settings_time_off_delete",
        ),
        path("settings/rooms/", settings.settings_rooms, name="settings_rooms"),
        path("settings/rooms/<str:pk>/", settings.settings_room_edit, name="settings_room_edit"),
        path("settings/closures/", settings.settings_closures, name="settings_closures"),
        path(
            "settings/closures/<str:pk>/delete/",
            settings.settings_closure_delete,
            name="settings_closure_delete",
        ),
        path("calendar-feed/", feeds.calendar_feed, name="calendar_feed"),
        path("calendar-feed/<str:pk>/revoke/", feeds.calendar_feed_revoke, name="calendar_feed_revoke"),
    ]


@hookimpl
def ehr_public_urls():
    from django.urls import path

    from .views.feeds import public_feed

    return [path("feed/<str:secret>.ics", public_feed, name="feed")]


@hookimpl
def ehr_portal_urls():
    from django.urls import path

    from .portal import appointments
    from .portal.waitlist import waitlist_page

    return [
        path("", waitlist_page, name="waitlist"),
        path("appointments/<str:appointment_id>/cancel/", appointments.cancel, name="cancel"),
        path("appointments/<str:appointment_id>/reschedule/", appointments.reschedule, name="reschedule"),
        path("appointments/<str:appointment_id>/calendar.ics", appointments.calendar_file, name="ics"),
    ]


@hookimpl
def ehr_portal_public_urls():
    from django.urls import path

    from .portal.booking import confirm

    return [path("confirm/", confirm, name="confirm")]


@hookimpl
def clinic_portal_booking(request, clinic, page):
    from .portal.booking import booking_page

    return booking_page(request, clinic, page)


@hookimpl
def ehr_portal_account_sections(request, organization, patient, clinics):
    from .portal.appointments import account_section

    return account_section(request, organization, patient, clinics)


@hookimpl
def ehr_patient_data_export(organization, patient):
    from .portal.appointments import data_export

    return data_export(organization, patient)


@hookimpl
def clinic_portal_account_links(request, clinic):
    from core.plugins.types import NavItem

    return [NavItem(_("Waitlist"), "account/scheduling/", icon="hourglass", order=30)]


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
        NavItem(
            _("Waitlist"),
            reverse("office:scheduling:waitlist", kwargs=kwargs),
            icon="hourglass",
            order=23,
            permission="scheduling.view_calendar",
        ),
        NavItem(
            _("Scheduling set-up"),
            reverse("office:scheduling:settings", kwargs=kwargs),
            icon="settings",
            order=28,
            permission="scheduling.view_calendar",
        ),
        NavItem(
            _("Calendar feed"),
            reverse("office:scheduling:calendar_feed", kwargs=kwargs),
            icon="link",
            order=29,
            permission="scheduling.use_calendar_feed",
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
        *_working_hours_prompt(request, clinic, day),
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


def _working_hours_prompt(request, clinic, today):
    """A practitioner with no working hours here cannot be booked: until they set some, the dashboard says so
    first, with the page to set them."""
    from core.plugins.types import DashboardWidget
    from core.tenancy.models import Role

    from .selectors import has_working_hours

    member = getattr(request, "member", None)
    if member is None or member.role != Role.PRACTITIONER:
        return []
    if has_working_hours(clinic, member.membership, today):
        return []
    return [
        DashboardWidget(
            _("Set your working hours"),
            "scheduling/widget_hours_missing.html",
            {"clinic": clinic},
            order=1,
        )
    ]


@hookimpl
def ehr_care_evidence(member, patient_id, since):
    """An appointment with the practitioner at one of their clinics since ``since`` (or booked ahead),
    unless it was cancelled."""
    from core.tenancy.models import MembershipClinic

    from .models import ACTIVE_STATUSES, Appointment, Status

    kept = [*ACTIVE_STATUSES, Status.NO_SHOW]
    their_clinics = MembershipClinic.objects.filter(membership_id=member.pk).values("clinic_id")
    return Appointment.objects.filter(
        organization_id=member.organization_id,
        practitioner_id=member.pk,
        patient_id=patient_id,
        occupied_start__gte=since,
        clinic_id__in=their_clinics,
        status__in=kept,
    )


@hookimpl
def ehr_seed_demo(organization, clinics, users):
    from .seed import seed

    seed(organization, clinics, users)


@hookimpl
def clinic_portal_context(request, clinic):
    """The price list the portal's services page shows (services bookable online)."""
    from .selectors import active_services

    services = active_services(clinic).filter(bookable_online=True).order_by("name", "id")
    # The opening-hours block shows the working hours, so the contact page hides its free-text hours.
    return {"portal_services": list(services), "portal_shows_working_hours": True}


@hookimpl
def clinic_portal_calls_to_action(request, clinic):
    from django.utils.translation import gettext as _

    from core.plugins.types import NavItem

    return [NavItem(label=_("Book an appointment"), url="booking/", order=10)]


@hookimpl
def clinic_portal_practitioner_links(request, clinic, practitioners):
    """ "Book with Dr. Adams" on the team cards of practitioners who take online bookings at ``clinic``:
    the booking page opens with them chosen."""
    from django.utils.translation import gettext as _

    from core.plugins.types import NavItem

    from .models import OnlineMode
    from .portal import selectors as online

    if online.online_mode(clinic) == OnlineMode.OFF:
        return {}
    bookable = online.online_bookable_practitioner_ids(clinic, [p.pk for p in practitioners])
    return {
        p.pk: [
            NavItem(
                # "Dr. Adams" reads well in a button; letters after the name ("MD") do not.
                label=_("Book with %(name)s")
                % {"name": p.titled_name if p.title.strip().endswith(".") else p.name},
                url=f"booking/?practitioner={p.pk}",
                order=10,
            )
        ]
        for p in practitioners
        if p.pk in bookable
    }


@hookimpl
def ehr_portal_blocks():
    """Booking widget, opening hours and price list for portal pages. Called once when the portal's page
    models load, so it also connects the signals that keep cached pages with these blocks fresh."""
    from .portal.blocks import keep_portal_pages_fresh, portal_blocks

    keep_portal_pages_fresh()
    return portal_blocks()


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


@hookimpl
def clinic_upcoming_appointments(clinic, start_after, start_until):
    from core.plugins.types import UpcomingAppointment

    from .models import Appointment

    booked = (
        Appointment.objects.filter(
            organization_id=clinic.organization_id,
            clinic_id=clinic.pk,
            status="booked",
            start__gt=start_after,
            start__lte=start_until,
        )
        .select_related("practitioner__user", "service")
        .order_by("start", "id")
    )
    return [
        UpcomingAppointment(
            appointment_id=a.pk,
            version=a.version,
            patient_id=a.patient_id,
            practitioner_name=a.practitioner.name,
            service_name=a.service.name if a.service_id else "",
            start=a.start,
            end=a.end,
            updated_at=a.updated_at,
        )
        for a in booked
    ]


@hookimpl
def clinic_appointment_now(clinic, appointment_id):
    from core.plugins.types import AppointmentNow

    from .models import Appointment

    this_one = Appointment.objects.filter(
        organization_id=clinic.organization_id, clinic_id=clinic.pk, pk=appointment_id
    )
    found = this_one.values_list("status", "version").first()
    return AppointmentNow(*found) if found else None


@hookimpl
def ehr_fhir_resources():
    from .fhir import providers

    return providers()


@hookimpl
def clinic_appointment_facts(clinic, appointment_id):
    from core.plugins.types import AppointmentFacts

    from .models import Appointment

    found = (
        Appointment.objects.filter(
            organization_id=clinic.organization_id, clinic_id=clinic.pk, pk=appointment_id
        )
        .values_list("pk", "patient_id", "practitioner_id", "start", "end", "status", "service__name")
        .first()
    )
    return AppointmentFacts(*found) if found else None


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
def ehr_patient_records_held(organization, patient):
    from .privacy import records_held

    return records_held(organization, patient)


@hookimpl
def ehr_patient_erase(organization, patient, record_classes):
    from .privacy import erase

    erase(organization, patient, record_classes)
