from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm
from core.tenancy.models import TIMEZONE_CHOICES

from .models import User
from .second_factor import confirmed_device
from .usernames import login_key

CURRENCY_CHOICES = [
    ("USD", "USD — US dollar"),
    ("EUR", "EUR — Euro"),
    ("GBP", "GBP — Pound sterling"),
    ("CAD", "CAD — Canadian dollar"),
    ("AUD", "AUD — Australian dollar"),
    ("CHF", "CHF — Swiss franc"),
    ("NZD", "NZD — New Zealand dollar"),
]


def email_in_use(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


class PasswordFieldsMixin:
    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class TermsHelpMixin:
    """Shows the version agreed to and a link to its text (the operator's own, or the shipped terms)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings
        from django.urls import reverse
        from django.utils.html import format_html

        self.fields["accept_terms"].help_text = format_html(
            '{} <a href="{}" target="_blank" rel="noopener">{}</a>',
            _("Version %(version)s.") % {"version": settings.EHR_SERVICE_TERMS_VERSION},
            settings.EHR_SERVICE_TERMS_URL or reverse("accounts:terms"),
            _("Read the terms"),
        )


class SignupForm(TermsHelpMixin, PasswordFieldsMixin, StyledForm):
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text=_("At least 10 characters; not a common password."),
    )
    organization_name = forms.CharField(label=_("Practice or organization name"), max_length=200)
    clinic_name = forms.CharField(label=_("First clinic's name"), max_length=200)
    timezone = forms.ChoiceField(
        label=_("Clinic time zone"), choices=TIMEZONE_CHOICES, initial="Europe/London"
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="USD")
    accept_terms = forms.BooleanField(
        label=_("I agree to the service's terms and privacy notice"),
        required=True,
        error_messages={"required": _("Agree to the terms and privacy notice to create your account.")},
    )

    def clean_email(self):
        # Whether the address already has an account is never said here (core.accounts.signup).
        return self.cleaned_data["email"].strip().lower()


class LoginForm(StyledForm):
    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self):
        return login_key(self.cleaned_data["username"])


class TokenForm(StyledForm):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the digits shown in your authenticator app."))
        return token


class SignInCodeForm(StyledForm):
    """Second step of sign-in: a code from the authenticator app, or one of the recovery codes."""

    token = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token:
            raise forms.ValidationError(_("Enter the code shown in your authenticator app."))
        return token


class ConfirmIdentityForm(StyledForm):
    """Before switching two-factor sign-in off or replacing recovery codes: the password, or a current code,
    so that someone at an unattended, signed-in computer cannot do either."""

    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = forms.CharField(
        label=_("Or a code from your authenticator app"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password") or ""
        token = (cleaned.get("token") or "").replace(" ", "")
        device = confirmed_device(self.user)
        if password:
            # Wrong passwords slow the next try down like wrong codes do, so the confirmation cannot be
            # guessed at from a computer left signed in.
            if device is not None and not device.verify_is_allowed()[0]:
                raise forms.ValidationError(_("Too many wrong attempts. Wait a moment and try again."))
            if not self.user.check_password(password):
                if device is not None:
                    device.throttle_increment()
                raise forms.ValidationError(_("The password is not correct."))
            return cleaned
        if token:
            allowed = token.isdigit() and device is not None and device.verify_is_allowed()[0]
            if not (allowed and device.verify_token(token)):
                raise forms.ValidationError(
                    _("That code is not valid. Codes change every 30 seconds; try the current one.")
                )
            return cleaned
        raise forms.ValidationError(_("Enter your password or a current code to confirm it is you."))


class AcceptInvitationForm(TermsHelpMixin, PasswordFieldsMixin, StyledForm):
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    password = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput, strip=False)
    accept_terms = forms.BooleanField(
        label=_("I agree to the service's terms and privacy notice"),
        required=True,
        error_messages={"required": _("Agree to the terms and privacy notice to create your account.")},
    )


from urllib.parse import urlsplit  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth.forms import (  # noqa: E402
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from core.forms import StyledFormMixin  # noqa: E402


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    pass


class StyledPasswordResetForm(StyledFormMixin, PasswordResetForm):
    def save(self, **kwargs):
        """Email the link on the platform's address (``core.links``), never on the Host the request named."""
        base = urlsplit(settings.EHR_BASE_URL)
        kwargs.update(domain_override=base.netloc, use_https=base.scheme == "https")
        return super().save(**kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """Each account's email in its owner's language, whoever asked for it and in which language."""
        from django.utils import translation

        from .language import recipient_language

        language = recipient_language(context["user"].preferred_language, translation.get_language())
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class StyledSetPasswordForm(StyledFormMixin, SetPasswordForm):
    pass
