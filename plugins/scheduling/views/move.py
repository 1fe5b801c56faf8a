"""Moving an appointment by dragging it on the calendar: the page's script posts the new wall-clock start
and practitioner with the version it showed, and gets JSON back. The move goes through the same service
as the edit form, so working hours, the booking window, overlaps and stale versions are refused the same
way (the edit form stays the keyboard way to do the same)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.office.decorators import member_required
from core.tenancy.access import check_perm
from core.tenancy.models import Membership

from .. import selectors
from ..access import access_appointment
from ..forms.appointments import RescheduleForm
from ..models import Appointment
from ..services.conflicts import SlotTaken, StaleAppointment
from ..services.rescheduling import reschedule
from .appointments import _calendar_url


def _refused(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "message": str(message), **extra}, status=status)


@member_required
@require_POST
def appointment_move(request, clinic_slug, pk):
    clinic = request.clinic
    appointment = access_appointment(request, pk, "scheduling.change_appointment")
    practitioners = Membership.objects.filter(
        pk__in=[m.pk for m in selectors.clinic_practitioners(clinic)]
    ).select_related("user")
    form = RescheduleForm(request.POST, practitioners=practitioners, tz=clinic.tzinfo, allow_override=False)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _refused(message or _("Choose a valid time."), 400)
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
            by=request.user,
        )
    except StaleAppointment as error:
        return _refused(error.message, 409, current_version=error.current_version)
    except SlotTaken as error:
        local = [s.start.astimezone(clinic.tzinfo).strftime("%Y-%m-%d %H:%M") for s in error.next_slots]
        message = error.message
        if local:
            message = f"{message} " + _("Next free: %(times)s.") % {"times": ", ".join(local)}
        return _refused(message, 409)
    except ValidationError as error:
        return _refused(" ".join(error.messages), 400)
    return JsonResponse(
        {
            "ok": True,
            "message": _("Appointment moved."),
            "version": moved.version,
            "start": moved.start.isoformat(),
            "url": _calendar_url(clinic, moved.start),
        }
    )
