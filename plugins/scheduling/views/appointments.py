"""Back-office pages: the calendar (day and week, a column per practitioner), booking and rescheduling,
one-click status changes, today's list, requests awaiting approval, and a printable day sheet.

Every view is mounted under ``/office/c/<clinic_slug>/scheduling/`` and gated by the core, which sets
``request.clinic``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.audit.recording import record_ids
from core.audit.vocabulary import Action, Category
from core.dates import FIRST_DAY, LAST_DAY
from core.forms import apply_errors
from core.office.appointment_actions import attach_appointment_actions
from core.office.decorators import member_required
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm
from core.tenancy.models import Membership
from core.tenancy.modules import is_module_enabled

from .. import selectors
from ..access import access_appointment
from ..calendar import page as calendar_page
from ..calendar import render as calendar_render
from ..forms.appointments import AppointmentForm, RescheduleForm, StatusForm
from ..models import Appointment, Room, Status
from ..services.booking import book_appointment
from ..services.conflicts import SlotTaken, StaleAppointment
from ..services.rescheduling import reschedule
from ..services.status import set_status
from . import series as series_views

# One-click next steps offered for each status.
NEXT_STEPS = {
    Status.REQUESTED: [Status.BOOKED, Status.CANCELLED_CLINIC],
    Status.BOOKED: [Status.ARRIVED, Status.NO_SHOW, Status.CANCELLED_PATIENT, Status.CANCELLED_CLINIC],
    Status.ARRIVED: [Status.IN_PROGRESS, Status.COMPLETED],
    Status.IN_PROGRESS: [Status.COMPLETED],
}

# A button says what it does: a request is approved or declined, not set to "Booked" or "Cancelled by clinic".
ACTION_LABELS = {
    (Status.REQUESTED, Status.BOOKED): _lazy("Approve"),
    (Status.REQUESTED, Status.CANCELLED_CLINIC): _lazy("Decline"),
}


def next_steps_of(status: str) -> list[tuple[str, str]]:
    """The buttons an appointment in ``status`` offers, as ``(new status, label)``."""
    return [(s, str(ACTION_LABELS.get((status, s), Status(s).label))) for s in NEXT_STEPS.get(status, [])]


def _today(clinic) -> date:
    return timezone.now().astimezone(clinic.tzinfo).date()


def _parse_day(value, clinic) -> date:
    """The date asked for in the address, or today (in the clinic) for anything missing or unusable."""
    try:
        day = date.fromisoformat(str(value)) if value else None
    except ValueError:
        day = None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else _today(clinic)


def _record_listed(clinic, appointments) -> None:
    """The access log: the page lists these patients' appointments."""
    patient_ids = {a.patient_id for a in appointments}
    record_ids(clinic.organization_id, patient_ids, Category.APPOINTMENTS, Action.LIST, clinic=clinic)


def _decorate(appointments: list[Appointment]) -> list[Appointment]:
    for appointment in appointments:
        appointment.next_steps = next_steps_of(appointment.status)
    return appointments


def _columns(practitioners: list[Membership], appointments: list[Appointment]) -> list[dict]:
    by_practitioner: dict[int, list[Appointment]] = {m.pk: [] for m in practitioners}
    extra = {}
    for appointment in appointments:
        if appointment.practitioner_id not in by_practitioner:
            extra[appointment.practitioner_id] = appointment.practitioner
            by_practitioner[appointment.practitioner_id] = []
        by_practitioner[appointment.practitioner_id].append(appointment)
    people = [*practitioners, *extra.values()]
    return [{"practitioner": m, "appointments": by_practitioner[m.pk]} for m in people]


