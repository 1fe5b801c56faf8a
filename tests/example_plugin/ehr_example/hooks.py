from decimal import Decimal

from django.urls import path, reverse
from ninja import Router

from core.plugins.manager import hookimpl
from core.plugins.types import BillableItem, DashboardWidget, Metric, ModuleInfo, NavItem, ScheduledTask
from core.tenancy.predicates import is_member

from . import CALLS, HEARD, views

router = Router()


@router.get("/ping")
def ping(request):
    return {"clinic": request.clinic.name}


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="example",
        label="Example",
        description="A demonstration module installed through an entry point.",
        default_enabled=True,
    )


@hookimpl
def ehr_permissions():
    return {"ehr_example.view_notes": is_member}


@hookimpl
def ehr_office_urls():
    return [path("notes/", views.notes, name="notes")]


@hookimpl
def clinic_nav_items(request, clinic):
    CALLS.append(("nav", clinic.pk))
    return [
        NavItem(
            "Example notes",
            reverse("office:example:notes", kwargs={"clinic_slug": clinic.slug}),
            permission="ehr_example.view_notes",
        )
    ]


@hookimpl
def clinic_dashboard_widgets(request, clinic):
    CALLS.append(("widget", clinic.pk))
    return [DashboardWidget("Example", "ehr_example/widget.html", {"message": f"Hello from {clinic.name}"})]


@hookimpl
def clinic_patient_chart_tabs(request, clinic, patient):
    CALLS.append(("chart", clinic.pk))
    return [NavItem("Example tab", f"/office/c/{clinic.slug}/example/notes/")]


@hookimpl
def ehr_api_routers():
    return [("example", router)]


@hookimpl
def ehr_scheduled_tasks():
    return [ScheduledTask(name="nightly", func="ehr_example.tasks.nightly", minutes=1440)]


@hookimpl
def ehr_seed_demo(organization, clinics, users):
    CALLS.append(("seed", organization.pk))


# Events other modules announce: the example records that it heard them (per clinic, gated), and keeps
# each typed payload so tests can check what the emitter sent.


def _heard(name: str, clinic, event) -> None:
    CALLS.append((name, clinic.pk))
    HEARD.append(event)


@hookimpl
def clinic_appointment_changed(clinic, event):
    _heard(f"appointment_{event.change}", clinic, event)


# Staff notes containing this marker make the example refuse the change (a veto with a reason).
VETO_MARKER = "[example: refuse]"


@hookimpl
def clinic_appointment_validate(clinic, action, appointment, by):
    CALLS.append((f"validate_{action}", clinic.pk))
    if VETO_MARKER in (appointment.staff_notes or ""):
        from django.utils.translation import gettext as _

        return _("The example module refuses this appointment (%(action)s).") % {"action": action}
    return None


@hookimpl
def clinic_waitlist_slot_freed(clinic, event):
    _heard("waitlist", clinic, event)


@hookimpl
def clinic_billable_items(clinic, query):
    CALLS.append(("billable", clinic.pk))
    return [BillableItem("example", "EX-1", "Example item", Decimal("9.50"), clinic.currency)]


@hookimpl
def clinic_invoice_issuing(clinic, event):
    _heard("invoice_issuing", clinic, event)


@hookimpl
def clinic_invoice_issued(clinic, event):
    _heard("invoice_issued", clinic, event)


@hookimpl
def clinic_invoice_crediting(clinic, event):
    _heard("invoice_crediting", clinic, event)


@hookimpl
def clinic_invoice_credited(clinic, event):
    _heard("invoice_credited", clinic, event)


@hookimpl
def clinic_payment_received(clinic, event):
    _heard("payment", clinic, event)


@hookimpl
def clinic_stock_low(clinic, event):
    _heard("stock_low", clinic, event)


@hookimpl
def clinic_lots_expiring(clinic, event):
    _heard("lots_expiring", clinic, event)


@hookimpl
def clinic_upcoming_appointments(clinic, start_after, start_until):
    CALLS.append(("upcoming_appointments", clinic.pk))
    return []


@hookimpl
def clinic_appointment_now(clinic, appointment_id):
    CALLS.append(("appointment_now", clinic.pk))
    return None  # the example keeps no appointments


@hookimpl
def clinic_portal_calls_to_action(request, clinic):
    CALLS.append(("portal_call_to_action", clinic.pk))
    return []


@hookimpl
def ehr_portal_blocks():
    return []


@hookimpl
def clinic_portal_context(request, clinic):
    CALLS.append(("portal", clinic.pk))
    return {"example_greeting": f"Welcome to {clinic.name}"}


@hookimpl
def ehr_portal_urls():
    return [path("", views.portal_corner, name="corner")]


@hookimpl
def clinic_portal_account_links(request, clinic):
    CALLS.append(("portal_links", clinic.pk))
    return [NavItem("Example corner", "account/example/")]


@hookimpl
def ehr_portal_public_urls():
    return [path("hello/", views.portal_hello, name="hello")]


# The booking page asked with this query answers from the example (scheduling answers otherwise).
EXAMPLE_BOOKING = "example"


@hookimpl
def clinic_portal_booking(request, clinic, page):
    CALLS.append(("portal_booking", clinic.pk))
    if request.GET.get("with") != EXAMPLE_BOOKING:
        return None
    from django.http import HttpResponse

    return HttpResponse(f"example booking on {page.title} of {clinic.name}")


@hookimpl
def ehr_portal_account_sections(request, organization, patient, clinics):
    CALLS.append(("portal_sections", organization.pk))
    return [
        DashboardWidget(
            "Example section",
            "ehr_example/portal_section.html",
            {"patient_name": patient.given_name, "clinic_names": [c.name for c in clinics]},
            order=50,
        )
    ]


@hookimpl
def ehr_patient_data_export(organization, patient):
    CALLS.append(("data_export", organization.pk))
    return {"example": {"initials": f"{patient.given_name[:1]}{patient.family_name[:1]}"}}


@hookimpl
def ehr_public_urls():
    return [path("card/<str:token>/", views.public_card, name="card")]


@hookimpl
def ehr_metrics():
    return [
        Metric(
            "example_clinics", "Clinics counted", "count", lambda clinic_ids, start, end, **f: len(clinic_ids)
        )
    ]
