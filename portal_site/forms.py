from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.accounts.forms import TokenForm
from core.accounts.usernames import login_key
from core.forms import BoundedDateField

INPUT = "portal-input"


class PortalForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", INPUT)


class LoginForm(PortalForm):
    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self):
        return login_key(self.cleaned_data["username"])


class SecondFactorForm(TokenForm):
    """The back office's code form, styled for the portal."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].widget.attrs["class"] = INPUT


class ResendForm(PortalForm):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class RegisterForm(PortalForm):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    date_of_birth = BoundedDateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Phone (optional)"), max_length=40, required=False)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters."),
    )

    accept_notice = forms.BooleanField(
        label=_("I have read the privacy notice above and agree to it"),
        required=True,
        error_messages={"required": _("Agree to the privacy notice to create your account.")},
    )
    # The version of the notice the page showed: a notice changed in between is shown and asked again.
    notice_version = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = notice
        if notice is not None:
            self.fields["notice_version"].initial = notice.version

    def clean_notice_version(self):
        value = self.cleaned_data["notice_version"]
        if self.notice is not None and value != self.notice.version:
            raise forms.ValidationError(
                _("The privacy notice has changed since this page was opened. Read it again, then agree.")
            )
        return value

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate() or value.year < 1900:
            raise forms.ValidationError(_("Enter your real date of birth."))
        return value

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class ProfileForm(PortalForm):
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address (line 2)"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    consent_email = forms.BooleanField(label=_("Send me messages by email"), required=False)
    consent_sms = forms.BooleanField(label=_("Send me text messages"), required=False)
