"""Portal views: the clinic's pages (cached for anonymous visitors), the patient's account with what the
modules show there across organizations, the data download, and redirects from addresses that moved."""

from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.accounts.language import remember_choice, shipped
from core.audit.recording import shows
from core.audit.vocabulary import Action, Category
from core.compliance.consents import practice_notice
from core.patients.accounts import patient_in

from . import cache as page_cache
from . import services
from .access import portal_view
from .account import account_groups, data_export, data_zip
from .forms import LoginForm, ProfileForm, RegisterForm, ResendForm, SecondFactorForm
from .notice import notice_redirect
from .routing import clinic_base_url
from .selectors import below_home, home_page_for
from .signin import finish_with_code, pending_user, sign_in
from .theme import portal_context
from .translations import in_language


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

        clinic_id = locale = None
        if _cacheable(request):
            if clinic_slug is None:
                clinic_id = getattr(request, "portal_host_clinic_id", None)
                locale = getattr(getattr(request, "portal_host_clinic", None), "locale", None)
            else:
                clinic_id, locale = cache.get(_slug_key(clinic_slug)) or (None, None)
        if clinic_id is not None:
            # A visitor who chose no language reads the clinic's, as portal_view will speak it.
            language = get_language() if getattr(request, "language_chosen", True) else shipped(locale)
            hit = cache.get(page_cache.page_key(f"clinic-{clinic_id}", path, language or get_language()))
            if hit is not None:
                response = HttpResponse(hit)
                response["X-Portal-Cache"] = "hit"
                return response
        response = view(request, *args, clinic_slug=clinic_slug, path=path, **kwargs)
        if clinic_slug is not None and response.get("X-Portal-Cache") == "miss":
            clinic = request.portal_clinic
            cache.set(_slug_key(clinic_slug), (clinic.pk, clinic.locale), page_cache.TTL)
        return response

    return wrapped


def _slug_key(slug: str) -> str:
    return f"portal:slug:v2:{str(slug)[:60]}"


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
    page = in_language(page, clinic)
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


def not_on_clinic_domain(request, *args, **kwargs):
    """Staff routes on a clinic's domain: the same 404 as any address that does not exist there."""
    raise Http404


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
    notice = practice_notice(request.portal_clinic.organization, get_language())
    form = RegisterForm(request.POST or None, notice=notice)
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
                notice_version=data["notice_version"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            email = data["email"].strip().lower()
            # The same page whether or not the email already had an account (see services.register).
            if registration is None:
                services.send_registration_attempt_notice(request.portal_clinic, email)
            else:
                services.send_verification(request.portal_clinic, token, email)
                nxt = _next(request, "")
                if nxt:
                    request.session["portal_next"] = nxt
            return render(request, "portal/account/check_email.html", _ctx(request, email=email))
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
            services.send_verification(clinic, token, email)
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
@require_POST
def language_view(request):
    """The portal's language switcher; a signed-in patient's choice also becomes their record's preferred
    language, so the clinic's emails follow it."""
    code = shipped(request.POST.get("language"))
    response = redirect(_next(request, _base(request)))
    if code is None:
        messages.error(request, _("Choose one of the languages offered."))
        return response
    remember_choice(request, response, code)
    patient = patient_in(request.user, request.portal_clinic.organization_id)
    if patient is not None and patient.preferred_language != code:
        services.update_profile(patient, {"preferred_language": code})
    return response


@portal_view
def profile_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    if asked := notice_redirect(request):
        return asked
    clinic = request.portal_clinic
    patient = patient_in(request.user, clinic.organization_id)
    if patient is None:
        return render(request, "portal/account/not_linked.html", _ctx(request), status=403)
    initial = {name: getattr(patient, name) for name in services.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_profile(patient, form.cleaned_data)
        messages.success(request, _("Your details are saved."))
        response = redirect(f"{_base(request)}account/")
        remember_choice(request, response, form.cleaned_data["preferred_language"])
        return response
    return render(
        request,
        "portal/account/profile.html",
        _ctx(request, form=form, patient=patient),
        status=400 if form.errors else 200,
    )


@portal_view
@shows(Category.APPOINTMENTS)
def appointments_view(request):
    """The patient's account page: what the modules have for them, per organization they are a patient
    of (their appointments, from scheduling)."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    if asked := notice_redirect(request):
        return asked
    return render(request, "portal/account/appointments.html", _ctx(request, groups=account_groups(request)))


@portal_view
@shows(Category.EXPORTS, action=Action.EXPORT)
def data_view(request):
    """ "Download my data": the user's records in every organization, each kept apart."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    body = json.dumps(
        {"exported_at": timezone.now(), "organizations": data_export(request.user)},
        cls=DjangoJSONEncoder,
        indent=2,
    )
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@portal_view
def data_zip_view(request):
    """ "Download my data" as a ZIP: the same JSON and the documents (invoice PDFs, shared files)."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    return FileResponse(data_zip(request.user), as_attachment=True, filename="my-data.zip")


# --- addresses that moved ---------------------------------------------------------------------------
# Emails and bookmarks carry the portal's earlier addresses of a patient's appointment and of the booking
# confirmation; the scheduling module serves those pages now. The old addresses keep working: they answer
# with a permanent redirect that keeps the method and body (308), so a form posted from a page loaded
# before the move still lands.


@portal_view
def moved_appointment_view(request, appointment_id, page: str):
    """``account/appointments/<id>/<page>`` → ``account/scheduling/appointments/<id>/<page>``."""
    pk = _int(appointment_id)
    if pk is None:
        raise Http404
    return HttpResponsePermanentRedirect(
        f"{_base(request)}account/scheduling/appointments/{pk}/{page}", preserve_request=True
    )


@portal_view
def moved_confirm_view(request):
    """``booking/confirm/`` → ``scheduling/confirm/``, with the chosen service, practitioner and time."""
    query = request.META.get("QUERY_STRING", "")
    target = f"{_base(request)}scheduling/confirm/" + (f"?{query}" if query else "")
    return HttpResponsePermanentRedirect(target, preserve_request=True)


def _int(value) -> int | None:
    try:
        parsed = int(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if 0 < parsed < 2**63 else None
