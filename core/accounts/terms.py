"""The service's terms, which a person agrees to when creating a practice or accepting an invitation.

An operator that publishes its own terms names them with ``EHR_SERVICE_TERMS_URL`` and this page sends
readers there; otherwise it shows the terms shipped with the product, under the version that sign-up
records (``EHR_SERVICE_TERMS_VERSION``)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@require_GET
def service_terms(request):
    if settings.EHR_SERVICE_TERMS_URL:
        return redirect(settings.EHR_SERVICE_TERMS_URL)
    return render(request, "accounts/terms.html", {"version": settings.EHR_SERVICE_TERMS_VERSION})
