"""How pages, API operations, PDFs and exports declare what they show, and how it becomes the access log.

A request collects what it showed while it runs and writes it once, in one INSERT, after the response is
ready: one ``AccessEvent`` per patient, category and action, however many queries the page made.

* The roads to a patient (``core.patients.access.access_patient`` and the module helpers built on it) call
  ``saw_patient``: taking the road is what makes a request about a patient.
* A view or API operation names the categories it shows with ``@shows(...)``; a request that saw a patient
  but declared nothing is recorded as having shown the demographics (the name on every page).
* A page listing many patients (a search, a calendar, an invoice list) calls ``record_access`` for each
  patient shown, with ``Action.LIST``.

Only answers the person actually received are recorded (status below 400). Outside a request (tasks,
commands) nothing is collected.
"""

from __future__ import annotations

import contextvars
import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django_scopes import scope

from .request_info import client_ip
from .vocabulary import Action, Category, Channel

_current: contextvars.ContextVar[AccessLog | None] = contextvars.ContextVar("ehr_access_log", default=None)


@dataclass
class AccessLog:
    """What one request showed, collected until the response is ready."""

    declared: set[tuple[str, str]] = field(default_factory=set)
    # patient -> [organization, clinic, categories the roads taken show by themselves]
    seen: dict[int, list] = field(default_factory=dict)
    explicit: dict[tuple, None] = field(default_factory=dict)  # (org, patient, clinic, category, action)
    # Who acted when nobody is signed in (a FHIR backend application, by its client id).
    actor_label: str = ""
    role: str = ""

    def rows(self) -> list[tuple]:
        wanted = dict(self.explicit)
        for patient_id, (organization_id, clinic_id, implied) in self.seen.items():
            shown = self.declared or {
                (category, Action.VIEW) for category in implied or [Category.DEMOGRAPHICS]
            }
            for category, action in shown:
                wanted.setdefault((organization_id, patient_id, clinic_id, category, action), None)
        # One row per patient, category and action, whichever clinic the helpers saw it at first.
        unique = {}
        for key in wanted:
            unique.setdefault((key[0], key[1], key[3], key[4]), key)
        return list(unique.values())


def current() -> AccessLog | None:
    return _current.get()


def _clinic_of(patient) -> int | None:
    """The clinic a patient belongs to when there is exactly one (already loaded by the access helper)."""
    links = getattr(patient, "_prefetched_objects_cache", {}).get("patientclinic_set")
    if links is not None and len(links) == 1:
        return links[0].clinic_id
    return None


def saw_patient(patient, clinic=None, *, category: str | None = None) -> None:
    """The request reached ``patient`` through an access road; ``category`` is what that road's
    object belongs to (an invoice, a note), used when the view declares nothing itself."""
    log = current()
    if log is None or patient is None:
        return
    clinic_id = clinic.pk if clinic is not None else _clinic_of(patient)
    entry = log.seen.setdefault(patient.pk, [patient.organization_id, clinic_id, set()])
    if entry[1] is None:
        entry[1] = clinic_id
    if category:
        entry[2].add(category)


def record_access(
    patient, category: str, action: str = Action.VIEW, *, clinic=None, organization_id: int | None = None
) -> None:
    """The request showed ``category`` of ``patient`` (None for organization-wide data, e.g. the audit
    log itself, then ``organization_id`` names whose)."""
    log = current()
    if log is None:
        return
    org = patient.organization_id if patient is not None else organization_id
    clinic_id = clinic.pk if clinic is not None else (_clinic_of(patient) if patient is not None else None)
    log.explicit.setdefault(
        (org, patient.pk if patient is not None else None, clinic_id, category, action), None
    )


def record_ids(
    organization_id: int, patient_ids: Iterable[int], category: str, action: str = Action.VIEW, *, clinic=None
) -> None:
    """``record_access`` by id, for rows that carry a patient id (a list of invoices, FHIR resources)."""
    log = current()
    if log is None:
        return
    clinic_id = clinic.pk if clinic is not None else None
    for patient_id in patient_ids:
        if patient_id is not None:
            log.explicit.setdefault((organization_id, int(patient_id), clinic_id, category, action), None)


def record_list(patients: Iterable, category: str, *, clinic=None) -> None:
    """The request listed these patients (search results, a day's calendar, an invoice list)."""
    for patient in patients:
        record_access(patient, category, Action.LIST, clinic=clinic)


def declare(*categories: str, action: str = Action.VIEW) -> None:
    log = current()
    if log is not None:
        log.declared.update((category, action) for category in categories)


def declare_shown(parts: Iterable) -> None:
    """Declare the categories that the parts a page gathered from modules (patient sections, chart header
    facts, timeline entries) say they show through their ``shows`` field."""
    declare(*{part.shows for part in parts if part.shows})


def shows(*categories: str, action: str = Action.VIEW):
    """Declare the categories of patient data a view or API operation shows (``action``: view, print…)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            declare(*categories, action=action)
            return view(*args, **kwargs)

        wrapped.ehr_shows = tuple(categories)
        return wrapped

    return decorator


def _channel(request) -> str:
    if getattr(request, "portal_clinic", None) is not None:
        return Channel.PORTAL
    if request.path.startswith("/fhir/"):
        return Channel.FHIR
    if request.path.startswith("/api/"):
        return Channel.API
    return Channel.OFFICE


def _role(request) -> str:
    member = getattr(request, "member", None)
    if member is not None:
        return member.role
    return "patient" if getattr(request, "portal_clinic", None) is not None else ""


def write(log: AccessLog, request) -> int:
    """Write what ``log`` collected, one INSERT per organization; returns how many rows."""
    from .models import AccessEvent

    rows = log.rows()
    if not rows:
        return 0
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    common = {
        "actor_id": user.pk if signed_in else None,
        "actor_label": (user.email if signed_in else log.actor_label)[:254],
        "role": log.role or _role(request),
        "channel": _channel(request),
        "request_id": (getattr(request, "request_id", "") or uuid.uuid4().hex)[:64],
        "client_address": client_ip(request) or "",
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        "at": timezone.now(),
    }
    by_organization: dict[int, list] = {}
    for organization_id, patient_id, clinic_id, category, action in rows:
        by_organization.setdefault(organization_id, []).append(
            AccessEvent(
                organization_id=organization_id,
                patient_id=patient_id,
                clinic_id=clinic_id,
                category=category,
                action=action,
                **common,
            )
        )
    for organization_id, events in by_organization.items():
        with scope(organization=organization_id):
            AccessEvent.objects.bulk_create(events)
    return len(rows)


class AccessLogMiddleware:
    """Collect what the request shows; write it once the response is ready."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        log = AccessLog()
        token = _current.set(log)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if response.status_code < 400:
            write(log, request)
        return response


def api_shows(*categories: str, action: str = Action.VIEW):
    """``shows`` for django-ninja operations (applied to the operation's run, so ninja still reads the
    function's own signature): put it under the ``@router.get(...)`` line."""
    from ninja.decorators import decorate_view

    return decorate_view(shows(*categories, action=action))