@member_required
def calendar(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.view_calendar", clinic)
    day = _parse_day(request.GET.get("date"), clinic)
    data = calendar_page.load(clinic, request.GET, day)
    rights = calendar_render.Rights()
    for membership in data.practitioners:
        probe = Appointment(
            organization_id=clinic.organization_id, clinic=clinic, practitioner_id=membership.pk
        )
        # Someone who no longer works here keeps their column, but is not offered for new bookings.
        bookable = not isinstance(membership, calendar_page.FormerPractitioner)
        rights.book[membership.pk] = bookable and request.user.has_perm("scheduling.book_appointment", probe)
        rights.act[membership.pk] = request.user.has_perm("scheduling.change_appointment", probe)

    def reverse_pk(name: str) -> str:
        return reverse(f"office:scheduling:{name}", kwargs={"clinic_slug": clinic.slug, "pk": "PK"})

    links = calendar_render.Links(
        create=reverse("office:scheduling:appointment_create", kwargs={"clinic_slug": clinic.slug}),
        edit=reverse_pk("appointment_edit"),
        status=reverse_pk("appointment_status"),
        move=reverse_pk("appointment_move"),
        here=request.get_full_path(),
        back=data.querystring,
        csrf=get_token(request),
    )
    room, service = data.filters["room"], data.filters["service"]
    day_link = request.GET.copy()
    day_link.pop("view", None)
    day_link["date"] = "DATE"
    markup = calendar_render.GridMarkup(
        data.grid,
        layout="day" if data.view == "day" else ("per_day" if data.per_day else "week"),
        day_link="?" + day_link.urlencode(),
        links=links,
        rights=rights,
        next_steps={status: next_steps_of(status) for status in NEXT_STEPS},
        muted=lambda a: bool((room and a.room_id != room) or (service and a.service_id != service)),
    )
    step = timedelta(days=len(data.days))
    grid = data.grid
    now = timezone.now().astimezone(clinic.tzinfo)
    # Where the clinic's clock stands, when today is shown: the page opens scrolled to it.
    now_minute = now.hour * 60 + now.minute if now.date() in data.days else None
    return render(
        request,
        "scheduling/calendar.html",
        {
            "clinic": clinic,
            "view": data.view,
            "day": day,
            "data": data,
            "grid": grid,
            "header_rows": 1 if data.view == "day" or data.per_day else 2,
            "grid_headers": mark_safe(markup.headers()),  # noqa: S308 -- escaped by the renderer
            "grid_body": mark_safe(markup.body()),  # noqa: S308 -- every text in it is escaped by the renderer
            "filter_query": {k: v for k, v in data.query.items() if k != "view"},
            "previous": data.days[0] - step,
            "next": data.days[0] + step,
            "today": now.date(),
            "now_minute": now_minute,
            "cancelled": data.cancelled,
        },
    )


@member_required
def today(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.view_calendar", clinic)
    day = _today(clinic)
    start, end = selectors.local_day_bounds(clinic.tzinfo, day, day)
    appointments = _decorate(list(selectors.appointments_between(clinic, start, end)))
    _record_listed(clinic, appointments)
    attach_appointment_actions(request, clinic, appointments)
    return render(
        request, "scheduling/today.html", {"clinic": clinic, "day": day, "appointments": appointments}
    )


@member_required
def day_sheet(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.view_calendar", clinic)
    day = _parse_day(request.GET.get("date"), clinic)
    start, end = selectors.local_day_bounds(clinic.tzinfo, day, day)
    appointments = list(
        selectors.appointments_between(clinic, start, end).exclude(
            status__in=[Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT]
        )
    )
    _record_listed(clinic, appointments)
    practitioners = selectors.clinic_practitioners(clinic)
    return render(
        request,
        "scheduling/day_sheet.html",
        {"clinic": clinic, "day": day, "columns": _columns(practitioners, appointments)},
    )


@member_required
def requests(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.view_calendar", clinic)
    pending = _decorate(list(selectors.pending_requests(clinic)[:200]))
    _record_listed(clinic, pending)
    return render(request, "scheduling/requests.html", {"clinic": clinic, "appointments": pending})


def _appointment_form(request, clinic, data=None, initial=None):
    patients = visible_patients(request.member).filter(archived=False).order_by("family_name", "given_name")
    practitioners = Membership.objects.filter(
        pk__in=[m.pk for m in selectors.clinic_practitioners(clinic)]
    ).select_related("user")
    return AppointmentForm(
        data,
        initial=initial,
        patients=patients,
        services=selectors.active_services(clinic),
        practitioners=practitioners,
        rooms=Room.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=True),
        tz=clinic.tzinfo,
        allow_override=request.user.has_perm("scheduling.override_availability", clinic),
    )


@member_required
def appointment_create(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.book_appointment", clinic)
    back = calendar_page.calendar_query(QueryDict((request.POST or request.GET).get("back", "")))
    form = _appointment_form(request, clinic, request.POST or None)
    if request.method != "POST":
        form.initial = _prefill(form, request.GET)
    in_dialog = _in_calendar_dialog(request)
    page = {
        "in_dialog": in_dialog,
        "clinic": clinic,
        "back": urlencode(back),
        "cancel_url": _calendar_url(clinic, _prefilled_start(form), back),
    }
    next_slots = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            probe = Appointment(
                organization_id=clinic.organization_id, clinic=clinic, practitioner=data["practitioner"]
            )
            check_perm(request, "scheduling.book_appointment", probe)
            override = bool(data.get("override"))
            if override:
                check_perm(request, "scheduling.override_availability", probe)
            common = {
                "clinic": clinic,
                "practitioner": data["practitioner"],
                "patient": data["patient"],
                "service": data["service"],
                "room": data.get("room"),
                "notes": data.get("notes", ""),
                "override": override,
                "by": request.user,
            }
            if data.get("repeat"):
                page["cancel_url"] = _calendar_url(clinic, data["start"], back)
                shown = series_views.book_from_form(request, clinic, form, common, page)
                return shown or _back_to_calendar(request, _calendar_url(clinic, data["start"], back))
            try:
                appointment = book_appointment(start=data["start"], **common)
            except SlotTaken as error:
                form.add_error("start", error.message)
                next_slots = error.next_slots
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Appointment booked."))
                return _back_to_calendar(request, _calendar_url(clinic, appointment.start, back))
    return render(
        request,
        "scheduling/_appointment_form_body.html" if in_dialog else "scheduling/appointment_form.html",
        {**page, "form": form, "next_slots": next_slots},
        status=status,
    )


PREFILL_FORMAT = "%Y-%m-%dT%H:%M"
CALENDAR_DIALOG = "calendar-dialog-body"


def _in_calendar_dialog(request) -> bool:
    """The calendar's script asked for the form to show it in its dialog (without script the form is a
    page of its own)."""
    return bool(request.htmx) and request.htmx.target == CALENDAR_DIALOG


def _back_to_calendar(request, url: str) -> HttpResponse:
    """After booking: back to the calendar; from the dialog, the page itself goes there (htmx)."""
    if _in_calendar_dialog(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _prefill(form, params) -> dict:
    """Initial values from a calendar cell's link: the practitioner, start, patient, service and room it
    names, each checked against the form's own choices; anything that does not fit is left out."""
    initial = {}
    for name in ("practitioner", "patient", "service", "room"):
        value = str(params.get(name) or "")
        if not value.isdigit() or len(value) > 18:
            continue
        try:
            initial[name] = form.fields[name].to_python(value).pk
        except (ValidationError, AttributeError):
            continue
    try:
        initial["start"] = datetime.strptime(str(params.get("start") or ""), PREFILL_FORMAT)
    except ValueError:
        pass
    return initial


def _prefilled_start(form) -> datetime | None:
    start = form.initial.get("start")
    return start if isinstance(start, datetime) else None


def _calendar_url(clinic, when: datetime | None, back: dict | None = None) -> str:
    """The calendar on the day of ``when`` (the clinic's local date; today when None), in the view and
    with the filters of ``back``."""
    url = reverse("office:scheduling:calendar", kwargs={"clinic_slug": clinic.slug})
    if when is None:
        day = _today(clinic)
    elif when.tzinfo is None:
        day = when.date()
    else:
        day = when.astimezone(clinic.tzinfo).date()
    return f"{url}?{urlencode({'date': day.isoformat(), **(back or {})})}"


@member_required
def appointment_edit(request, clinic_slug, pk):
    clinic = request.clinic
    appointment = access_appointment(request, pk, "scheduling.view_calendar")
    practitioners = Membership.objects.filter(
        pk__in=[m.pk for m in selectors.clinic_practitioners(clinic)]
    ).select_related("user")
    allow_override = request.user.has_perm("scheduling.override_availability", appointment)
    local_start = appointment.start.astimezone(clinic.tzinfo).replace(tzinfo=None)
    form = RescheduleForm(
        request.POST or None,
        initial={
            "start": local_start,
            "practitioner": appointment.practitioner_id,
            "version": appointment.version,
        },
        practitioners=practitioners,
        tz=clinic.tzinfo,
        allow_override=allow_override,
    )
    next_slots, status = [], 200
    if request.method == "POST":
        check_perm(request, "scheduling.change_appointment", appointment)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            probe = Appointment(
                organization_id=clinic.organization_id, clinic=clinic, practitioner=data["practitioner"]
            )
            check_perm(request, "scheduling.change_appointment", probe)
            try:
                moved = reschedule(
                    appointment,
                    expected_version=data["version"],
                    start=data["start"],
                    practitioner=data["practitioner"],
                    override=bool(data.get("override")),
                    by=request.user,
                )
            except StaleAppointment as error:
                form.add_error(None, error.message)
                status = 409
            except SlotTaken as error:
                form.add_error("start", error.message)
                next_slots, status = error.next_slots, 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Appointment moved."))
                return redirect(_calendar_url(clinic, moved.start))
    _decorate([appointment])
    return render(
        request,
        "scheduling/appointment_edit.html",
        {
            "clinic": clinic,
            "appointment": appointment,
            "form": form,
            "next_slots": next_slots,
            "billing_on": is_module_enabled(clinic, "billing"),
        },
        status=status,
    )


@member_required
@require_POST
def appointment_status(request, clinic_slug, pk):
    clinic = request.clinic
    appointment = access_appointment(request, pk, "scheduling.set_appointment_status")
    form = StatusForm(request.POST)
    back = request.POST.get("next") or _calendar_url(clinic, appointment.start)
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = _calendar_url(clinic, appointment.start)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect(back)
    try:
        set_status(
            appointment,
            form.cleaned_data["status"],
            by=request.user,
            reason=form.cleaned_data.get("reason") or "",
            expected_version=form.cleaned_data.get("version"),
        )
    except StaleAppointment as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(patient)s: %(status)s.")
            % {"patient": appointment.patient.full_name, "status": Status(form.cleaned_data["status"]).label},
        )
    return redirect(back)
