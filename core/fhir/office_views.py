"""Settings → Connected apps: owners register the organization's FHIR apps and remove them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.office.decorators import member_required
from core.tenancy.access import check_perm, get_for_member

from .clients import register_client
from .forms import AppForm
from .models import FhirClient


@member_required
def apps(request):
    check_perm(request, "fhir.manage_apps", request.organization)
    form = AppForm(request.POST or None)
    registered = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, secret = register_client(
                request.organization,
                name=data["name"],
                kind=data["kind"],
                redirect_uris=[data["redirect_uri"]] if data["redirect_uri"] else [],
                jwks=data["jwks"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            registered = {"client": client, "secret": secret}
            messages.success(
                request, _("App registered. Copy its details now: the secret is not shown again.")
            )
            form = AppForm()
    listed = (
        FhirClient.objects.filter(organization=request.organization)
        .select_related("application")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "fhir/apps.html",
        {"form": form, "apps": listed, "registered": registered},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def app_remove(request, pk):
    check_perm(request, "fhir.manage_apps", request.organization)
    client = get_for_member(request, FhirClient.objects.select_related("application"), pk)
    with transaction.atomic():
        # The app's tokens and codes go with it: its access ends now.
        client.application.delete()
    messages.success(
        request, _("App “%(name)s” removed; its access has ended.") % {"name": client.application.name}
    )
    return redirect("office_fhir:apps")
