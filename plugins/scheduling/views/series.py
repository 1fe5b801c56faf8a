"""Booking a repeating appointment from the office's booking form.

The form is sent once; when every date is free the series is booked at once. When some date is not, nothing
is booked: the dates that cannot be booked are shown with the reason, and for each one the office picks
"skip this date" or one of the nearest free times that day (or drops the whole series). That answer is sent
with the same form again (its fields ride along hidden), and the series is checked and booked anew under
the diaries' locks: a date taken meanwhile brings the list back, with the new reason, and nothing written.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.forms import apply_errors

from ..services.conflicts import SlotTaken
from ..services.series import book_series
from ..services.series_plan import SeriesConflicts, parse_choices

# Each date's choice is sent as ``on-YYYY-MM-DD``: "skip" or another time of that day ("HH:MM").
CHOICE_PREFIX = "on-"


def sent_choices(post) -> dict[str, str]:
    return {
        key.removeprefix(CHOICE_PREFIX): value for key, value in post.items() if key.startswith(CHOICE_PREFIX)
    }


def book_from_form(request, clinic, form, common: dict, page: dict):
    """Book the series the valid ``form`` describes. ``common`` holds the booking's arguments, ``page``
    what the booking form's page needs to be shown again.

    None when the series was booked (the caller goes back to the calendar); else the page to show: the
    dates to decide on (409), or the form with its error (400)."""
    data = form.cleaned_data
    try:
        choices = parse_choices(sent_choices(request.POST))
        result = book_series(
            first_start=data["start"],
            frequency=data["repeat"],
            interval=data.get("interval") or 1,
            count=data["count"],
            choices=choices,
            **common,
        )
    except SeriesConflicts as conflicts:
        return _conflicts_page(request, clinic, form, conflicts.plan, page)
    except SlotTaken as error:
        form.add_error("start", error.message)
    except ValidationError as error:
        apply_errors(form, error)
    else:
        booked = len(result.booked)
        messages.success(
            request,
            ngettext("%(n)s appointment booked.", "%(n)s appointments booked.", booked) % {"n": booked},
        )
        if result.skipped:
            left_out = ", ".join(f"{o.day:%Y-%m-%d}" for o in result.skipped)
            messages.info(request, _("Left out, as chosen: %(dates)s.") % {"dates": left_out})
        return None
    return _form_page(request, form, page, status=400)


def _conflicts_page(request, clinic, form, plan, page):
    in_dialog = page["in_dialog"]
    return render(
        request,
        "scheduling/_series_conflicts.html" if in_dialog else "scheduling/series_conflicts.html",
        {
            **page,
            "clinic": clinic,
            "form": form,
            "plan": plan,
            "choice_prefix": CHOICE_PREFIX,
            "free_count": len(plan.to_book),
            "total": len(plan.occurrences),
        },
        status=409,
    )


def _form_page(request, form, page, *, status):
    template = (
        "scheduling/_appointment_form_body.html" if page["in_dialog"] else "scheduling/appointment_form.html"
    )
    return render(request, template, {**page, "form": form, "next_slots": []}, status=status)
