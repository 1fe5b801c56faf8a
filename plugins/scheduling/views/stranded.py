"""The step that asks what to do with booked patients a change of working time would strand.

The first POST of a change that strands appointments shows them instead of saving; the page posts the same
form data again with ``confirm`` set and a decision for each appointment (or one for all), and only then is
the change saved — re-checked from scratch, so an appointment booked in between is asked about too.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from ..services.stranding import CANCEL, KEEP, Stranded

CONFIRM = "confirm"
FOR_ALL = "for_all"
SHOWN = "stranded"
REASON = "cancel_reason"
# Fields of the confirmation step itself; everything else is the change's own form, posted again.
OWN_FIELDS = {"csrfmiddlewaretoken", CONFIRM, FOR_ALL, SHOWN, REASON}


def choice_field(appointment_id: int) -> str:
    return f"choice-{appointment_id}"


def is_confirming(post) -> bool:
    return post.get(CONFIRM) == "1"


def decisions(post) -> dict[int, str] | None:
    """Appointment id → keep or cancel, as decided on the confirmation step; None before that step."""
    if not is_confirming(post):
        return None
    for_all = post.get(FOR_ALL)
    decided = {}
    for raw in post.getlist(SHOWN):
        if not raw.isdigit():
            continue
        choice = for_all if for_all in (KEEP, CANCEL) else post.get(choice_field(int(raw)))
        if choice in (KEEP, CANCEL):
            decided[int(raw)] = choice
    return decided


def cancellation_reason(post) -> str:
    return (post.get(REASON) or "").strip() or _("The practitioner is not available at this time.")


def ask(request, context: dict, stranded: list[Stranded], *, what: str, elsewhere: int = 0):
    """The confirmation page: the change's form data carried over in hidden fields, and the stranded
    appointments with a keep-or-cancel choice each (saying at which clinic, when not this one);
    ``elsewhere`` more, at clinics the person does not manage, are only counted."""
    replay = [
        (name, value)
        for name in request.POST
        if name not in OWN_FIELDS and not name.startswith("choice-")
        for value in request.POST.getlist(name)
    ]
    previous = decisions(request.POST) or {}
    here = context["clinic"].pk
    rows = [
        {
            "appointment": item.appointment,
            "why": item.why,
            "field": choice_field(item.appointment.pk),
            "cancel": previous.get(item.appointment.pk) == CANCEL,
            "other_clinic": None if item.appointment.clinic_id == here else item.appointment.clinic,
        }
        for item in stranded
    ]
    return render(
        request,
        "scheduling/settings/stranded.html",
        {
            **context,
            "what": what,
            "replay": replay,
            "rows": rows,
            "elsewhere": elsewhere,
            "asked_before": is_confirming(request.POST),
            "reason": request.POST.get(REASON, ""),
            "default_reason": _("The practitioner is not available at this time."),
        },
        status=200,
    )


def saved_message(base: str, stranded: list[Stranded], chosen: dict[int, str] | None) -> str:
    """The success message, saying what became of the patients the change stranded."""
    if not stranded:
        return base
    chosen = chosen or {}
    cancelled = sum(1 for item in stranded if chosen.get(item.appointment.pk) == CANCEL)
    kept = len(stranded) - cancelled
    parts = [base]
    if cancelled:
        parts.append(_("%(count)s appointment(s) cancelled; the patients are told.") % {"count": cancelled})
    if kept:
        parts.append(
            _("%(count)s appointment(s) kept outside working time: move them from the calendar.")
            % {"count": kept}
        )
    return " ".join(parts)
