"""Portal views: the clinic's pages (cached for anonymous visitors), the patient's account, the booking
confirmation, "my appointments" across organizations, calendar files and the data download."""

from __future__ import annotations

import functools
import json
from datetime import UTC, timedelta

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_scopes import scope

from core.patients.accounts import patient_in, patient_links
from core.plugins.gating import is_module_enabled
from core.tenancy.models import Clinic

from . import cache as page_cache
from . import scheduling_bridge as bridge
from . import services
from .access import portal_view
from .booking import _int, parse_start
from .forms import LoginForm, ProfileForm, RegisterForm, ResendForm, SecondFactorForm
from .routing import clinic_base_url
from .selectors import below_home, home_page_for
from .signin import finish_with_code, pending_user, sign_in
from .theme import portal_context


def _ctx(request, **extra) -> dict:
    return {**portal_context(request, request.portal_clinic), **extra}


def _base(request) -> str:
    return clinic_base_url(request.portal_clinic, request)


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _login_redirect(request):
    return redirect(f"{_base(request)}account/login/?next={request.get_full_path()}")


# --- pages ----------------------------------------------------------------------------------------


def _from_cache_first(view):
    """Answer an anonymous visitor's page from the cache before any database work. The address names the
    clinic; the cache remembers which clinic a slug named when the page was first rendered, and the site's
    version in the page key (bumped by every change that shows on the site, archiving included) keeps a
    stale page from ever being served."""

    @functools.wraps(view)
    def wrapped(request, *args, clinic_slug: str | None = None, path: str = "", **kwargs):
        from django.core.cache import cache

        clinic_id = None
        if _cacheable(request):
            if clinic_slug is None:
                clinic_id = getattr(request, "portal_host_clinic_id", None)
            else:
                clinic_id = cache.get(_slug_key(clinic_slug))
        if clinic_id is not None:
            hit = cache.get(page_cache.page_key(f"clinic-{clinic_id}", path, get_language()))
            if hit is not None:
                response = HttpResponse(hit)
                response["X-Portal-Cache"] = "hit"
                return response
        response = view(request, *args, clinic_slug=clinic_slug, path=path, **kwargs)
        if clinic_slug is not None and response.get("X-Portal-Cache") == "miss":
            cache.set(_slug_key(clinic_slug), request.portal_clinic.pk, page_cache.TTL)
        return response

    return wrapped


def _slug_key(slug: str) -> str:
    return f"portal:slug:{str(slug)[:60]}"


def _cacheable(request) -> bool:
    return (
        request.method == "GET"
        and not request.GET
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not request.session.get("_messages")
    )


@_from_cache_first
@portal_view
def serve_page(request, path: str = ""):
    clinic = request.portal_clinic
    home = home_page_for(clinic)
    if home is None:
        raise Http404
    key = page_cache.page_key(f"clinic-{clinic.pk}", path, get_language()) if _cacheable(request) else None
    if key:
        from django.core.cache import cache

        hit = cache.get(key)
        if hit is not None:
            response = HttpResponse(hit)
            response["X-Portal-Cache"] = "hit"
            return response
    components = [c for c in path.split("/") if c]
    route = home.specific.route(request, components)
    page = route.page.specific
    if page.pk != home.pk:
        below_home([page], home)
    if not page.live:
        raise Http404
    response = page.serve(request, *route.args, **route.kwargs)
    if hasattr(response, "render"):
        response.render()
    from .models import BookingPage

    if key and response.status_code == 200 and not isinstance(page, BookingPage):
        from django.core.cache import cache

        cache.set(key, response.content, page_cache.TTL)
        response["X-Portal-Cache"] = "miss"
    return response


def landing(request, *args, **kwargs):
    return render(request, "portal/landing.html", {}, status=200)


# --- account --------------------------------------------------------------------------------------


