"""Forms of the clinic's scheduling set-up pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField, BoundedDateTimeField

from ..models import BookingPolicy, Service, Weekday

INPUT = {"class": "input"}
DATE = {**INPUT, "type": "date"}
TIME = {**INPUT, "type": "time"}
DATETIME = {**INPUT, "type": "datetime-local"}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _member_field(label, required=True):
    field = forms.ModelChoiceField(
        queryset=None, label=label, required=required, widget=forms.Select(attrs=INPUT)
    )
    field.label_from_instance = lambda m: m.name
    return field


class ServiceForm(forms.ModelForm):
    practitioners = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Offered by"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "duration_minutes",
            "price",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "bookable_online",
            "colour",
        ]
        widgets = {
            "name": forms.TextInput(attrs=INPUT),
            "duration_minutes": forms.NumberInput(attrs=INPUT),
            "price": forms.NumberInput(attrs={**INPUT, "step": "0.01", "min": "0"}),
            "buffer_before_minutes": forms.NumberInput(attrs=INPUT),
            "buffer_after_minutes": forms.NumberInput(attrs=INPUT),
            "colour": forms.TextInput(attrs={**INPUT, "type": "color"}),
        }

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioners"].queryset = members
        self.fields["practitioners"].label_from_instance = lambda m: m.name

    def clean_colour(self):
        import re

        colour = self.cleaned_data["colour"]
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
            raise forms.ValidationError(_("Choose a colour like #2563eb."))
        return colour.lower()

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise forms.ValidationError(_("The price must not be negative."))
        return price

    def validate_unique(self):
        """The service's clinic is not on the form; the set-up service checks the name per clinic."""


class BookingPolicyForm(forms.ModelForm):
    class Meta:
        model = BookingPolicy
        fields = [
            "min_notice_minutes",
            "max_days_ahead",
            "slot_granularity_minutes",
            "online_mode",
            "cancellation_notice_hours",
            "cancellation_policy",
        ]
        widgets = {
            "min_notice_minutes": forms.NumberInput(attrs=INPUT),
            "max_days_ahead": forms.NumberInput(attrs=INPUT),
            "slot_granularity_minutes": forms.NumberInput(attrs=INPUT),
            "online_mode": forms.Select(attrs=INPUT),
            "cancellation_notice_hours": forms.NumberInput(attrs=INPUT),
            "cancellation_policy": forms.Textarea(attrs={**INPUT, "rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, online cancellation follows the minimum notice alone (the model's default, 0).
        self.fields["cancellation_notice_hours"].required = False

    def clean_cancellation_notice_hours(self) -> int:
        return self.cleaned_data.get("cancellation_notice_hours") or 0

    def validate_unique(self):
        """One policy per clinic: the set-up service updates the clinic's row."""


class WorkingHoursForm(forms.Form):
    practitioner = _member_field(_("Practitioner"))
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=Weekday.choices, coerce=int, widget=forms.Select(attrs=INPUT)
    )
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs=TIME, format="%H:%M"))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs=TIME, format="%H:%M"))
    valid_from = BoundedDateField(
        label=_("Valid from"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    valid_until = BoundedDateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = members

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", _("The end must be after the start."))
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            self.add_error("valid_until", _("The rule must not end before it starts."))
        return data


class ExtraHoursForm(forms.Form):
    practitioner = _member_field(_("Practitioner"))
    day = BoundedDateField(label=_("Day"), widget=forms.DateInput(attrs=DATE))
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs=TIME, format="%H:%M"))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs=TIME, format="%H:%M"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = members

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", _("The end must be after the start."))
        return data


class TimeOffForm(forms.Form):
    practitioner = _member_field(_("Practitioner"))
    start = BoundedDateTimeField(
        label=_("From"),
        widget=forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMATS[0]),
        input_formats=DATETIME_FORMATS,
    )
    end = BoundedDateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMATS[0]),
        input_formats=DATETIME_FORMATS,
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=200, widget=forms.TextInput(attrs=INPUT)
    )

    def __init__(self, *args, members, tz, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.fields["practitioner"].queryset = members

    def _aware(self, name):
        value = self.cleaned_data[name]
        return timezone.make_aware(value.replace(tzinfo=None), self.tz)

    def clean_start(self):
        return self._aware("start")

    def clean_end(self):
        return self._aware("end")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must be after the start."))
        return data


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class ClosureForm(forms.Form):
    start_date = BoundedDateField(label=_("First day"), widget=forms.DateInput(attrs=DATE))
    end_date = BoundedDateField(label=_("Last day"), widget=forms.DateInput(attrs=DATE))
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=200, widget=forms.TextInput(attrs=INPUT)
    )

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The last day must not be before the first."))
        return data
