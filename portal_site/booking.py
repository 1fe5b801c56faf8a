"""The booking page: service → practitioner (or anyone) → day → time, as plain GET forms (no JavaScript
needed), then the confirm step (sign in or register first). Availability is always computed live."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from . import scheduling_bridge as bridge


def _int(value) -> int | None:
    try:
        parsed = int(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if 0 < parsed < 2**63 else None


def booking_view(request, page):
    clinic = page.portal_clinic
    context = page.get_context(request)  # the portal's context included (PortalPage.get_context)
    mode = bridge.online_mode(clinic)
    context["mode"] = mode
    if mode == "off":
        return render(request, "portal/booking_page.html", context)
    services = bridge.services(clinic)
    svc = bridge.service(clinic, request.GET.get("service")) if request.GET.get("service") else None
    context.update({"services": services, "service": svc})
    if svc is None:
        return render(request, "portal/booking_page.html", context)
    practitioners = bridge.practitioners_for(clinic, svc)
    chosen = request.GET.get("practitioner", "")
    practitioner_id = _int(chosen) if chosen not in ("", "any") else None
    if practitioner_id is not None and practitioner_id not in {p.pk for p in practitioners}:
        practitioner_id = None
        chosen = "any"
    today = timezone.now().astimezone(clinic.tzinfo).date()
    day = parse_date(request.GET.get("date") or "") if request.GET.get("date") else None
    if day is None or day < today:
        day = today
    day = min(day, today + timedelta(days=365))
    context.update(
        {
            "practitioners": practitioners,
            "practitioner_choice": chosen or "any",
            "day": day,
            "today": today,
            "prev_day": day - timedelta(days=1) if day > today else None,
            "next_day": day + timedelta(days=1),
            "names": {p.pk: p.name for p in practitioners},
        }
    )
    if request.GET.get("practitioner") is not None:
        found = bridge.slots(clinic, svc, practitioner_id, day)
        context["slots"] = found
        if not found:
            context["upcoming"] = bridge.next_slots(
                clinic, svc, practitioner_id, datetime.combine(day, datetime.min.time(), tzinfo=clinic.tzinfo)
            )
    return render(request, "portal/booking_page.html", context)


def parse_start(value: str, clinic) -> datetime | None:
    try:
        start = datetime.fromisoformat(str(value)[:40])
    except ValueError:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=clinic.tzinfo)
    return start


__all__ = ["booking_view", "parse_start", "date"]
