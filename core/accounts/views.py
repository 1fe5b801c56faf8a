"""Sign-up, sign-in (with two-factor), invitations, organization switching and account security."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.compliance.consents import record_service_consent, service_terms_version
from core.tenancy import services as tenancy
from core.tenancy.context import SESSION_KEY, memberships_of

from .forms import (
    AcceptInvitationForm,
    ConfirmIdentityForm,
    LoginForm,
    SignInCodeForm,
    SignupForm,
    TokenForm,
    email_in_use,
)
from .language import remember_choice, shipped
from .models import SecurityEvent, User
from .recovery import issue_recovery_codes, remaining_recovery_codes, remove_recovery_codes, use_recovery_code
from .second_factor import confirmed_device, record_second_factor
from .sessions import complete_login, sign_out_other_sessions
from .signup import confirm, sign_up

PENDING_2FA_KEY = "ehr_2fa_pending_user"


def _next_url(request, default: str = "office:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


def signup(request):
    """Every valid sign-up gets the same "check your email" page, so the page never tells whether the
    address already has an account (``signup.sign_up`` decides what the email says)."""
    if request.user.is_authenticated:
        return redirect("office:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sign_up(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                organization={
                    "name": data["organization_name"],
                    "clinic_name": data["clinic_name"],
                    "timezone": data["timezone"],
                    "currency": data["currency"],
                },
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "accounts/signup_sent.html", {"email": data["email"]})
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


def signup_confirm(request, uidb64: str, token: str):
    """The emailed link: opens the account and signs its owner in, once."""
    user = confirm(uidb64, token)
    if user is None:
        return render(request, "accounts/signup_confirm_problem.html", status=410)
    complete_login(request, user)
    messages.success(request, _("Welcome! Your organization is ready."))
    return redirect("office:dashboard")


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return lockout(request)
        if user is None:
            form.add_error(None, _("The email or password is not correct."))
        elif confirmed_device(user):
            request.session[PENDING_2FA_KEY] = user.pk
            return redirect(f"{reverse('accounts:login_verify')}?next={_next_url(request)}")
        else:
            complete_login(request, user)
            return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


def login_verify(request):
    """Second step of sign-in for users with an authenticator app (or one of their recovery codes)."""
    user = User.objects.filter(pk=request.session.get(PENDING_2FA_KEY), is_active=True).first()
    if user is None:
        messages.info(request, _("Please sign in first."))
        return redirect("accounts:login")
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device = confirmed_device(user)
        if token.isdigit():
            allowed = device is not None and device.verify_is_allowed()[0]
            verified = device if allowed and device.verify_token(token) else None
        else:
            verified = use_recovery_code(user, token)
        if verified:
            del request.session[PENDING_2FA_KEY]
            complete_login(request, user)
            record_second_factor(request, verified)
            if not token.isdigit():
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(count)s are left. Each works only once.")
                    % {"count": remaining_recovery_codes(user)},
                )
            return HttpResponseRedirect(_next_url(request))
        if token.isdigit():
            form.add_error(
                "token", _("That code is not valid. Codes change every 30 seconds; try the current one.")
            )
        else:
            form.add_error("token", _("That recovery code is not valid or was already used."))
    return render(request, "accounts/login_verify.html", {"form": form}, status=400 if form.errors else 200)


def lockout(request, *args, **kwargs):
    return render(
        request,
        "accounts/locked.html",
        {"title": _("Too many failed sign-in attempts")},
        status=429,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


def accept_invitation(request, token: str):
    invitation = tenancy.find_invitation(token)
    problem = tenancy.invitation_problem(invitation)
    if problem:
        return render(
            request,
            "accounts/invitation_problem.html",
            {"message": problem},
            status=404 if invitation is None else 410,
        )
    context = {"invitation": invitation, "organization": invitation.organization}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            context["wrong_user"] = True
            return render(request, "accounts/invitation_accept.html", context, status=403)
        if request.method == "POST":
            return _accept_and_enter(request, invitation, user)
        return render(request, "accounts/invitation_accept.html", context)
    if email_in_use(invitation.email):
        context["needs_login"] = True
        return render(request, "accounts/invitation_accept.html", context)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            new_user = User.objects.create_user(
                invitation.email, form.cleaned_data["password"], full_name=form.cleaned_data["full_name"]
            )
            record_service_consent(new_user, service_terms_version())
            response = _accept_and_enter(request, invitation, new_user)
        return response
    context["form"] = form
    return render(request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200)


def _accept_and_enter(request, invitation, user):
    try:
        membership = tenancy.accept_invitation(invitation, user)
    except ValidationError as error:
        return render(
            request, "accounts/invitation_problem.html", {"message": " ".join(error.messages)}, status=410
        )
    if not request.user.is_authenticated:
        complete_login(request, user)
    request.session[SESSION_KEY] = membership.organization_id
    messages.success(
        request, _("You joined %(organization)s.") % {"organization": invitation.organization.name}
    )
    return redirect("office:dashboard")


@login_required
@require_POST
def switch_organization(request):
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        organization_id = None
    if organization_id not in memberships_of(request.user):
        messages.error(request, _("You are not a member of that organization."))
        return redirect("office:dashboard")
    request.session[SESSION_KEY] = organization_id
    request.session.pop("ehr_clinic", None)
    return redirect("office:dashboard")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def security(request):
    """Two-factor status, signing out other sessions, password change."""
    return render(
        request,
        "accounts/security.html",
        {
            "device": confirmed_device(request.user),
            "recovery_codes_left": remaining_recovery_codes(request.user),
        },
    )


def _show_recovery_codes(request, codes: list[str], onward: str | None = None):
    # Shown in the response itself, never stored in the session: the codes exist in clear only on this page.
    onward = onward or reverse("accounts:security")
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "onward": onward})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def choose_language(request):
    """The language switcher: remembered on the account when signed in, in a cookie otherwise."""
    code = shipped(request.POST.get("language"))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if code is None:
        messages.error(request, _("Choose one of the languages offered."))
        return response
    remember_choice(request, response, code)
    return response


@login_required
def two_factor_setup(request):
    user = request.user
    device = confirmed_device(user)
    if device and request.user.is_verified():
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect("accounts:security")
    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["token"]):
            record_second_factor(request, device)
            if device.confirmed:  # an existing app, asked again for a code: the codes already given stand
                return HttpResponseRedirect(_next_url(request, "accounts:security"))
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = issue_recovery_codes(user)
            messages.success(request, _("Two-factor sign-in is on."))
            return _show_recovery_codes(request, codes, _next_url(request, "accounts:security"))
        form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url) if not device.confirmed else None,
            "secret": secret if not device.confirmed else None,
            "confirmed": device.confirmed,
        },
        status=400 if form.errors else 200,
    )


@login_required
def two_factor_confirm(request):
    """Give a current code again, for steps that need a recent one (creating an API token)."""
    device = confirmed_device(request.user)
    if device is None:
        setup = reverse("accounts:two_factor_setup")
        return redirect(f"{setup}?next={_next_url(request, 'accounts:security')}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["token"]):
            record_second_factor(request, device)
            return HttpResponseRedirect(_next_url(request, "accounts:security"))
        form.add_error(
            "token", _("That code is not valid. Codes change every 30 seconds; try the current one.")
        )
    return render(
        request,
        "accounts/two_factor_confirm.html",
        {"form": form, "next": _next_url(request, "accounts:security")},
        status=400 if form.errors else 200,
    )


@login_required
def two_factor_disable(request):
    required = [
        ctx.organization.name
        for ctx in memberships_of(request.user).values()
        if ctx.organization.require_two_factor
    ]
    if required:
        messages.error(
            request,
            _("Two-factor sign-in is required by %(organizations)s and cannot be switched off.")
            % {"organizations": ", ".join(required)},
        )
        return redirect("accounts:security")
    form = ConfirmIdentityForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            TOTPDevice.objects.filter(user=request.user).delete()
            remove_recovery_codes(request.user)
            SecurityEvent.objects.create(user=request.user, kind=SecurityEvent.Kind.TWO_FACTOR_OFF)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/confirm_identity.html",
        {
            "form": form,
            "title": _("Switch off two-factor sign-in"),
            "explanation": _("Sign-in will ask only for your password. Your recovery codes stop working."),
            "button": _("Switch off"),
        },
        status=400 if form.errors else 200,
    )


@login_required
def recovery_codes(request):
    """New recovery codes, replacing the old ones, after the password or a current code."""
    if confirmed_device(request.user) is None:
        return redirect("accounts:two_factor_setup")
    form = ConfirmIdentityForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _show_recovery_codes(request, issue_recovery_codes(request.user))
    return render(
        request,
        "accounts/confirm_identity.html",
        {
            "form": form,
            "title": _("New recovery codes"),
            "explanation": _("Your current recovery codes stop working and ten new ones are shown once."),
            "button": _("Create new codes"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def sign_out_others(request):
    sign_out_other_sessions(request)
    messages.success(request, _("Your other sessions are signed out."))
    return redirect("accounts:security")
