"""Forms of the chart pages. They parse and bound what people type; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField, BoundedDateTimeField, StyledForm, StyledModelForm

from .models import (
    Allergy,
    EncounterKind,
    Medication,
    Privacy,
    Problem,
    RecordsSettings,
)
from .vitals_catalog import ENTERED, KINDS, UNIT_LABELS, entry_unit


class EncounterForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("How the patient was seen"),
        choices=[c for c in EncounterKind.choices if c[0] != EncounterKind.APPOINTMENT],
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    started_at = BoundedDateTimeField(
        label=_("Started"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class NewNoteForm(StyledForm):
    template = forms.TypedChoiceField(label=_("Template"), coerce=int)
    privacy = forms.ChoiceField(label=_("Visible to"), choices=Privacy.choices, initial=Privacy.CLINICAL)
    copy_forward = forms.BooleanField(label=_("Start from the last note of this kind"), required=False)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(v.pk, v.template.display_name) for v in versions]


class SignForm(StyledForm):
    secret = forms.CharField(
        label=_("Your password"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, uses_code=False, **kwargs):
        super().__init__(*args, **kwargs)
        if uses_code:
            self.fields["secret"].label = _("Code from your authenticator app")
            self.fields["secret"].widget = forms.TextInput(
                attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "input"}
            )


class AddendumForm(SignForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    text = forms.CharField(label=_("Addendum"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["reason", "text", "secret"]


class EnteredInErrorForm(StyledForm):
    reason = forms.CharField(label=_("Why was this note entered in error?"), max_length=500)


class VitalsForm(StyledForm):
    measured_at = BoundedDateTimeField(
        label=_("Measured"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, units="metric", **kwargs):
        super().__init__(*args, **kwargs)
        for key in ENTERED:
            kind = KINDS[key]
            self.fields[key] = forms.CharField(
                label=f"{kind.label} ({UNIT_LABELS[entry_unit(kind, units)]})",
                required=False,
                max_length=12,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input"}),
            )

    def values(self) -> dict:
        return {k: self.cleaned_data[k] for k in ENTERED if self.cleaned_data.get(k)}


class AllergyForm(StyledModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Allergy
        fields = ["substance", "reaction", "severity", "is_intolerance", "status"]


class MedicationForm(StyledModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    start_date = BoundedDateField(
        label=_("Started"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    stop_date = BoundedDateField(
        label=_("Stopped"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Medication
        fields = ["name", "dose", "route", "frequency", "start_date", "stop_date", "status"]


class ProblemForm(StyledModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    onset_date = BoundedDateField(
        label=_("Onset"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    resolved_date = BoundedDateField(
        label=_("Resolved"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Problem
        fields = ["description", "icd10_code", "onset_date", "resolved_date", "status"]
        widgets = {"icd10_code": forms.TextInput(attrs={"list": "icd10-codes", "autocomplete": "off"})}


LIST_FORMS = {"allergies": AllergyForm, "medications": MedicationForm, "problems": ProblemForm}


class RecordsSettingsForm(StyledModelForm):
    class Meta:
        model = RecordsSettings
        fields = [
            "require_cosign",
            "lock_on_sign",
            "auto_lock_hours",
            "units",
            "require_signed_note_for_invoice",
        ]


class TemplateForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    schema = forms.JSONField(
        label=_("Sections and fields (JSON)"), widget=forms.Textarea(attrs={"rows": 18, "class": "font-mono"})
    )
