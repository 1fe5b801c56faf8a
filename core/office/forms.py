from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.accounts.forms import CURRENCY_CHOICES
from core.compliance.packs import country_choices
from core.forms import StyledForm, StyledModelForm
from core.tenancy.models import TIMEZONE_CHOICES, Clinic, Membership, Organization, Role


class OrganizationForm(StyledModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "default_locale",
            "country",
            "logo",
            "require_two_factor",
            "session_idle_minutes",
            "show_staff_names_to_patients",
        ]
        widgets = {
            "default_locale": forms.Select(choices=settings.LANGUAGES),
            # A callable, so the country names follow the language of each request.
            "country": forms.Select(choices=country_choices),
        }

    # Changing how members sign in is confirmed with the password or a current code, so nobody at a
    # computer an owner left signed in can switch two-factor sign-in off for the whole team.
    SECURITY_FIELDS = ("require_two_factor", "session_idle_minutes")
    confirm_password = forms.CharField(
        label=_("Your password (needed to change sign-in security)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm_token = forms.CharField(
        label=_("Or a code from your authenticator app"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.user is not None and any(name in self.changed_data for name in self.SECURITY_FIELDS):
            from core.accounts.forms import ConfirmIdentityForm

            identity = ConfirmIdentityForm(
                self.user,
                {"password": cleaned.get("confirm_password", ""), "token": cleaned.get("confirm_token", "")},
            )
            if not identity.is_valid():
                for message in identity.non_field_errors():
                    self.add_error("confirm_password", message)
        return cleaned

    def clean_session_idle_minutes(self):
        value = self.cleaned_data.get("session_idle_minutes")
        if value is not None and not 5 <= value <= 24 * 60:
            raise forms.ValidationError(_("Choose between 5 minutes and 24 hours (1440 minutes)."))
        return value


class ClinicForm(StyledModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = Clinic
        fields = [
            "name",
            "slug",
            "timezone",
            "locale",
            "currency",
            "address_line1",
            "address_line2",
            "city",
            "postal_code",
            "country",
            "phone",
            "email",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Used in web addresses. Leave empty to make one from the name.")

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").upper()


class InviteForm(StyledForm):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    clinics = forms.ModelMultipleChoiceField(
        label=_("Clinics"),
        queryset=Clinic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, clinics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinics"].queryset = clinics

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") in (Role.PRACTITIONER, Role.STAFF) and not cleaned.get("clinics"):
            self.add_error("clinics", _("Choose at least one clinic for a practitioner or staff member."))
        return cleaned


class MemberForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    clinics = forms.ModelMultipleChoiceField(
        label=_("Clinics"),
        queryset=Clinic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, clinics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinics"].queryset = clinics


class ProfileForm(StyledModelForm):
    class Meta:
        model = Membership
        fields = ["display_name", "title", "specialty", "languages", "bio", "photo"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"bio": _("Shown on the clinics' public sites for practitioners.")}


class ApiTokenForm(StyledForm):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “accounting export”.")
    )
