"""Every hook a plugin can implement. Each docstring is the hook's reference documentation: docs/plugins.md
is generated from this file (``manage.py plugin_docs``) and a test keeps the two in step.

Hooks named ``clinic_*`` are called per clinic: the core calls them only on plugins whose module is
switched on for that clinic. The others are global (called once, on every installed plugin).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest
    from django.urls import URLPattern, URLResolver

    from core.patients.models import Patient
    from core.plugins import events
    from core.plugins.types import (
        AppointmentAction,
        AppointmentFacts,
        AppointmentNow,
        ChartFact,
        DashboardWidget,
        ExportFile,
        HeldRecords,
        ModuleInfo,
        NavItem,
        PatientSection,
        ScheduledTask,
        SearchGroup,
        TimelineEntry,
    )
    from core.tenancy.models import Clinic, Membership, Organization

hookspec = pluggy.HookspecMarker("ehr")


def event_hook(spec):
    """Declare an event hook: its listeners take ``(clinic, event)`` and hear the payload that
    ``core.plugins.events.EVENTS`` names for the hook, delivered as that payload declares (a test keeps
    the two in step)."""
    spec.ehr_event = True
    return hookspec(spec)


@hookspec
def ehr_module() -> ModuleInfo:
    """Describe the module this plugin provides: its slug (the plugin's name), label, description, the
    modules it depends on, and whether it is on by default for a new clinic.

    Every plugin must implement this hook exactly once. Return a ``core.plugins.types.ModuleInfo``.
    """


@hookspec
def ehr_permissions() -> dict[str, Any]:
    """Return ``{"app_label.permission_name": rules_predicate}`` for the permissions this plugin checks.

    The core registers each one with ``rules.add_perm`` at start-up, so views, the API and templates all
    ask ``user.has_perm(name, obj)``. Build predicates from ``core.tenancy.predicates``.
    """


@hookspec
def ehr_office_urls() -> list[URLPattern | URLResolver]:
    """Return URL patterns for the back office, mounted under ``/office/c/<clinic_slug>/<module slug>/``.

    Every view receives ``clinic_slug`` and is wrapped once by ``require_module``: it answers 404 when the
    clinic is not one the signed-in member may see, a 404 page saying "<module> is switched off for
    <clinic>" (with the switch, for owners) when the module is off there, and sets ``request.clinic``
    before the view runs.
    """


@hookspec
def clinic_nav_items(request: HttpRequest, clinic: Clinic) -> list[NavItem]:
    """Return the back-office navigation entries this module adds for ``clinic``.

    Called only when the module is on for that clinic. Return ``core.plugins.types.NavItem`` objects; the
    core sorts them by ``order`` then label, and drops entries whose ``permission`` the user lacks.
    """


@hookspec
def clinic_dashboard_widgets(request: HttpRequest, clinic: Clinic) -> list[DashboardWidget]:
    """Return dashboard widgets for ``clinic`` (called only when the module is on for it).

    Each ``core.plugins.types.DashboardWidget`` names a template and its context; keep the work a widget
    does bounded (a few indexed queries), since the dashboard renders every widget on each visit.
    """


@hookspec
def clinic_patient_chart_tabs(request: HttpRequest, clinic: Clinic, patient: Patient) -> list[NavItem]:
    """Return the tabs this module adds to a patient's chart, for a chart opened in ``clinic``.

    Called only when the module is on for that clinic. Each tab is a ``NavItem`` whose ``url`` loads the
    tab's content (the page fetches it with htmx).
    """


@hookspec
def clinic_patient_chart_header(request: HttpRequest, clinic: Clinic, patient: Patient) -> list[ChartFact]:
    """Return the facts this module shows in the header strip of ``patient``'s chart opened in ``clinic``
    (allergies, active problems, current medications, alerts), as ``core.plugins.types.ChartFact``.

    Called only when the module is on for that clinic, on every chart page: keep it to a few indexed
    queries, and return only what the signed-in member may read (the front desk sees the allergy flag,
    not clinical detail). The core sorts the facts by ``order``; a fact's ``shows`` names the access-log
    category it reveals, which the core records for the page.
    """


@hookspec
def clinic_patient_sections(request: HttpRequest, clinic: Clinic, patient: Patient) -> list[PatientSection]:
    """Return this module's parts of ``patient``'s page opened in ``clinic`` (upcoming and past
    appointments, invoices with their balance, messages), as ``core.plugins.types.PatientSection``.

    The patient page is the front desk's hub: each module shows what it knows about the patient there.
    Called only when the module is on for that clinic, on every visit of the page: answer with a few
    bounded, indexed queries (a handful of rows and a link to the full list), and only what the
    signed-in member may read. The core sorts the sections by ``order``. Set a section's ``shows`` to the
    access-log category it reveals when it has rows: the core records one access per category shown.
    """


@hookspec
def clinic_office_search(
    request: HttpRequest, clinic: Clinic, query: str, patient_ids: list[int]
) -> list[SearchGroup]:
    """Return what this module finds for the office's search box at ``clinic`` (invoices by number,
    appointments of the patients found), as ``core.plugins.types.SearchGroup``.

    ``query`` is what was typed (stripped, at most 100 characters); ``patient_ids`` are the patients the
    core already found for it among those the member may see (at most ten), so a module can show their
    appointments without searching names again. Called only when the module is on for ``clinic``; answer
    with one or two bounded, indexed queries, at most ten hits a group, and only what the member may read.
    """


@hookspec
def clinic_patient_timeline_entries(
    request: HttpRequest,
    clinic: Clinic,
    patient: Patient,
    before: datetime | None,
    limit: int,
    kinds: list[str],
) -> list[TimelineEntry]:
    """Return up to ``limit`` of ``patient``'s timeline entries from this module, newest first, strictly
    older than ``before`` (None: from now on back), as ``core.plugins.types.TimelineEntry``.

    ``kinds`` is the filter the reader chose (empty: every kind); skip entries of other kinds without
    querying for them. The timeline merges every module's answer and shows the newest ``limit``; the next
    page asks again with ``before`` set to the oldest entry shown, so each module runs a bounded, indexed
    query whatever the length of the history. Return only what the signed-in member may read, each entry
    with ``shows`` set to the access-log category it reveals: the timeline records those of the entries on
    its page.
    """


@hookspec
def clinic_appointment_actions(
    request: HttpRequest, clinic: Clinic, appointments: list[AppointmentFacts]
) -> dict[int, list[AppointmentAction]]:
    """Return buttons to show next to appointments in the scheduling module's lists (today, the
    calendar), keyed by appointment id: the records module's "Start visit", for example.

    Called once per list with every appointment in it (answer with one query, not one per row), and only
    when the module is on for ``clinic``. Offer only what the signed-in member may do.
    """


@hookspec
def ehr_api_routers() -> list[tuple[str, Any]]:
    """Return ``[(prefix, ninja.Router), ...]`` to mount under ``/api/v1/clinics/{clinic_id}/<prefix>/``.

    The core checks the clinic belongs to the caller's organization and that this module is on for it
    before any operation runs (404 otherwise), and passes the clinic as ``request.clinic``. Operations
    read the clinic from there and do not declare a ``clinic_id`` parameter themselves.
    """


@hookspec
def ehr_scheduled_tasks() -> list[ScheduledTask]:
    """Return periodic jobs. Each ``ScheduledTask`` names a function taking ``clinic_id`` and a schedule.

    The core runs one fan-out job per task that enqueues the function once for every clinic where the
    module is on; the function runs inside that clinic's organization scope, language and timezone.
    """


@hookspec
def ehr_care_evidence(member: Membership, patient_id: int, since: Any) -> QuerySet | None:
    """Return a queryset whose rows show that practitioner ``member`` has cared for patient ``patient_id``
    since ``since`` (an SQL expression of a moment: filter on it, never evaluate it), e.g. an appointment
    with them at one of their clinics, or an encounter they wrote; None when this module has no such rows.

    The core asks whether any row exists in one query with every module's answer and the practitioner's
    break-glass grants: without one, the practitioner gives a reason before the chart opens. Keep the
    queryset on an index (organization, practitioner or patient first).
    """


@hookspec
def ehr_seed_demo(organization: Organization, clinics: dict[str, Clinic], users: dict[str, Any]) -> None:
    """Add this module's demo data for ``organization`` (called by ``manage.py seed_demo`` in its scope).

    ``clinics`` maps clinic slug to Clinic and ``users`` maps demo email to User. Must be idempotent:
    running the command twice must not duplicate anything.
    """


# --- events (core/plugins/events.py): each hook hears one payload type, delivered as the type declares ---
# Listeners take ``(clinic, event)``. The delivery (in_transaction, after_commit or in_worker) is the
# payload's, and the generated reference below states it for each hook.


@event_hook
def clinic_appointment_changed(clinic: Clinic, event: events.AppointmentChanged) -> None:
    """Something happened to an appointment at ``clinic``: ``event.change`` says what (``booked``,
    ``approved``, ``rescheduled``, ``cancelled``, ``no_show``, ``completed``, and ``status_changed`` for
    every status change alongside the specific one, with ``previous_status``)."""


@event_hook
def clinic_waitlist_slot_freed(clinic: Clinic, event: events.WaitlistSlotFreed) -> None:
    """A slot matching waiting patients became free at ``clinic`` (after a cancellation or a move).
    Notifications offers it to ``event.waiting``, never to ``event.freed_by_patient_id``."""


@event_hook
def clinic_invoice_issuing(clinic: Clinic, event: events.InvoiceIssuing) -> None:
    """An invoice is being issued at ``clinic``. Raise ``ValidationError`` with a translated reason to
    refuse the issue (inventory does when stock of a product line is short); nothing is written then."""


@event_hook
def clinic_invoice_issued(clinic: Clinic, event: events.InvoiceIssued) -> None:
    """An invoice was issued at ``clinic`` (the patient's message, the day's figures)."""


@event_hook
def clinic_invoice_crediting(clinic: Clinic, event: events.InvoiceCrediting) -> None:
    """A credit note is being issued against an invoice at ``clinic`` (inventory returns the stock of
    credited product lines). Raising ``ValidationError`` refuses the credit note."""


@event_hook
def clinic_invoice_credited(clinic: Clinic, event: events.InvoiceCredited) -> None:
    """A credit note was issued at ``clinic``."""


@event_hook
def clinic_payment_received(clinic: Clinic, event: events.PaymentReceived) -> None:
    """A payment was recorded against an invoice at ``clinic``."""


@event_hook
def clinic_stock_low(clinic: Clinic, event: events.StockLow) -> None:
    """Stock of an item at ``clinic`` fell to or below its reorder level (once per crossing)."""


@event_hook
def clinic_lots_expiring(clinic: Clinic, event: events.LotsExpiring) -> None:
    """The daily scan found lots at ``clinic`` expiring soon (or expired with stock left)."""


# --- questions asked inside a change (answered at once, in the caller's transaction) -----------------------


@hookspec
def clinic_appointment_validate(clinic: Clinic, action: str, appointment: Any, by: Any) -> str | None:
    """May this change to an appointment at ``clinic`` go ahead? Return None to allow it, or a translated
    reason to refuse it.

    Called per clinic inside the booking, rescheduling or status-change transaction, after the scheduling
    module's own checks and before anything is written. ``action`` is ``book``, ``reschedule`` or
    ``status``; ``appointment`` already carries the new values (unsaved; ``appointment.pk`` is None for a
    new booking). Any reason refuses the change: nothing is written, and the person gets the reason as a
    form message or a 422 API error. Keep listeners fast and free of side effects.
    """


@hookspec
def clinic_upcoming_appointments(clinic: Clinic, start_after: datetime, start_until: datetime) -> list[Any]:
    """Return the booked appointments at ``clinic`` starting after ``start_after`` and no later than
    ``start_until``, soonest first, as ``core.plugins.types.UpcomingAppointment`` (plain values): how
    notifications finds the visits to remind patients of without reading another module's tables.
    """


@hookspec(firstresult=True)
def clinic_appointment_now(clinic: Clinic, appointment_id: int) -> AppointmentNow | None:
    """Return appointment ``appointment_id`` at ``clinic`` as it is now, as a
    ``core.plugins.types.AppointmentNow`` (status and version), or None when this module does not know it.

    A worker listener compares the version with its event's: a message about a state the appointment has
    already left (booked, then cancelled before the worker ran) is not sent, since the later event says
    what is true now; a reminder is not sent for an appointment no longer booked.
    """


@hookspec(firstresult=True)
def clinic_appointment_facts(clinic: Clinic, appointment_id: int) -> AppointmentFacts | None:
    """Return appointment ``appointment_id`` at ``clinic`` as ``core.plugins.types.AppointmentFacts``
    (patient, practitioner, times, status, service), or None when this module does not know it.

    How a module that may not import scheduling learns about the visit it documents: the records module
    opens an encounter from an appointment this way.
    """


@hookspec
def clinic_billable_items(clinic: Clinic, query: str) -> list[Any]:
    """Return items this module can add to an invoice at ``clinic`` matching ``query`` (name or code).

    Each is a ``core.plugins.types.BillableItem``; the billing module lists them in its line picker.
    """


@hookspec
def ehr_patient_data_export(organization: Organization, patient: Patient) -> dict[str, Any]:
    """Return what this module keeps about ``patient`` at ``organization`` for the patient's "download my
    data" file: ``{"appointments": [...]}``, values that ``DjangoJSONEncoder`` writes (dates, decimals).

    Called inside that organization's scope on every installed module, whether or not it is on at the
    organization's clinics today: a switched-off module keeps its data, and the data is still the
    patient's. The portal puts each module's keys next to the patient's record in that organization's
    part of the file; ``organization`` and ``patient`` are the portal's own keys.
    """


@hookspec
def ehr_patient_export_files(organization: Organization, patient: Patient) -> list[ExportFile]:
    """Return the documents this module holds for ``patient`` at ``organization`` that belong in the
    patient's data download beside the JSON (Art. 15 and 20 GDPR): issued invoices' PDFs, files shared
    with the patient. Each is a ``core.plugins.types.ExportFile`` whose ``name`` is a path inside the
    ZIP (start it with the module's slug) and whose ``read()`` returns the bytes, called only while the
    ZIP is written. Same scope and switch rules as ``ehr_patient_data_export``.
    """


@hookspec
def ehr_patient_records_held(organization: Organization, patient: Patient) -> list[HeldRecords]:
    """Return what this module keeps about ``patient`` at ``organization``, by class of record: one
    ``core.plugins.types.HeldRecords`` per class (count and the date of the latest entry).

    An erasure request (Art. 17 GDPR) weighs each class against the retention period of the
    organization's country pack: a class still within it is kept, with the law that requires it.
    Called on every installed module inside the organization's scope, like the data export.
    """


@hookspec
def ehr_patient_erase(organization: Organization, patient: Patient, record_classes: frozenset[str]) -> None:
    """Erase or anonymise what this module keeps about ``patient`` in ``record_classes``: the classes
    whose retention period is over (or that have none). Runs inside the erasure's transaction; raise to
    undo the whole erasure. Leave the legal content of issued documents intact, and never touch a
    class not named.
    """


# --- public links -----------------------------------------------------------------------------------------


@hookspec
def ehr_public_urls() -> list[URLPattern | URLResolver]:
    """Return URL patterns reachable without signing in, mounted under ``/public/<module slug>/``: links
    that carry their own secret, such as a practitioner's calendar feed.

    No tenant scope is active. Each view resolves its secret to exactly one organization (looked up by a
    hash under a reviewed ``scopes_disabled``), answers 404 for anything unknown, revoked, or whose module
    is off, and does the rest inside ``scope(organization=...)``.
    """


# --- analytics --------------------------------------------------------------------------------------------


@hookspec
def ehr_metrics() -> list[Any]:
    """Return the metrics this module contributes to analytics: ``core.plugins.types.Metric`` objects.

    Analytics computes each only for the clinics where the contributing module is on.
    """


@hookspec
def ehr_fhir_resources() -> list[Any]:
    """Return the FHIR resource providers this module contributes to ``/fhir/R4/``.

    Each is a ``core.fhir.providers.ResourceProvider`` (usually a ``ModelProvider``): the resource type,
    the profiles it claims, its interactions and search parameters, and ``read``/``search`` (and
    ``create``/``update`` where the module accepts writes). The core handles credentials, SMART scopes,
    paging, Bundles, OperationOutcome errors and the CapabilityStatement; it sets each provider's
    ``module`` to this plugin, and a provider serves only clinics where the module is on
    (``ctx.clinic_ids_with(self.module)``). One provider per resource type across all modules.
    """


# The portal's hooks live in their own module; importing them here makes them part of this reference.
from .portal_hookspecs import *  # noqa: E402, F403
