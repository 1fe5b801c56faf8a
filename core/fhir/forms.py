"""Registering a FHIR app from the back office."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm

from .models import ClientKind


class AppForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Who uses it"),
        choices=ClientKind.choices,
        help_text=_(
            "A patient app signs patients in through your portal; a clinician app signs your team in; "
            "a backend service signs nobody in and reaches the whole organization."
        ),
    )
    redirect_uri = forms.URLField(
        label=_("Redirect address"),
        required=False,
        assume_scheme="https",
        help_text=_("Where the app receives its sign-in (patient and clinician apps)."),
    )
    jwks = forms.CharField(
        label=_("Public keys (JWK Set)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional, backend services: sign token requests with these keys instead of a secret."),
    )

    def clean_jwks(self):
        text = self.cleaned_data["jwks"].strip()
        if not text:
            return None
        try:
            keys = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_('Paste the keys as JSON: {"keys": [...]}.')) from None
        if not isinstance(keys, dict):
            raise forms.ValidationError(_('Paste the keys as JSON: {"keys": [...]}.'))
        return keys

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (ClientKind.PATIENT, ClientKind.CLINICIAN) and not data.get("redirect_uri"):
            self.add_error("redirect_uri", _("An app that people sign in to needs a redirect address."))
        if kind != ClientKind.BACKEND and data.get("jwks"):
            self.add_error("jwks", _("Only backend services sign their requests with keys."))
        return data
