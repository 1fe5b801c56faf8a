from django.urls import path, reverse
from ninja import Router

from core.plugins.manager import hookimpl
from core.plugins.types import DashboardWidget, ModuleInfo, NavItem, ScheduledTask
from core.tenancy.predicates import is_member

from . import CALLS, views

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
