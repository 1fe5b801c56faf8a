"""The patient's own message preferences in the portal, under ``/c/<clinic_slug>/account/notifications/``.

The portal's module gate has already resolved the clinic (``request.portal_clinic``), answered 404 where
notifications are off, sent visitors who are not signed in to the sign-in page, and opened the clinic's
organization scope. The patient's record is reached only through ``core.patients.accounts.patient_in``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.patients.accounts import patient_in
from core.patients.services import update_patient

from .forms import ConsentForm, PreferenceForm
from .models import PATIENT_TYPES, Channel
from .preferences import choices_of, clinic_uses, save_choices
from .services.config import settings_for


def _portal_context(request, **extra) -> dict:
    from portal_site.api import portal_context

    return {**portal_context(request, request.portal_clinic), **extra}


def _channels(clinic) -> list[str]:
    config = settings_for(clinic)
    return [c.value for c in (Channel.EMAIL, Channel.SMS) if clinic_uses(config, c)]


@require_http_methods(["GET", "POST"])
def preferences_page(request):
    clinic = request.portal_clinic
    patient = patient_in(request.user, clinic.organization_id)
    if patient is None:
        return render(request, "portal/account/not_linked.html", _portal_context(request), status=403)
    channels = _channels(clinic)
    types = [(t.value, t.label) for t in PATIENT_TYPES]
    data = request.POST if request.method == "POST" else None
    form = PreferenceForm(data, types=types, preferences=choices_of(patient), channels=channels)
    consent = ConsentForm(
        data,
        initial={"consent_email": patient.consent_email, "consent_sms": patient.consent_sms},
        channels=channels,
    )
    if request.method == "POST" and form.is_valid() and consent.is_valid():
        try:
            with transaction.atomic():
                if consent.cleaned_data:
                    update_patient(patient, None, **consent.cleaned_data)
                save_choices(patient, form.choices())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your message preferences are saved."))
            return redirect(request.path)
    return render(
        request,
        "notifications/portal/preferences.html",
        _portal_context(
            request,
            patient=patient,
            form=form,
            consent=consent,
            channels=[Channel(c).label for c in channels],
            offers_sms=Channel.SMS in channels,
        ),
        status=400 if form.errors or consent.errors else 200,
    )
