"""The back office's forms for disclosures: what staff type when they record one, and the reason a
mistaken one is marked entered in error. The rules themselves live in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField, StyledForm

from ..models import DisclosurePurpose
from .services import DisclosureDetails


class DisclosureForm(StyledForm):
    disclosed_on = BoundedDateField(
        label=_("Date of disclosure"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    recipient_name = forms.CharField(
        label=_("Given to"),
        max_length=200,
        error_messages={"required": _("Name the person or organization who received the information.")},
    )
    recipient_address = forms.CharField(
        label=_("Recipient's address or organization"), max_length=300, required=False
    )
    description = forms.CharField(
        label=_("What was disclosed"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Describe what was disclosed.")},
        help_text=_("For example: visit notes of March 2026, immunization record."),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "—"), *DisclosurePurpose.choices])
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=500,
        required=False,
        help_text=_(
            "The law, court order or written request it answered. Needed for every purpose but treatment, "
            "payment and operations: the patient's accounting shows it."
        ),
    )

    def details(self) -> DisclosureDetails:
        return DisclosureDetails(**self.cleaned_data)


class EnteredInErrorForm(StyledForm):
    reason = forms.CharField(label=_("Why is it in error?"), max_length=500)
