from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm, StyledModelForm

from .models import Patient
from .services import EDITABLE_FIELDS
from .us_demographics import DECLINED, DEMOGRAPHIC_FIELDS, Race


class PatientForm(StyledModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    race = forms.MultipleChoiceField(
        label=_("Race"),
        choices=Race.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. Choose every category that applies."),
    )

    class Meta:
        model = Patient
        fields = list(EDITABLE_FIELDS)
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, us_demographics: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not us_demographics:
            # Asked only in the US: elsewhere the fields are not offered, and an edit leaves them as they are.
            for name in DEMOGRAPHIC_FIELDS:
                del self.fields[name]

    def clean_race(self):
        chosen = self.cleaned_data.get("race") or []
        if DECLINED in chosen and len(chosen) > 1:
            raise forms.ValidationError(_("“Asked but declined” cannot be chosen together with a race."))
        return chosen

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").upper()

    def clean_date_of_birth(self):
        from django.utils import timezone

        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value


class PatientSearchForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Name, date of birth, phone, email or record number")}
        ),
    )
    clinic = forms.ChoiceField(label=_("Clinic"), required=False)
    archived = forms.BooleanField(label=_("Show archived"), required=False)
    # Patients the clinic cannot reach: their reminders and invoices are recorded as "not sent: no address".
    no_contact = forms.BooleanField(label=_("No email or phone"), required=False)

    def __init__(self, *args, clinics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].choices = [("", _("All my clinics")), *[(c.slug, c.name) for c in clinics]]


class MergeForm(StyledForm):
    duplicate = forms.IntegerField(label=_("Record number of the duplicate"), min_value=1)
