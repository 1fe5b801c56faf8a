"""The step that asks what to do with booked patients a change of working time would strand.

The first POST of a change that strands appointments shows them instead of saving; the page posts the same
form data again with ``confirm`` set and a decision for each appointment (keep, cancel, or move to one of the
free times offered; or keep or cancel for all), and only then is the change saved — re-checked from scratch,
so an appointment booked in between is asked about too.
"""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.tenancy.clinic_time import clinic_time

from ..services.stranding import CANCEL, KEEP, Decision, Stranded

CONFIRM = "confirm"
# A move is posted as "move:" and the new start in ISO 8601 with its offset.
MOVE_PREFIX = "move:"
FOR_ALL = "for_all"
SHOWN = "stranded"
REASON = "cancel_reason"
# Fields of the confirmation step itself; everything else is the change's own form, posted again.
OWN_FIELDS = {"csrfmiddlewaretoken", CONFIRM, FOR_ALL, SHOWN, REASON}


def choice_field(appointment_id: int) -> str:
    return f"choice-{appointment_id}"


def is_confirming(post) -> bool:
    return post.get(CONFIRM) == "1"


def move_value(start: datetime) -> str:
    return MOVE_PREFIX + start.isoformat()


def _parse_choice(raw: str | None) -> Decision | None:
    if raw in (KEEP, CANCEL):
        return raw
    if raw and raw.startswith(MOVE_PREFIX):
        try:
            start = datetime.fromisoformat(raw.removeprefix(MOVE_PREFIX))
        except ValueError:
            return None  # a tampered value: the appointment is asked about again
        return start if start.tzinfo is not None else None
    return None


def decisions(post) -> dict[int, Decision] | None:
    """Appointment id → keep, cancel or the start to move it to, as decided on the confirmation step;
    None before that step."""
    if not is_confirming(post):
        return None
    for_all = post.get(FOR_ALL)
    decided = {}
    for raw in post.getlist(SHOWN):
        if not raw.isdigit():
            continue
        choice = for_all if for_all in (KEEP, CANCEL) else _parse_choice(post.get(choice_field(int(raw))))
        if choice is not None:
            decided[int(raw)] = choice
    return decided


def cancellation_reason(post) -> str:
    return (post.get(REASON) or "").strip() or _("The practitioner is not available at this time.")


def ask(
    request,
    context: dict,
    stranded: list[Stranded],
    *,
    what: str,
    elsewhere: int = 0,
    refused: dict[int, str] | None = None,
):
    """The confirmation page: the change's form data carried over in hidden fields, and the stranded
    appointments with a keep, cancel or move choice each (saying at which clinic, when not this one);
    ``elsewhere`` more, at clinics the person does not manage, are only counted. ``refused`` says why a
    chosen move could not be made."""
    refused = refused or {}
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
            "moves": [
                (
                    move_value(start),
                    clinic_time(start, item.appointment.clinic, "D j M, H:i"),
                    previous.get(item.appointment.pk) == start,
                )
                for start in item.free_times
            ],
            "refused": refused.get(item.appointment.pk, ""),
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
            "asked_before": is_confirming(request.POST) and not refused,
            "refused": bool(refused),
            "reason": request.POST.get(REASON, ""),
            "default_reason": _("The practitioner is not available at this time."),
        },
        status=200,
    )


def saved_message(base: str, stranded: list[Stranded], chosen: dict[int, Decision] | None) -> str:
    """The success message, saying what became of the patients the change stranded."""
    if not stranded:
        return base
    chosen = chosen or {}
    picked = [chosen.get(item.appointment.pk) for item in stranded]
    cancelled = sum(1 for choice in picked if choice == CANCEL)
    moved = sum(1 for choice in picked if isinstance(choice, datetime))
    kept = len(stranded) - cancelled - moved
    parts = [base]
    if cancelled:
        parts.append(
            ngettext(
                "%(count)s appointment cancelled; the patient is told.",
                "%(count)s appointments cancelled; the patients are told.",
                cancelled,
            )
            % {"count": cancelled}
        )
    if moved:
        parts.append(
            ngettext(
                "%(count)s appointment moved; the patient is told.",
                "%(count)s appointments moved; the patients are told.",
                moved,
            )
            % {"count": moved}
        )
    if kept:
        parts.append(
            ngettext(
                "%(count)s appointment kept outside working time: move it from the calendar.",
                "%(count)s appointments kept outside working time: move them from the calendar.",
                kept,
            )
            % {"count": kept}
        )
    return " ".join(parts)
