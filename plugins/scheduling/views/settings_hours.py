"""The clinic's working hours in the back office: weekly rules with effective dates, one-off extra hours,
and changing or removing a rule — which, when it would leave booked patients outside working hours, first
asks what to do with each of them (the same step as time off and closures)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from core.forms import apply_errors
from core.office.decorators import member_required
from core.tenancy.access import check_perm

from .. import setup
from ..forms.settings import ExtraHoursForm, WorkingHoursForm
from ..models import WorkingHours
from ..services.stranding import FAR_FUTURE, StrandsAppointments, change_working_time
from ..services.working_time import add_working_hours
from . import stranded as stranded_step
from .settings import _get, _page, _render, _schedulable, _url


def _hours_probe(clinic, membership) -> WorkingHours:
    return WorkingHours(organization_id=clinic.organization_id, clinic=clinic, membership=membership)


@member_required
def settings_hours(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.manage_working_hours", clinic)
    members = _schedulable(request, clinic)
    kind = request.POST.get("kind") if request.method == "POST" else None
    today = timezone.now().astimezone(clinic.tzinfo).date()
    weekly = WorkingHoursForm(
        request.POST if kind == "weekly" else None,
        members=members,
        initial={"valid_from": today},
        prefix="weekly",
    )
    extra = ExtraHoursForm(request.POST if kind == "extra" else None, members=members, prefix="extra")
    status = 200
    if kind in ("weekly", "extra"):
        form = weekly if kind == "weekly" else extra
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            check_perm(request, "scheduling.manage_working_hours", _hours_probe(clinic, data["practitioner"]))
            try:
                if kind == "weekly":
                    add_working_hours(
                        clinic,
                        data["practitioner"],
                        weekday=data["weekday"],
                        start_time=data["start_time"],
                        end_time=data["end_time"],
                        valid_from=data["valid_from"],
                        valid_until=data.get("valid_until"),
                    )
                else:
                    setup.add_extra_hours(
                        clinic,
                        data["practitioner"],
                        day=data["day"],
                        start=data["start_time"],
                        end=data["end_time"],
                    )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Working hours added."))
                return redirect(_url(clinic, "settings_hours"))
    rules = (
        WorkingHours.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, membership__in=members
        )
        .select_related("membership__user")
        .order_by("membership_id", "weekday", "start_time", "valid_from")
    )
    return _render(
        request,
        "scheduling/settings/hours.html",
        {"clinic": clinic, "weekly": weekly, "extra": extra, "rules": list(rules), "today": today},
        status=status,
    )


@member_required
def settings_hours_edit(request, clinic_slug, pk):
    clinic = request.clinic
    hours = _get(request, WorkingHours, pk, clinic=clinic)
    check_perm(request, "scheduling.manage_working_hours", hours)
    members = _schedulable(request, clinic)
    form = WorkingHoursForm(
        request.POST or None,
        members=members,
        initial={
            "practitioner": hours.membership_id,
            "weekday": hours.weekday,
            "start_time": hours.start_time,
            "end_time": hours.end_time,
            "valid_from": hours.valid_from,
            "valid_until": hours.valid_until,
        },
    )
    del form.fields["practitioner"]  # a rule stays with its practitioner
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            return _save(
                request, clinic, hours, form, lambda: setup.delete_working_hours(hours), deleting=True
            )
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def update():
                return setup.update_working_hours(
                    hours,
                    weekday=data["weekday"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    valid_from=data["valid_from"],
                    valid_until=data.get("valid_until"),
                )

            return _save(request, clinic, hours, form, update, deleting=False)
    return _edit_page(request, clinic, form, hours, status)


def _save(request, clinic, hours: WorkingHours, form, change, *, deleting: bool):
    """Cut or remove a weekly rule; the booked appointments ahead that it would leave outside working
    hours are listed first, to keep or cancel (with the patient told), as for time off and closures."""
    chosen = stranded_step.decisions(request.POST)
    now = timezone.now()
    try:
        _result, stranded = change_working_time(
            clinic,
            [hours.membership_id],
            now,
            now + FAR_FUTURE,
            change,
            decisions=chosen,
            reason=stranded_step.cancellation_reason(request.POST),
            by=request.user,
        )
    except StrandsAppointments as pending:
        what = _("Removing these working hours") if deleting else _("This change of working hours")
        return stranded_step.ask(
            request, _page(request, clinic), pending.stranded, what=what, refused=pending.refused
        )
    except ValidationError as error:
        apply_errors(form, error)
        return _edit_page(request, clinic, form, hours, 400)
    done = _("Working hours removed.") if deleting else _("Working hours saved.")
    messages.success(request, stranded_step.saved_message(done, stranded, chosen))
    return redirect(_url(clinic, "settings_hours"))


def _edit_page(request, clinic, form, hours, status):
    return _render(
        request,
        "scheduling/settings/hours_edit.html",
        {"clinic": clinic, "form": form, "hours": hours},
        status=status,
    )
