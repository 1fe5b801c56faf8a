from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MessageTemplate, NotificationSettings, PatientPreference
from .rendering import template_errors


class ChannelSettingsForm(forms.ModelForm):
    reminder_hours = forms.CharField(
        label=_("Reminders (hours before the appointment)"),
        required=False,
        help_text=_("Separate several with commas, e.g. 24, 2. Leave empty for no reminders."),
    )

    class Meta:
        model = NotificationSettings
        fields = ["email_enabled", "sms_enabled", "sender_name", "quiet_hours_start", "quiet_hours_end"]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offsets = self.instance.reminder_offsets or []
        self.fields["reminder_hours"].initial = ", ".join(
            f"{m / 60:g}" for m in sorted(offsets, reverse=True)
        )

    def clean_reminder_hours(self) -> list[int]:
        text = self.cleaned_data["reminder_hours"] or ""
        minutes = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                hours = float(part)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a number of hours."), params={"value": part}
                )
            if not 0 < hours <= 24 * 30:
                raise forms.ValidationError(_("Reminders go between a few minutes and 30 days before."))
            minutes.append(round(hours * 60))
        if len(set(minutes)) > 5:
            raise forms.ValidationError(_("At most five reminders."))
        return sorted(set(minutes), reverse=True)

    def clean(self):
        data = super().clean()
        one_sided = (data.get("quiet_hours_start") is None) != (data.get("quiet_hours_end") is None)
        if one_sided and not {"quiet_hours_start", "quiet_hours_end"} & set(self.errors):
            self.add_error(
                "quiet_hours_end", _("Give both the start and the end of the quiet hours, or neither.")
            )
        return data

    def save(self, commit=True):
        self.instance.reminder_offsets = self.cleaned_data["reminder_hours"]
        return super().save(commit=commit)


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["subject", "body", "sms_body"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "sms_body": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        problems = template_errors(
            data.get("subject") or "", data.get("body") or "", data.get("sms_body") or ""
        )
        for name, message in problems.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data


class PreferenceForm(forms.Form):
    """One pair of switches (email, text) per message type a patient receives."""

    def __init__(self, *args, types=(), preferences=None, channels=("email", "sms"), **kwargs):
        super().__init__(*args, **kwargs)
        preferences = preferences or {}
        self.types = list(types)
        self.channels = list(channels)
        for value, label in self.types:
            found: PatientPreference | None = preferences.get(value)
            if "email" in self.channels:
                self.fields[f"{value}__email"] = forms.BooleanField(
                    label=_("%(type)s by email") % {"type": label},
                    required=False,
                    initial=found.email if found else True,
                )
            if "sms" in self.channels:
                self.fields[f"{value}__sms"] = forms.BooleanField(
                    label=_("%(type)s by text message") % {"type": label},
                    required=False,
                    initial=found.sms if found else True,
                )

    def choices(self) -> dict[str, dict[str, bool]]:
        """``{message_type: {channel: wanted}}`` for the channels this form offered."""
        return {
            value: {channel: self.cleaned_data[f"{value}__{channel}"] for channel in self.channels}
            for value, _label in self.types
        }

    def rows(self):
        """(label, [bound field per channel]) per message type, for a table of switches."""
        return [
            (label, [self[f"{value}__{channel}"] for channel in self.channels]) for value, label in self.types
        ]


class ConsentForm(forms.Form):
    """A patient's own consent to each channel (stored on their record)."""

    consent_email = forms.BooleanField(label=_("I agree to receive emails"), required=False)
    consent_sms = forms.BooleanField(label=_("I agree to receive text messages"), required=False)

    def __init__(self, *args, channels=("email", "sms"), **kwargs):
        super().__init__(*args, **kwargs)
        for channel in ("email", "sms"):
            if channel not in channels:
                del self.fields[f"consent_{channel}"]
