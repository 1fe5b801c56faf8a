from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField, BoundedDateTimeField
from core.patients.picker import FindsPatients, PatientField, PatientPicker

from ..models import Frequency, Status, WaitlistStatus

INPUT = {"class": "input"}


def clinic_time(value: datetime, tz) -> datetime:
    """A wall-clock time typed for the clinic (its years already bounded by the field), made aware in
    its time zone."""
    return timezone.make_aware(value.replace(tzinfo=None), tz)


class AppointmentForm(FindsPatients, forms.Form):
    patient = PatientField(label=_("Patient"), widget=PatientPicker(attrs=INPUT))
    service = forms.ModelChoiceField(queryset=None, label=_("Service"), widget=forms.Select(attrs=INPUT))
    practitioner = forms.ModelChoiceField(
        queryset=None, label=_("Practitioner"), widget=forms.Select(attrs=INPUT)
    )
    start = BoundedDateTimeField(
        label=_("Start"),
        widget=forms.DateTimeInput(attrs={**INPUT, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    room = forms.ModelChoiceField(
        queryset=None, label=_("Room"), required=False, widget=forms.Select(attrs=INPUT)
    )
    notes = forms.CharField(
        label=_("Staff notes"), required=False, widget=forms.Textarea(attrs={**INPUT, "rows": 2})
    )
    override = forms.BooleanField(label=_("Book outside working hours or the booking window"), required=False)
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        required=False,
        choices=[("", _("Does not repeat")), *Frequency.choices],
        widget=forms.Select(attrs=INPUT),
    )
    interval = forms.IntegerField(
        label=_("Every (weeks or months)"),
        min_value=1,
        max_value=12,
        initial=1,
        required=False,
        widget=forms.NumberInput(attrs=INPUT),
    )
    count = forms.IntegerField(
        label=_("Number of appointments"),
        min_value=1,
        max_value=52,
        required=False,
        widget=forms.NumberInput(attrs=INPUT),
    )

    def __init__(self, *args, patients, services, practitioners, rooms, tz, allow_override, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.fields["patient"].queryset = patients
        self.fields["service"].queryset = services
        self.fields["practitioner"].queryset = practitioners
        self.fields["practitioner"].label_from_instance = lambda m: m.name
        self.fields["room"].queryset = rooms
        if not allow_override:
            del self.fields["override"]

    def clean_start(self):
        # The form is filled in the clinic's wall-clock time.
        return clinic_time(self.cleaned_data["start"], self.tz)

    def clean(self):
        data = super().clean()
        if data.get("repeat") and not data.get("count"):
            self.add_error("count", _("Say how many appointments to book."))
        return data


class RescheduleForm(forms.Form):
    start = BoundedDateTimeField(
        label=_("New start"),
        widget=forms.DateTimeInput(attrs={**INPUT, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    practitioner = forms.ModelChoiceField(
        queryset=None, label=_("Practitioner"), widget=forms.Select(attrs=INPUT)
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    override = forms.BooleanField(label=_("Outside working hours or the booking window"), required=False)

    def __init__(self, *args, practitioners, tz, allow_override, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.fields["practitioner"].queryset = practitioners
        self.fields["practitioner"].label_from_instance = lambda m: m.name
        if not allow_override:
            del self.fields["override"]

    def clean_start(self):
        return clinic_time(self.cleaned_data["start"], self.tz)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    version = forms.IntegerField(required=False)
    reason = forms.CharField(required=False, max_length=300)


class WaitlistForm(FindsPatients, forms.Form):
    patient = PatientField(label=_("Patient"), widget=PatientPicker(attrs=INPUT))
    service = forms.ModelChoiceField(queryset=None, label=_("Service"), widget=forms.Select(attrs=INPUT))
    practitioner = forms.ModelChoiceField(
        queryset=None,
        label=_("Practitioner"),
        required=False,
        empty_label=_("Anyone who offers it"),
        widget=forms.Select(attrs=INPUT),
    )
    earliest = BoundedDateField(label=_("From"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}))
    latest = BoundedDateField(label=_("Until"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}))
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=300, widget=forms.TextInput(attrs=INPUT)
    )

    def __init__(self, *args, patients, services, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients
        self.fields["service"].queryset = services
        self.fields["practitioner"].queryset = practitioners
        self.fields["practitioner"].label_from_instance = lambda m: m.name

    def clean(self):
        data = super().clean()
        if data.get("earliest") and data.get("latest") and data["latest"] < data["earliest"]:
            self.add_error("latest", _("The end of the range must not be before its start."))
        return data


class WaitlistStatusForm(forms.Form):
    status = forms.ChoiceField(choices=WaitlistStatus.choices)
