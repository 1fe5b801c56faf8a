"""The clinic's scheduling set-up in the back office: services, working hours (weekly rules with effective
dates, and one-off extra hours, in settings_hours), time off, rooms, closures and the booking policy.

Services, rooms, closures and the policy belong to owners and the clinic's staff; working hours and time
off to owners, the clinic's staff, and each practitioner for themselves (see PERMISSIONS.md).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.office.decorators import member_required
from core.tenancy.access import check_perm, get_for_member
from core.tenancy.models import Membership, MembershipClinic, Role

from .. import selectors, setup
from ..forms.settings import (
    BookingPolicyForm,
    ClosureForm,
    RoomForm,
    ServiceForm,
    TimeOffForm,
)
from ..models import ClinicClosure, Room, Service, ServicePractitioner, TimeOff
from ..services.catalogue import create_service
from ..services.stranding import StrandsAppointments, change_working_time
from ..services.working_time import add_time_off
from . import stranded as stranded_step

TIME_OFF_DAYS_BACK = 7


def _page(request, clinic) -> dict:
    """What every set-up page needs: the section links show services, rooms and closures only to those
    who may change them."""
    return {"clinic": clinic, "can_manage_setup": request.user.has_perm("scheduling.manage_services", clinic)}


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**context, **_page(request, context["clinic"])}, status=status)


def _url(clinic, name: str, **kwargs) -> str:
    return reverse(f"office:scheduling:{name}", kwargs={"clinic_slug": clinic.slug, **kwargs})


def _get(request, model, pk, **filters):
    return get_for_member(request, model.objects.filter(**filters), pk)


def _team(clinic):
    """Members of the clinic who may see patients here (practitioners and owners), for the pickers."""
    return (
        Membership.objects.filter(
            organization_id=clinic.organization_id,
            is_active=True,
            role__in=[Role.PRACTITIONER, Role.OWNER],
            pk__in=MembershipClinic.objects.filter(
                organization_id=clinic.organization_id, clinic=clinic
            ).values("membership_id"),
        )
        .select_related("user")
        .order_by("display_name", "user__full_name", "id")
    )


def _schedulable(request, clinic):
    """Whose hours and time off the member may set: everyone on the team, or only themselves."""
    team = _team(clinic)
    if request.user.has_perm("scheduling.manage_services", clinic):  # owners and the clinic's staff
        return team
    return team.filter(pk=request.member.membership.pk)


# --- overview and booking policy ---------------------------------------------------------------------


@member_required
def settings_home(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.view_calendar", clinic)
    policy = selectors.booking_policy(clinic)
    can_edit = request.user.has_perm("scheduling.manage_booking_policy", clinic)
    form = BookingPolicyForm(request.POST or None, instance=policy)
    status = 200
    if request.method == "POST":
        check_perm(request, "scheduling.manage_booking_policy", clinic)
        status = 400
        if form.is_valid():
            try:
                setup.save_policy(clinic, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Booking policy saved."))
                return redirect(_url(clinic, "settings"))
    return _render(
        request,
        "scheduling/settings/home.html",
        {"clinic": clinic, "form": form, "can_edit": can_edit, "policy": policy},
        status=status,
    )


# --- services ----------------------------------------------------------------------------------------


@member_required
def settings_services(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.manage_services", clinic)
    team = _team(clinic)
    form = ServiceForm(request.POST or None, members=team)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            practitioners = list(data.pop("practitioners"))
            try:
                create_service(clinic, practitioners=practitioners, **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Service added."))
                return redirect(_url(clinic, "settings_services"))
    rows = list(
        Service.objects.filter(organization_id=clinic.organization_id, clinic=clinic).order_by(
            "-active", "name"
        )
    )
    offered: dict[int, list[str]] = {s.pk: [] for s in rows}
    for link in ServicePractitioner.objects.filter(
        organization_id=clinic.organization_id, service_id__in=list(offered)
    ).select_related("membership__user"):
        offered[link.service_id].append(link.membership.name)
    for service in rows:
        service.offered_by = offered[service.pk]
    return _render(
        request,
        "scheduling/settings/services.html",
        {"clinic": clinic, "form": form, "services": rows},
        status=status,
    )


@member_required
def settings_service_edit(request, clinic_slug, pk):
    clinic = request.clinic
    service = _get(request, Service, pk, clinic=clinic)
    check_perm(request, "scheduling.manage_services", service)
    team = _team(clinic)
    initial = {
        "practitioners": list(
            ServicePractitioner.objects.filter(
                organization_id=clinic.organization_id, service=service
            ).values_list("membership_id", flat=True)
        )
    }
    form = ServiceForm(request.POST or None, instance=service, members=team, initial=initial)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") in ("archive", "restore"):
            setup.set_service_active(service, request.POST["action"] == "restore")
            messages.success(
                request, _("Service archived.") if not service.active else _("Service restored.")
            )
            return redirect(_url(clinic, "settings_services"))
        status = 400
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in setup.SERVICE_FIELDS}
            try:
                setup.update_service(service, practitioners=list(form.cleaned_data["practitioners"]), **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Service saved."))
                return redirect(_url(clinic, "settings_services"))
    return _render(
        request,
        "scheduling/settings/service_edit.html",
        {"clinic": clinic, "form": form, "service": service},
        status=status,
    )


# --- time off --------------------------------------------------------------------------------------------


@member_required
def settings_time_off(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.manage_time_off", clinic)
    members = _schedulable(request, clinic)
    form = TimeOffForm(request.POST or None, members=members, tz=clinic.tzinfo)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            probe = TimeOff(organization_id=clinic.organization_id, membership=data["practitioner"])
            check_perm(request, "scheduling.manage_time_off", probe)
            chosen = stranded_step.decisions(request.POST)
            try:
                _entry, stranded = change_working_time(
                    clinic,
                    [data["practitioner"].pk],
                    data["start"],
                    data["end"],
                    lambda: add_time_off(
                        data["practitioner"], start=data["start"], end=data["end"], reason=data["reason"]
                    ),
                    decisions=chosen,
                    reason=stranded_step.cancellation_reason(request.POST),
                    by=request.user,
                    # Time off is the practitioner's at every clinic; only what this member may cancel
                    # is theirs to decide on.
                    everywhere=True,
                    may_decide=lambda a: request.user.has_perm("scheduling.cancel_appointment", a),
                )
            except StrandsAppointments as pending:
                return stranded_step.ask(
                    request,
                    _page(request, clinic),
                    pending.stranded,
                    what=_("This time off"),
                    elsewhere=pending.elsewhere,
                    refused=pending.refused,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, stranded_step.saved_message(_("Time off added."), stranded, chosen))
                return redirect(_url(clinic, "settings_time_off"))
    now = timezone.now()
    entries = setup.time_off_between(
        [m.pk for m in members],
        clinic.organization_id,
        now - timedelta(days=TIME_OFF_DAYS_BACK),
        now + timedelta(days=3650),
    )[:300]
    return _render(
        request,
        "scheduling/settings/time_off.html",
        {"clinic": clinic, "form": form, "entries": list(entries)},
        status=status,
    )


@member_required
@require_POST
def settings_time_off_delete(request, clinic_slug, pk):
    clinic = request.clinic
    entry = _get(request, TimeOff, pk, membership__in=_team(clinic))
    check_perm(request, "scheduling.manage_time_off", entry)
    setup.delete_time_off(entry)
    messages.success(request, _("Time off removed."))
    return redirect(_url(clinic, "settings_time_off"))


# --- rooms ---------------------------------------------------------------------------------------------


@member_required
def settings_rooms(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.manage_rooms", clinic)
    form = RoomForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                setup.save_room(clinic, name=form.cleaned_data["name"], active=form.cleaned_data["active"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Room added."))
                return redirect(_url(clinic, "settings_rooms"))
    rooms = Room.objects.filter(organization_id=clinic.organization_id, clinic=clinic).order_by(
        "-active", "name"
    )
    return _render(
        request,
        "scheduling/settings/rooms.html",
        {"clinic": clinic, "form": form, "rooms": list(rooms)},
        status=status,
    )


@member_required
def settings_room_edit(request, clinic_slug, pk):
    clinic = request.clinic
    room = _get(request, Room, pk, clinic=clinic)
    check_perm(request, "scheduling.manage_rooms", room)
    form = RoomForm(request.POST or None, initial={"name": room.name, "active": room.active})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                setup.save_room(
                    clinic, room=room, name=form.cleaned_data["name"], active=form.cleaned_data["active"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Room saved."))
                return redirect(_url(clinic, "settings_rooms"))
    return _render(
        request,
        "scheduling/settings/room_edit.html",
        {"clinic": clinic, "form": form, "room": room},
        status=status,
    )


# --- closures ------------------------------------------------------------------------------------------


@member_required
def settings_closures(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.manage_booking_policy", clinic)
    form = ClosureForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            chosen = stranded_step.decisions(request.POST)
            start, end = selectors.local_day_bounds(
                clinic.tzinfo, data["start_date"], max(data["start_date"], data["end_date"])
            )
            try:
                _closure, stranded = change_working_time(
                    clinic,
                    [member.pk for member in _team(clinic)],
                    start,
                    end,
                    lambda: setup.add_closure(clinic, **data),
                    decisions=chosen,
                    reason=stranded_step.cancellation_reason(request.POST),
                    by=request.user,
                )
            except StrandsAppointments as pending:
                return stranded_step.ask(
                    request,
                    _page(request, clinic),
                    pending.stranded,
                    what=_("This closure"),
                    refused=pending.refused,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, stranded_step.saved_message(_("Closure added."), stranded, chosen))
                return redirect(_url(clinic, "settings_closures"))
    today = timezone.now().astimezone(clinic.tzinfo).date()
    closures = ClinicClosure.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, end_date__gte=today - timedelta(days=30)
    ).order_by("start_date")[:200]
    return _render(
        request,
        "scheduling/settings/closures.html",
        {"clinic": clinic, "form": form, "closures": list(closures)},
        status=status,
    )


@member_required
@require_POST
def settings_closure_delete(request, clinic_slug, pk):
    clinic = request.clinic
    closure = _get(request, ClinicClosure, pk, clinic=clinic)
    check_perm(request, "scheduling.manage_booking_policy", closure)
    setup.delete_closure(closure)
    messages.success(request, _("Closure removed."))
    return redirect(_url(clinic, "settings_closures"))
