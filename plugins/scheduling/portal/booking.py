"""Online booking on a clinic's portal: the booking page's steps (service → practitioner or anyone → day →
time, as plain GET forms that need no JavaScript) and the confirmation, where the visitor signs in or
registers first. Availability is always computed live.

The portal serves its booking page through ``clinic_portal_booking``; the confirmation is a public portal
route (``ehr_portal_public_urls``) at ``/c/<clinic_slug>/scheduling/confirm/``. The portal's module gate
has resolved the clinic, answered 404 where scheduling is off and opened the clinic's organization scope.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.accounts import patient_in

from ..models import Channel, OnlineMode, Status
from ..selectors import booking_policy
from ..services.booking import book_appointment
from ..services.conflicts import SlotTaken
from . import selectors as online

# The furthest day the booking page moves to, whatever the address asks for.
FURTHEST_DAY = timedelta(days=365)


def portal_page_context(request, **extra) -> dict:
    """The portal's look and menus for ``request.portal_clinic``, with ``extra``."""
    from portal_site.api import portal_context

    return {**portal_context(request, request.portal_clinic), **extra}


def booking_page(request, clinic, page):
    """The booking page's steps, or None where the clinic takes no online bookings (the portal then says
    that online booking is not available)."""
    mode = online.online_mode(clinic)
    if mode == OnlineMode.OFF:
        return None
    context = page.get_context(request)  # the portal's context included (PortalPage.get_context)
    context["mode"] = mode
    services = online.online_services(clinic)
    chosen_service = request.GET.get("service")
    service = next((s for s in services if s.pk == online.positive_int(chosen_service)), None)
    context.update({"services": services, "service": service})
    if service is None:
        # Opened from a practitioner's card ("Book with Dr. Adams"): offer what they offer, and carry
        # the choice on to the next step, where their free times are shown at once.
        practitioner = online.chosen_practitioner(clinic, request.GET.get("practitioner"))
        if practitioner is not None:
            context["services"] = online.services_offered_by(clinic, services, practitioner) or services
            context["preselected"] = practitioner
        return render(request, "scheduling/portal/booking.html", context)
    practitioners = online.practitioners_for(clinic, service)
    chosen = request.GET.get("practitioner", "")
    practitioner_id = online.positive_int(chosen) if chosen not in ("", "any") else None
    if practitioner_id is not None and practitioner_id not in {p.pk for p in practitioners}:
        practitioner_id = None
        chosen = "any"
    today = timezone.now().astimezone(clinic.tzinfo).date()
    day = online.parse_day(request.GET.get("date"))
    if day is None or day < today:
        day = today
    day = min(day, today + FURTHEST_DAY)
    context.update(
        {
            "practitioners": practitioners,
            "practitioner_choice": chosen or "any",
            "day": day,
            "today": today,
            "prev_day": day - timedelta(days=1) if day > today else None,
            "next_day": day + timedelta(days=1),
        }
    )
    if request.GET.get("practitioner") is not None:
        found = online.free_slots(clinic, service, practitioner_id, day)
        context["slots"] = found
        if not found:
            context["upcoming"] = online.next_free_slots(
                clinic,
                service,
                practitioner_id,
                datetime.combine(day, datetime.min.time(), tzinfo=clinic.tzinfo),
            )
    return render(request, "scheduling/portal/booking.html", context)


def _booking_address(request) -> str:
    from portal_site.api import clinic_base_url

    return f"{clinic_base_url(request.portal_clinic, request)}booking/"


def account_address(request) -> str:
    """The patient's "My appointments" page on the portal being visited."""
    from portal_site.api import clinic_base_url

    return f"{clinic_base_url(request.portal_clinic, request)}account/appointments/"


def confirm(request):
    """Confirm a chosen time: visitors sign in or register first, then the patient books (or, in approval
    mode, sends a request). A time just taken offers the next free ones instead."""
    clinic = request.portal_clinic
    # Read once: the page shows the mode, and the booking follows the same policy.
    policy = booking_policy(clinic)
    mode = policy.online_mode
    if mode == OnlineMode.OFF:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    service = online.online_service(clinic, data.get("service"))
    practitioner_id = online.positive_int(data.get("practitioner"))
    start = online.parse_start(data.get("start") or "", clinic)
    if service is None or practitioner_id is None or start is None:
        messages.error(request, _("Please choose a service and a time first."))
        return redirect(_booking_address(request))
    if not request.user.is_authenticated:
        return render(
            request,
            "scheduling/portal/booking_signin.html",
            portal_page_context(
                request, next=request.get_full_path(), service=service, start=start.astimezone(clinic.tzinfo)
            ),
        )
    patient = patient_in(request.user, clinic.organization_id)
    if patient is None:
        return render(
            request,
            "portal/account/not_linked.html",
            portal_page_context(request, next=request.get_full_path()),
            status=403,
        )
    practitioners = {p.pk: p for p in online.practitioners_for(clinic, service)}
    if practitioner_id not in practitioners:
        messages.error(request, _("Please choose a practitioner who offers this service."))
        return redirect(_booking_address(request))
    context = portal_page_context(
        request,
        service=service,
        practitioner=practitioners[practitioner_id],
        start=start.astimezone(clinic.tzinfo),
        mode=mode,
        start_iso=start.isoformat(),
    )
    if request.method == "POST":
        try:
            appointment = book_appointment(
                clinic=clinic,
                practitioner=practitioners[practitioner_id],
                patient=patient,
                service=service,
                start=start,
                by=request.user,
                channel=Channel.PORTAL,
                policy=policy,
            )
        except SlotTaken:
            context["taken"] = True
            context["alternatives"] = online.next_free_slots(clinic, service, None, start)
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            if appointment.status == Status.REQUESTED:
                messages.success(request, _("Your request is sent. The clinic will confirm it soon."))
            else:
                messages.success(request, _("Your appointment is booked."))
            return redirect(account_address(request))
    return render(
        request,
        "scheduling/portal/booking_confirm.html",
        context,
        status=409 if context.get("taken") else 200,
    )
