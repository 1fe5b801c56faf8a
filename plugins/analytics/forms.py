"""The report filter: clinics, period (a preset or two dates), practitioner and service."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField, ListSelect

from .periods import Period, month_period

PRESETS = (
    ("30d", _("Last 30 days")),
    ("month", _("This month")),
    ("last_month", _("Last month")),
    ("quarter", _("Last 3 months")),
    ("year", _("This year")),
    ("custom", _("Dates below")),
)


def preset_period(preset: str, today: date) -> Period:
    if preset == "month":
        return Period(today.replace(day=1), today)
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return month_period(last.year, last.month)
    if preset == "quarter":
        return Period(today - timedelta(days=89), today)
    if preset == "year":
        return Period(today.replace(month=1, day=1), today)
    return Period(today - timedelta(days=29), today)


class ListCheckboxes(forms.CheckboxSelectMultiple):
    """Clinic checkboxes written in one pass, each inside its label (the dashboard's markup), with
    Django's ids (``<id>_<n>``); a template per checkbox cost a millisecond each at a hundred clinics."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        base = self.build_attrs(self.attrs, attrs).get("id", f"id_{name}")
        return format_html_join(
            "",
            '<label class="flex items-center gap-2 text-sm" for="{0}">'
            '<input type="checkbox" name="{1}" value="{2}" id="{0}"{3}> {4}</label>',
            (
                (f"{base}_{n}", name, str(v), " checked" if str(v) in chosen else "", label)
                for n, (v, label) in enumerate(self.choices)
            ),
        )


class ReportFilter(forms.Form):
    clinics = forms.ModelMultipleChoiceField(
        label=_("Clinics"),
        queryset=None,
        required=False,
        widget=ListCheckboxes,
        # The same words whatever the id: another organization's clinic reads exactly like a missing one.
        error_messages={
            "invalid_choice": _("Choose clinics you may report on."),
            "invalid_pk_value": _("Choose clinics you may report on."),
        },
    )
    period = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    start = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    practitioner = forms.TypedChoiceField(
        label=_("Practitioner"),
        widget=ListSelect,
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of the listed practitioners.")},
    )
    service = forms.TypedChoiceField(
        label=_("Service"),
        widget=ListSelect,
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of the listed services.")},
    )

    def __init__(self, *args, clinics, practitioners=(), services=(), own_practitioner=None, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["clinics"].queryset = clinics
        self.fields["practitioner"].choices = [("", _("Everyone"))] + [(str(k), v) for k, v in practitioners]
        self.fields["service"].choices = [("", _("All services"))] + [(str(k), v) for k, v in services]
        self.own_practitioner = own_practitioner
        if own_practitioner is not None:
            # A practitioner's reports are always their own activity.
            del self.fields["practitioner"]

    def clean(self):
        data = super().clean()
        start, end, preset = data.get("start"), data.get("end"), data.get("period") or ""
        if preset == "custom" or (not preset and (start or end)):
            if not (start and end):
                raise ValidationError(_("Give both dates of the period, or choose a preset."), code="dates")
            try:
                data["range"] = Period(start, end)
            except ValidationError as exc:
                self.add_error("end", exc)
        else:
            data["range"] = preset_period(preset, self.today)
        if self.own_practitioner is not None:
            data["practitioner"] = self.own_practitioner
        return data