@portal_view
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            form.add_error(None, _("Too many failed sign-in attempts. Please wait a few minutes."))
        elif user is None:
            form.add_error(None, _("The email or password is not correct."))
        else:
            return sign_in(
                request,
                user,
                next_url=_next(request, f"{_base(request)}account/appointments/"),
                verify_url=f"{_base(request)}account/login/verify/",
            )
    return render(
        request,
        "portal/account/login.html",
        _ctx(request, form=form, next=request.GET.get("next", "")),
        status=400 if form.errors else 200,
    )


@portal_view
def login_verify_view(request):
    """Second step of signing in for a login with an authenticator app."""
    user = pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in first."))
        return redirect(f"{_base(request)}account/login/")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if finish_with_code(request, user, form.cleaned_data["token"]):
            return HttpResponseRedirect(_next(request, f"{_base(request)}account/appointments/"))
        form.add_error(
            "token", _("That code is not valid. Codes change every 30 seconds; try the current one.")
        )
    return render(
        request,
        "portal/account/login_verify.html",
        _ctx(request, form=form, next=_next(request, "")),
        status=400 if form.errors else 200,
    )


@portal_view
def register_view(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration, token = services.register(
                request.portal_clinic,
                email=data["email"],
                password=data["password"],
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                phone=data["phone"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            services.send_verification(request, request.portal_clinic, token, registration.user.email)
            nxt = _next(request, "")
            if nxt:
                request.session["portal_next"] = nxt
            return render(
                request, "portal/account/check_email.html", _ctx(request, email=registration.user.email)
            )
    return render(
        request,
        "portal/account/register.html",
        _ctx(request, form=form, next=request.GET.get("next", "")),
        status=400 if form.errors else 200,
    )


RESEND_PER_ADDRESS = 3
RESEND_PER_CLIENT = 20
RESEND_WINDOW_SECONDS = 60 * 60


@portal_view
def resend_view(request):
    """Send a new confirmation link. The answer is the same whether or not the address is waiting for one,
    so the form cannot be used to learn who has an account."""
    from .throttle import allow

    clinic = request.portal_clinic
    form = ResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        client = request.META.get("REMOTE_ADDR", "")
        if not (
            allow("resend-client", client, limit=RESEND_PER_CLIENT, window_seconds=RESEND_WINDOW_SECONDS)
            and allow(
                "resend-address",
                f"{clinic.pk}:{email}",
                limit=RESEND_PER_ADDRESS,
                window_seconds=RESEND_WINDOW_SECONDS,
            )
        ):
            form.add_error(None, _("Too many requests for a new link. Please try again in an hour."))
            return render(request, "portal/account/resend.html", _ctx(request, form=form), status=429)
        token = services.renew_verification(clinic, email)
        if token:
            services.send_verification(request, clinic, token, email)
        return render(request, "portal/account/resend.html", _ctx(request, form=None, sent_to=email))
    return render(
        request,
        "portal/account/resend.html",
        _ctx(request, form=form),
        status=400 if form.errors else 200,
    )


@portal_view
def verify_view(request, token: str):
    try:
        registration = services.verify(request.portal_clinic, token)
    except ValidationError as error:
        return render(
            request, "portal/account/verify_failed.html", _ctx(request, error=error.messages[0]), status=400
        )
    messages.success(request, _("Your email is confirmed. Welcome!"))
    target = request.session.pop("portal_next", None) or f"{_base(request)}account/appointments/"
    if request.user.is_authenticated and request.user.pk == registration.user_id:
        return redirect(target)
    if request.user.is_authenticated:
        logout(request)
    # Following the emailed link proves the address, not the second factor: a login with an
    # authenticator app still gives its code.
    return sign_in(
        request, registration.user, next_url=target, verify_url=f"{_base(request)}account/login/verify/"
    )


@portal_view
@require_POST
def logout_view(request):
    logout(request)
    return redirect(_base(request))


@portal_view
def profile_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    clinic = request.portal_clinic
    patient = patient_in(request.user, clinic.organization_id)
    if patient is None:
        return render(request, "portal/account/not_linked.html", _ctx(request), status=403)
    initial = {name: getattr(patient, name) for name in services.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_profile(patient, form.cleaned_data)
        messages.success(request, _("Your details are saved."))
        return redirect(f"{_base(request)}account/")
    return render(
        request,
        "portal/account/profile.html",
        _ctx(request, form=form, patient=patient),
        status=400 if form.errors else 200,
    )


def _my_appointments(user) -> list[dict]:
    """Every appointment of the user's records, per organization, each with its clinic's name."""
    groups = []
    for organization_id, patient_id in patient_links(user):
        with scope(organization=organization_id):
            clinics = list(
                Clinic.objects.filter(organization_id=organization_id).select_related("organization")
            )
            enabled = [c.pk for c in clinics if is_module_enabled(c, "scheduling")]
            if not enabled:
                continue
            rows = bridge.patient_appointments(enabled, organization_id, patient_id)
            by_pk = {c.pk: c for c in clinics}
            items = []
            for appointment in rows:
                clinic = by_pk[appointment.clinic_id]
                items.append(
                    {
                        "appointment": appointment,
                        "clinic": clinic,
                        "local_start": appointment.start.astimezone(clinic.tzinfo),
                        "can_change": bridge.can_change(clinic, appointment),
                        "base": f"/c/{clinic.slug}/",
                    }
                )
            groups.append({"organization": clinics[0].organization if clinics else None, "items": items})
    return groups


@portal_view
def appointments_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    groups = _my_appointments(request.user)
    return render(
        request, "portal/account/appointments.html", _ctx(request, groups=groups, now=timezone.now())
    )


def _own(request, appointment_id):
    clinic = request.portal_clinic
    if not request.user.is_authenticated or not is_module_enabled(clinic, "scheduling"):
        raise Http404
    patient = patient_in(request.user, clinic.organization_id)
    pk = _int(appointment_id)
    appointment = bridge.own_appointment(clinic, patient, pk) if patient and pk else None
    if appointment is None:
        raise Http404
    return clinic, patient, appointment


@portal_view
@require_POST
def cancel_view(request, appointment_id):
    clinic, _patient, appointment = _own(request, appointment_id)
    try:
        bridge.cancel(clinic, appointment, by=request.user, version=_int(request.POST.get("version")) or 0)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your appointment is cancelled."))
    return redirect(f"{_base(request)}account/appointments/")


@portal_view
def reschedule_view(request, appointment_id):
    clinic, _patient, appointment = _own(request, appointment_id)
    context = _ctx(request, appointment=appointment, local_start=appointment.start.astimezone(clinic.tzinfo))
    if request.method == "POST":
        start = parse_start(request.POST.get("start", ""), clinic)
        if start is None:
            messages.error(request, _("Choose one of the times offered."))
        else:
            try:
                result = bridge.reschedule(
                    clinic,
                    appointment,
                    by=request.user,
                    version=_int(request.POST.get("version")) or 0,
                    start=start,
                )
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                if not result.taken:
                    messages.success(request, _("Your appointment is moved."))
                    return redirect(f"{_base(request)}account/appointments/")
                context["taken"] = True
                context["slots"] = result.alternatives
    today = timezone.now().astimezone(clinic.tzinfo).date()
    from django.utils.dateparse import parse_date

    day = parse_date(request.GET.get("date") or "") or appointment.start.astimezone(clinic.tzinfo).date()
    day = max(day, today)
    context["day"] = day
    context["next_day"] = day + timedelta(days=1)
    context["prev_day"] = day - timedelta(days=1) if day > today else None
    if "slots" not in context:
        context["slots"] = bridge.slots(
            clinic,
            appointment.service,
            appointment.practitioner_id,
            day,
            exclude_appointment_id=appointment.pk,
        )
    return render(request, "portal/account/reschedule.html", context)


@portal_view
def ics_view(request, appointment_id):
    clinic, _patient, appointment = _own(request, appointment_id)
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Clinic EHR//Portal//EN",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.organization_id}-{appointment.pk}@clinic-ehr",
        f"DTSTAMP:{timezone.now().strftime(fmt)}",
        f"DTSTART:{appointment.start.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{appointment.end.astimezone(UTC).strftime(fmt)}",
        "SUMMARY:" + _ics_text(f"{appointment.service.name} – {clinic.name}"),
        "LOCATION:" + _ics_text(", ".join(p for p in [clinic.address_line1, clinic.city] if p)),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


@portal_view
def data_view(request):
    """ "Download my data": the user's records in every organization, each kept apart."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    from core.patients.models import Patient

    organizations = []
    for organization_id, patient_id in patient_links(request.user):
        with scope(organization=organization_id):
            patient = Patient.objects.filter(organization_id=organization_id, pk=patient_id).first()
            if patient is None:
                continue
            record = {
                f.name: getattr(patient, f.name)
                for f in Patient._meta.concrete_fields
                if f.name not in {"organization", "merged_into", "search_name", "version", "id"}
            }
            clinics = list(Clinic.objects.filter(organization_id=organization_id))
            enabled = [c.pk for c in clinics if is_module_enabled(c, "scheduling")]
            names = {c.pk: c.name for c in clinics}
            appointments = [
                {
                    "clinic": names.get(a.clinic_id),
                    "service": a.service.name,
                    "practitioner": a.practitioner.name,
                    "start": a.start,
                    "end": a.end,
                    "status": a.status,
                }
                for a in (
                    bridge.patient_appointments(enabled, organization_id, patient_id) if enabled else []
                )
            ]
            organizations.append(
                {"organization": patient.organization.name, "patient": record, "appointments": appointments}
            )
    body = json.dumps(
        {"exported_at": timezone.now(), "organizations": organizations}, cls=DjangoJSONEncoder, indent=2
    )
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


# --- booking confirmation -------------------------------------------------------------------------


@portal_view
def confirm_view(request):
    clinic = request.portal_clinic
    if bridge.online_mode(clinic) == "off":
        raise Http404
    svc = bridge.service(clinic, request.GET.get("service") or request.POST.get("service"))
    practitioner_id = _int(request.GET.get("practitioner") or request.POST.get("practitioner"))
    start = parse_start(request.GET.get("start") or request.POST.get("start") or "", clinic)
    booking_url = f"{_base(request)}booking/"
    if svc is None or practitioner_id is None or start is None:
        messages.error(request, _("Please choose a service and a time first."))
        return redirect(booking_url)
    if not request.user.is_authenticated:
        return render(
            request,
            "portal/booking_signin.html",
            _ctx(request, next=request.get_full_path(), service=svc, start=start.astimezone(clinic.tzinfo)),
        )
    patient = patient_in(request.user, clinic.organization_id)
    if patient is None:
        return render(
            request, "portal/account/not_linked.html", _ctx(request, next=request.get_full_path()), status=403
        )
    practitioners = {p.pk: p for p in bridge.practitioners_for(clinic, svc)}
    context = _ctx(
        request,
        service=svc,
        practitioner=practitioners.get(practitioner_id),
        start=start.astimezone(clinic.tzinfo),
        mode=bridge.online_mode(clinic),
        start_iso=start.isoformat(),
    )
    if practitioner_id not in practitioners:
        messages.error(request, _("Please choose a practitioner who offers this service."))
        return redirect(booking_url)
    if request.method == "POST":
        try:
            result = bridge.book(
                clinic,
                patient=patient,
                svc=svc,
                practitioner_id=practitioner_id,
                start=start,
                by=request.user,
            )
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            if result.taken:
                context["taken"] = True
                context["alternatives"] = result.alternatives
                context["names"] = {pk: p.name for pk, p in practitioners.items()}
            else:
                if context["mode"] == "approval":
                    messages.success(request, _("Your request is sent. The clinic will confirm it soon."))
                else:
                    messages.success(request, _("Your appointment is booked."))
                return redirect(f"{_base(request)}account/appointments/")
    return render(
        request, "portal/booking_confirm.html", context, status=409 if context.get("taken") else 200
    )
